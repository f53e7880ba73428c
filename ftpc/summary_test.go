package ftpc

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSummary(t *testing.T) {
	ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
	tests := []struct {
		name    string
		n       int64
		elapsed time.Duration
		sent    bool
		want    string
	}{
		// Every capture of docs/device-reference.md section 7.
		{"get vrpcfg.zip", 120, ms(678), false, "FTP: 120 byte(s) received in 0.678 second(s) 176.99byte(s)/sec."},
		{"put vrpnew2.zip", 120, ms(443), true, "FTP: 120 byte(s) sent in 0.443 second(s) 270.88byte(s)/sec."},
		{"dir, two lines", 117, ms(70), false, "FTP: 117 byte(s) received in 0.070 second(s) 1.67Kbyte(s)/sec."},
		{"statemach.efs", 2263, ms(150), false, "FTP: 2263 byte(s) received in 0.150 second(s) 15.08Kbyte(s)/sec."},
		{"836 bytes", 836, ms(976), false, "FTP: 836 byte(s) received in 0.976 second(s) 856.55byte(s)/sec."},
		{"9 bytes", 9, ms(540), false, "FTP: 9 byte(s) received in 0.540 second(s) 16.66byte(s)/sec."},
		{"below 1 B/s drops the zero", 4, ms(8190), false, "FTP: 4 byte(s) received in 8.190 second(s) .48byte(s)/sec."},
		{"backup put", 777, ms(443), true, "FTP: 777 byte(s) sent in 0.443 second(s) 1.75Kbyte(s)/sec."},
		{"backup dir", 128, ms(70), false, "FTP: 128 byte(s) received in 0.070 second(s) 1.82Kbyte(s)/sec."},
		// Edges chosen here.
		{"exactly 1000 B/s is K", 1000, ms(1000), false, "FTP: 1000 byte(s) received in 1.000 second(s) 1.00Kbyte(s)/sec."},
		{"just below 1000 B/s", 999, ms(1000), false, "FTP: 999 byte(s) received in 1.000 second(s) 999.00byte(s)/sec."},
		{"truncated, not rounded", 2, ms(3000), false, "FTP: 2 byte(s) received in 3.000 second(s) .66byte(s)/sec."},
		{"zero bytes", 0, ms(5), false, "FTP: 0 byte(s) received in 0.005 second(s) .00byte(s)/sec."},
		{"under half a millisecond counts as 1 ms", 10, 100 * time.Microsecond, false, "FTP: 10 byte(s) received in 0.001 second(s) 10.00Kbyte(s)/sec."},
		{"rounded to the millisecond", 1000, 1500*time.Microsecond + 1, false, "FTP: 1000 byte(s) received in 0.002 second(s) 500.00Kbyte(s)/sec."},
		{"loopback GiB stays in K", 1 << 30, ms(1000), true, "FTP: 1073741824 byte(s) sent in 1.000 second(s) 1073741.82Kbyte(s)/sec."},
		{"minutes", 123456789, ms(125_007), false, "FTP: 123456789 byte(s) received in 125.007 second(s) 987.59Kbyte(s)/sec."},
		{"huge count does not overflow", 1 << 62, ms(1), false, "FTP: 4611686018427387904 byte(s) received in 0.001 second(s) 4611686018427387904.00Kbyte(s)/sec."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summary(tt.n, tt.elapsed, tt.sent)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Summary(%d, %v, %v) mismatch (-want +got):\n%s", tt.n, tt.elapsed, tt.sent, diff)
			}
		})
	}
}
