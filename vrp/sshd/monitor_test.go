package sshd

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp"
)

// TestTerminalMonitorShowsRefusedFTPLogin: with terminal monitor on, an
// SSH session sees the log line of a refused FTP login as the device
// writes it, on a line of its own, and then its prompt with what was typed
// so far and the cursor where it was; with it off (the VTY default, and
// after undo terminal monitor) nothing is shown.
func TestTerminalMonitorShowsRefusedFTPLogin(t *testing.T) {
	d, err := vrp.New(vrp.Options{
		Flash: flash.NewMemory(flash.Options{Clock: func() time.Time { return testClock }}),
		Now:   func() time.Time { return testClock }, FTPFailureDelay: -1,
		AAA: aaa.Options{KDF: aaa.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}, Now: func() time.Time { return testClock }},
		Listen: func(network, addr string) (net.Listener, error) {
			host, _, _ := net.SplitHostPort(addr)
			return net.Listen(network, net.JoinHostPort(host, "0"))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Users().SetPassword(adminUser, adminPassword, aaa.IrreversibleCipher); err != nil {
		t.Fatal(err)
	}
	_, addr := startServer(t, d)
	sh := openShell(t, mustDial(t, addr))
	sh.waitFor(t, "<Huawei>")
	sh.play(t, []keyStep{
		{"enable the FTP server", "system-view\rftp server enable\rreturn\r",
			"system-view\r\nEnter system view, return user view with Ctrl+Z.\r\n[Huawei]ftp server enable\r\nInfo: Succeeded in starting the FTP server.\r\n[Huawei]return\r\n<Huawei>"},
	})
	ftpLogin := func(user string) {
		t.Helper()
		c, err := net.Dial("tcp", d.FTPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		r := bufio.NewReader(c)
		r.ReadString('\n')
		c.Write([]byte("USER " + user + "\r\nPASS wrong\r\n"))
		r.ReadString('\n')
		if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, "530") {
			t.Fatalf("FTP login as %s: %q, want 530", user, line)
		}
	}
	// monitor off (the VTY default): the refusal is not shown; the next
	// command's output comes right after its echo
	ftpLogin("nobody1")
	sh.play(t, []keyStep{
		{"terminal monitor", "terminal monitor\r", "terminal monitor\r\nInfo: Current terminal monitor is on.\r\n<Huawei>"},
		{"type half a command, cursor moved left", "dis ver\x02\x02", "dis ver\b\b"},
	})
	ftpLogin("nobody2")
	sh.expect(t, "\r\nNov 24 2026 10:30:00 Huawei %%01FTPS/3/LOGINFAILED(l)[1]:Failed to login. (UserName=\"nobody2\", IpAddress=127.0.0.1, VpnInstanceName=\"\", Reason=\"no such user\")\r\n"+
		"<Huawei>dis ver\b\b")
	sh.play(t, []keyStep{
		{"undo terminal monitor", "\x05\x15undo terminal monitor\r", "er\b\b\b\b\b\b\b       \b\b\b\b\b\b\bundo terminal monitor\r\nInfo: Current terminal monitor is off.\r\n<Huawei>"},
	})
	ftpLogin("nobody3")
	sh.play(t, []keyStep{
		{"nothing shown after undo", "terminal logging\r", "terminal logging\r\nInfo: Current terminal logging is on.\r\n<Huawei>"},
	})
}
