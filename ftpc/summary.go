package ftpc

import (
	"fmt"
	"math/big"
	"time"
)

// Summary formats the line the device prints after a transfer, exactly:
//
//	FTP: 120 byte(s) received in 0.678 second(s) 176.99byte(s)/sec.
//	FTP: 777 byte(s) sent in 0.443 second(s) 1.75Kbyte(s)/sec.
//
// sent selects "sent" (put, mput) over "received" (get, dir, ls).
//
// The elapsed time is rounded to whole milliseconds and printed with three
// decimals; the rate is computed from that printed time, so the line is
// consistent with itself. A time below half a millisecond is counted as
// 0.001 s, so the rate stays finite (fast loopback transfers of small files).
//
// The rate is bytes per second, truncated (not rounded) to two decimals, as
// every capture of the real client shows. From 1000 B/s on it is divided by
// 1000 (not 1024) and printed as "Kbyte(s)". There is no larger unit: the real
// client's captures never show one, so 1 GB/s on loopback prints as
// "1000000.00Kbyte(s)/sec.". Like the real client, a rate below 1 drops its
// leading zero: ".48byte(s)/sec.".
func Summary(n int64, elapsed time.Duration, sent bool) string {
	if n < 0 {
		n = 0
	}
	ms := (elapsed + time.Millisecond/2) / time.Millisecond
	if ms < 1 {
		ms = 1
	}
	verb := "received"
	if sent {
		verb = "sent"
	}
	return fmt.Sprintf("FTP: %d byte(s) %s in %d.%03d second(s) %s/sec.",
		n, verb, ms/1000, ms%1000, rate(uint64(n), uint64(ms)))
}

// rate formats n bytes in ms milliseconds as the device does.
func rate(n, ms uint64) string {
	// Hundredths of a byte per second, n * 100 * 1000 / ms, exactly.
	hundredths := new(big.Int).SetUint64(n)
	hundredths.Mul(hundredths, big.NewInt(100_000))
	hundredths.Quo(hundredths, new(big.Int).SetUint64(ms))
	unit := "byte(s)"
	if hundredths.Cmp(big.NewInt(100_000)) >= 0 {
		// 1000 B/s or more: Kbyte(s), truncated again to hundredths.
		hundredths.Quo(hundredths, big.NewInt(1000))
		unit = "Kbyte(s)"
	}
	whole, frac := new(big.Int).QuoRem(hundredths, big.NewInt(100), new(big.Int))
	s := ""
	if whole.Sign() > 0 {
		s = whole.String()
	}
	return fmt.Sprintf("%s.%02d%s", s, frac.Int64(), unit)
}
