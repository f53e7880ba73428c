package lab

import (
	"bufio"
	"fmt"
	"net/netip"
	"strings"
)

// HealthText is the admin endpoint's GET /health answer: one line per
// device, "SYSNAME running ADDR:PORT" with the address where a health check
// on the same host reaches its SSH server, or "SYSNAME stopped -" for a
// device the instructor stopped (and "SYSNAME running -" for one without
// SSH). A container's health check (vrpsim --health) dials the running
// devices only: a stopped device is the instructor's choice, not a failure.
func (l *Lab) HealthText() string {
	var b strings.Builder
	for _, n := range l.nodes {
		n.mu.Lock()
		running := n.run != nil
		n.mu.Unlock()
		addr := "-"
		if ap := n.sshAddr(); running && ap.IsValid() {
			addr = netip.AddrPortFrom(n.spec.DialSSHAddr().Addr(), ap.Port()).String()
		}
		state := "stopped"
		if running {
			state = "running"
		}
		fmt.Fprintf(&b, "%s %s %s\n", n.spec.Sysname, state, addr)
	}
	return b.String()
}

// ParseHealth reads a HealthText answer and returns the SSH addresses of the
// running devices.
func ParseHealth(text string) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || (f[1] != "running" && f[1] != "stopped") {
			return nil, fmt.Errorf("unexpected health line %q", sc.Text())
		}
		if f[1] != "running" || f[2] == "-" {
			continue
		}
		ap, err := netip.ParseAddrPort(f[2])
		if err != nil {
			return nil, fmt.Errorf("health line %q: %w", sc.Text(), err)
		}
		out = append(out, ap)
	}
	return out, sc.Err()
}
