package vrp

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/ftpc/ftptest"
)

// TestFTPIPv6: ftp ipv6 HOST PORT logs in to pyftpdlib on ::1 and lists its
// directory; an IPv4 address after ipv6 is refused.
func TestFTPIPv6(t *testing.T) {
	peer := ftptest.Start(t, "pyftpdlib", "::1")
	d := newTestDevice(t, nil)
	c := openConsole(t, d)
	port := strings.TrimPrefix(peer.Addr, "[::1]:")
	out := c.do("ftp ipv6 ::1 "+port, peer.User, peer.Password)
	want := "Trying ::1 ...\nPress CTRL+K to abort\nConnected to ::1.\n" + peer.Banner + "\n" +
		"User(::1:(none)):" + peer.User + "\n331 Username ok, send password.\nEnter password:\n230 Login successful.\n\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("ftp ipv6 (-want +got):\n%s", diff)
	}
	c.do("passive")
	if out := c.do("pwd"); out != "257 \"/\" is the current directory.\n" {
		t.Errorf("pwd over IPv6: %q", out)
	}
	c.do("bye")
	if out := c.do("ftp ipv6 127.0.0.1"); out != "Error: The address 127.0.0.1 is not an IPv6 address.\n" {
		t.Errorf("ftp ipv6 127.0.0.1: %q", out)
	}
}

// TestFTPClientSource: ftp client-source takes one of the device's
// addresses, display ftp-client shows it, and the configuration keeps it.
func TestFTPClientSource(t *testing.T) {
	d := newTestDevice(t, nil)
	c := openConsole(t, d)
	c.do("system-view")
	steps := []struct{ line, want string }{
		{"ftp client-source -a 10.1.1.1", "Error: The source IP address is not an address of this device.\n"},
		{"ftp client-source -a 127.0.0.1", ""},
		{"display ftp-client", "The source address of FTP client is 127.0.0.1.\n"},
		{"display current-configuration | include client-source", " ftp client-source -a 127.0.0.1\n"},
		{"ftp client-source -i LoopBack0", ""},
		{"display current-configuration | include client-source", " ftp client-source -i LoopBack0\n"},
		{"undo ftp client-source", ""},
		{"display current-configuration | include client-source", ""},
	}
	for _, s := range steps {
		if got := c.do(s.line); got != s.want {
			t.Errorf("%s: %q, want %q", s.line, got, s.want)
		}
	}
}
