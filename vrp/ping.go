package vrp

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// pingTimeout is how long ping waits for each echo reply that does not come
// (the device's default, -t 2000).
const pingTimeout = 2 * time.Second

// reachable tells whether an address answers a ping: the device's own, the
// host's loopback (127.0.0.1, ::1, where the lab's servers run), or what
// Options.Reachable knows (the lab's running devices).
func (d *Device) reachable(a netip.Addr) bool {
	a = a.Unmap()
	switch {
	case a == d.opts.Address, a == netip.MustParseAddr("127.0.0.1"), a == netip.IPv6Loopback():
		return true
	case d.opts.Reachable != nil:
		return d.opts.Reachable(a)
	}
	return false
}

// pingText runs ping as the device shows it: a reply per echo (the time is
// the device's smallest, 1 ms) or, for an address nothing answers, "Request
// time out" after each wait, then the statistics.
func (e *callEnv) ping(ctx context.Context, host netip.Addr, count int) error {
	e.Print(fmt.Sprintf("  PING %s: 56  data bytes, press CTRL_C to break\n", host))
	e.out.flush()
	up := e.dev.reachable(host)
	wait := e.dev.opts.PingWait
	if wait == 0 {
		wait = pingTimeout
	}
	sent, received := 0, 0
	for seq := 1; seq <= count; seq++ {
		if ctx.Err() != nil {
			break
		}
		sent++
		if up {
			received++
			e.Print(fmt.Sprintf("    Reply from %s: bytes=56 Sequence=%d ttl=255 time=1 ms\n", host, seq))
			continue
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
			if ctx.Err() != nil {
				sent--
				break
			}
		}
		e.Print("    Request time out\n")
		e.out.flush()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n  --- %s ping statistics ---\n", host)
	fmt.Fprintf(&b, "    %d packet(s) transmitted\n", sent)
	fmt.Fprintf(&b, "    %d packet(s) received\n", received)
	loss := 100.0
	if sent > 0 {
		loss = float64(sent-received) * 100 / float64(sent)
	}
	fmt.Fprintf(&b, "    %.2f%% packet loss\n", loss)
	if received > 0 {
		b.WriteString("    round-trip min/avg/max = 1/1/1 ms\n")
	}
	b.WriteString("\n")
	e.Print(b.String())
	return nil
}
