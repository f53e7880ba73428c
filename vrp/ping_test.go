package vrp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
)

// TestPing: ping answers from the addresses the device knows (its own, the
// host's loopback, Options.Reachable's) and times out on the others, with
// the device's statistics.
func TestPing(t *testing.T) {
	d, err := New(Options{Flash: flash.NewMemory(flash.Options{}), Address: netip.MustParseAddr("127.0.1.1"),
		Now: func() time.Time { return testClock }, AAA: aaa.Options{KDF: cheapKDF},
		PingWait:  -1,
		Reachable: func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.1.2") }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	c := openConsole(t, d)
	replies := func(host string) string {
		s := "  PING " + host + ": 56  data bytes, press CTRL_C to break\n"
		for i := 1; i <= 5; i++ {
			s += "    Reply from " + host + ": bytes=56 Sequence=" + string(rune('0'+i)) + " ttl=255 time=1 ms\n"
		}
		return s + "\n  --- " + host + " ping statistics ---\n    5 packet(s) transmitted\n    5 packet(s) received\n" +
			"    0.00% packet loss\n    round-trip min/avg/max = 1/1/1 ms\n\n"
	}
	for _, host := range []string{"127.0.1.1", "127.0.1.2", "127.0.0.1"} {
		if diff := cmp.Diff(replies(host), c.do("ping "+host)); diff != "" {
			t.Errorf("ping %s (-want +got):\n%s", host, diff)
		}
	}
	want := "  PING 127.0.1.9: 56  data bytes, press CTRL_C to break\n" +
		"    Request time out\n    Request time out\n    Request time out\n    Request time out\n    Request time out\n" +
		"\n  --- 127.0.1.9 ping statistics ---\n    5 packet(s) transmitted\n    0 packet(s) received\n    100.00% packet loss\n\n"
	if diff := cmp.Diff(want, c.do("ping 127.0.1.9")); diff != "" {
		t.Errorf("ping 127.0.1.9 (-want +got):\n%s", diff)
	}
}
