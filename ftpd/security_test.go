package ftpd

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestBounce: PORT and EPRT to an address other than the client's are refused
// at once and logged.
func TestBounce(t *testing.T) {
	ts := startServer(t, "127.0.0.1", nil)
	victim, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close()
	port := victim.Addr().(*net.TCPAddr).Port
	c := dialCtrlFrom(t, "127.0.0.1", ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	got := []string{
		c.cmd(fmt.Sprintf("PORT 127,0,0,2,%d,%d", port>>8, port&0xff)),
		c.cmd(fmt.Sprintf("EPRT |1|127.0.0.2|%d|", port)),
		c.cmd("RETR vrpcfg.zip"),
	}
	want := []string{"500 Illegal PORT command.", "500 Illegal EPRT command.", "425 Use PORT or PASV first."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var targets []string
	for _, e := range ts.events.find(EventBounceRefused) {
		targets = append(targets, e.Target)
	}
	wantTargets := []string{fmt.Sprintf("127.0.0.2:%d", port), fmt.Sprintf("127.0.0.2:%d", port)}
	if diff := cmp.Diff(wantTargets, targets); diff != "" {
		t.Errorf("bounce events (-want +got):\n%s", diff)
	}
	// Nothing ever connected to the victim.
	victim.(*net.TCPListener).SetDeadline(time.Now().Add(50 * time.Millisecond))
	if conn, err := victim.Accept(); err == nil {
		conn.Close()
		t.Error("the server connected to the bounce target")
	}
}

// TestPortStealing: a connection to the passive port from another address is
// closed; the client's own connection then gets the data.
func TestPortStealing(t *testing.T) {
	ts := startServer(t, "127.0.0.1", nil)
	c := dialCtrlFrom(t, "127.0.0.1", ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	got := c.cmd("PASV")
	var h1, h2, h3, h4, p1, p2 int
	if _, err := fmt.Sscanf(got, "227 Entering Passive Mode (%d,%d,%d,%d,%d,%d).", &h1, &h2, &h3, &h4, &p1, &p2); err != nil {
		t.Fatalf("PASV: %q", got)
	}
	dataAddr := fmt.Sprintf("%d.%d.%d.%d:%d", h1, h2, h3, h4, p1<<8|p2)
	thief, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.3")}}).Dial("tcp", dataAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer thief.Close()
	c.send("RETR vrpcfg.zip")
	// The thief is dropped without data.
	thief.SetReadDeadline(time.Now().Add(10 * time.Second))
	stolen, err := io.ReadAll(thief)
	if len(stolen) != 0 {
		t.Errorf("thief got %q (%v)", stolen, err)
	}
	d, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1")}}).Dial("tcp", dataAddr)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(d)
	d.Close()
	replies := []string{c.reply(), c.reply(), string(data)}
	want := []string{"150 Opening ASCII mode data connection for vrpcfg.zip.", "226 Transfer complete.", "config\r\n"}
	if diff := cmp.Diff(want, replies); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	ev := ts.events.find(EventPortStealing)
	if len(ev) != 1 || !strings.HasPrefix(ev[0].Target, "127.0.0.3:") {
		t.Errorf("port stealing events: %+v", ev)
	}
}

// TestDataTimeout: with no data connection the transfer fails with 425.
func TestDataTimeout(t *testing.T) {
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.DataTimeout = 100 * time.Millisecond })
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	c.cmd("PASV")
	got := []string{c.cmd("RETR vrpcfg.zip"), c.cmd("NOOP")}
	want := []string{"425 Can't open data connection.", "200 NOOP command successful."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestTraversal: no path leaves the user's directory.
func TestTraversal(t *testing.T) {
	ts := startServer(t, "127.0.0.1", nil)
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("test", "test") // root flash:/test
	var got []string
	for _, line := range []string{
		"CWD ../..", "PWD", "CWD ..", "PWD",
		"SIZE ../vrpcfg.zip", "SIZE ../../etc/passwd", "SIZE /../vrpcfg.zip",
		"SIZE flash:/vrpcfg.zip", `SIZE ..\vrpcfg.zip`, "SIZE inner.txt",
		"RNFR inner.txt", "RNTO ../escaped.txt",
		"SIZE /escaped.txt",
	} {
		got = append(got, line+" -> "+c.cmd(line))
	}
	data, first, _ := c.retr("../../etc/passwd")
	got = append(got, fmt.Sprintf("RETR ../../etc/passwd -> %s %q", first, data))
	listing, _, _ := c.list("LIST ../..")
	// Blank out the times.
	var lines []string
	for _, l := range strings.SplitAfter(listing, "\r\n") {
		if len(l) > 54 {
			l = l[:54-12] + "X" + l[54:]
		}
		lines = append(lines, l)
	}
	got = append(got, "LIST ../.. -> "+strings.Join(lines, ""))
	want := []string{
		"CWD ../.. -> 250 CWD command successfully.",
		`PWD -> 257 "/" is current directory.`,
		"CWD .. -> 250 CWD command successfully.",
		`PWD -> 257 "/" is current directory.`,
		"SIZE ../vrpcfg.zip -> 550 ../vrpcfg.zip: No such file or directory.",
		"SIZE ../../etc/passwd -> 550 ../../etc/passwd: No such file or directory.",
		"SIZE /../vrpcfg.zip -> 550 /../vrpcfg.zip: No such file or directory.",
		"SIZE flash:/vrpcfg.zip -> 553 flash:/vrpcfg.zip: File name not allowed.",
		`SIZE ..\vrpcfg.zip -> 553 ..\vrpcfg.zip: File name not allowed.`,
		"SIZE inner.txt -> 213 6",
		"RNFR inner.txt -> 350 File exists, ready for destination name.",
		"RNTO ../escaped.txt -> 250 Rename successful.",
		"SIZE /escaped.txt -> 213 6",
		`RETR ../../etc/passwd -> 550 ../../etc/passwd: No such file or directory. ""`,
		"LIST ../.. -> " + strings.Join([]string{
			"drwxrwxrwx   1 noone    nogroup         0 X ..",
			"-rwxrwxrwx   1 noone    nogroup         6 X escaped.txt",
			"drwxrwxrwx   1 noone    nogroup         0 X .", ""}, "\r\n"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// The rename stayed inside flash:/test.
	if _, ok := getFile(t, ts.fs, "flash:/test/escaped.txt"); !ok {
		t.Error("flash:/test/escaped.txt missing")
	}
	if _, ok := getFile(t, ts.fs, "flash:/escaped.txt"); ok {
		t.Error("rename escaped to flash:/escaped.txt")
	}
}

// TestBruteForce: failed logins are delayed, counted by the authenticator (which
// locks the account after three) and end the connection after
// MaxLoginFailures; unknown users look like known ones.
func TestBruteForce(t *testing.T) {
	ts := startServer(t, "127.0.0.1", nil)
	c := dialCtrl(t, ts.addr)
	c.reply()
	var got []string
	for _, pw := range []string{"a", "b", "c"} {
		got = append(got, c.cmd("USER huawei"), c.cmd("PASS "+pw))
	}
	got = append(got, c.reply()) // connection closed after the third failure
	// The account is now locked: the right password fails too.
	c2 := dialCtrl(t, ts.addr)
	c2.reply()
	got = append(got, c2.cmd("USER huawei"), c2.cmd("PASS Huawei@123"))
	got = append(got, c2.cmd("USER ghost"), c2.cmd("PASS x"))
	want := []string{
		"331 Password required for huawei.", "530 Login incorrect.",
		"331 Password required for huawei.", "530 Login incorrect.",
		"331 Password required for huawei.", "530 Login incorrect.",
		"EOF",
		"331 Password required for huawei.", "530 Login incorrect.",
		"331 Password required for ghost.", "530 Login incorrect.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var reasons []string
	for _, e := range ts.events.find(EventLoginFailed) {
		reasons = append(reasons, e.User+": "+e.Err.Error())
	}
	wantReasons := []string{
		`huawei: user "huawei": authentication failed: wrong password`,
		`huawei: user "huawei": authentication failed: wrong password`,
		`huawei: user "huawei": authentication failed: wrong password`,
		`huawei: user "huawei": authentication failed: account locked`,
		`ghost: user "ghost": authentication failed: unknown user`,
	}
	if diff := cmp.Diff(wantReasons, reasons); diff != "" {
		t.Errorf("failure events (-want +got):\n%s", diff)
	}
}

// TestFailureDelay: the 530 comes only after the delay (the delay is long
// compared to a loopback round trip; the test checks order, not speed).
func TestFailureDelay(t *testing.T) {
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.FailureDelay = 300 * time.Millisecond })
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.cmd("USER huawei")
	start := time.Now()
	got := c.cmd("PASS wrong")
	if got != "530 Login incorrect." {
		t.Fatal(got)
	}
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Errorf("530 after %v, before the 300ms failure delay", waited)
	}
}

func TestBanner(t *testing.T) {
	ts := startServer(t, "127.0.0.1", func(c *Config) {
		c.Banner = []string{"Warning: Ftp is not a secure protocol, and it is recommended to use Sftp."}
	})
	c := dialCtrl(t, ts.addr)
	want := "220-Warning: Ftp is not a secure protocol, and it is recommended to use Sftp.\n220 FTP service ready."
	if got := c.reply(); got != want {
		t.Errorf("banner %q, want %q", got, want)
	}
}

func TestLimits(t *testing.T) {
	t.Run("max sessions", func(t *testing.T) {
		ts := startServer(t, "127.0.0.1", func(c *Config) { c.MaxSessions = 2 })
		for i := 0; i < 2; i++ {
			c := dialCtrl(t, ts.addr)
			c.reply()
			c.login("huawei", "Huawei@123")
		}
		c := dialCtrl(t, ts.addr)
		c.reply()
		got := []string{c.cmd("USER huawei"), c.cmd("PASS Huawei@123"), c.reply()}
		want := []string{"331 Password required for huawei.", "421 Too many users, closing control connection.", "EOF"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if n := ts.srv.UserCount(); n != 2 {
			t.Errorf("UserCount = %d, want 2", n)
		}
	})
	t.Run("max connections", func(t *testing.T) {
		ts := startServer(t, "127.0.0.1", func(c *Config) { c.MaxConnections = 1 })
		c1 := dialCtrl(t, ts.addr)
		c1.reply()
		c2 := dialCtrl(t, ts.addr)
		got := []string{c2.reply(), c2.reply(), c1.cmd("NOOP")}
		want := []string{"421 Service not available, closing control connection.", "EOF", "200 NOOP command successful."}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("access limit", func(t *testing.T) {
		ts := startServer(t, "127.0.0.1", nil)
		c1 := dialCtrl(t, ts.addr)
		c1.reply()
		c1.login("one", "one")
		c2 := dialCtrl(t, ts.addr)
		c2.reply()
		got := []string{c2.cmd("USER one"), c2.cmd("PASS one")}
		c1.cmd("QUIT")
		// The slot is released when the first session ends.
		waitFor(t, "release", func() bool { return len(ts.events.find(EventLogout)) == 1 })
		got = append(got, c2.cmd("USER one"), c2.cmd("PASS one"))
		want := []string{
			"331 Password required for one.", "530 Login incorrect.",
			"331 Password required for one.", "230 User logged in.",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("ACL", func(t *testing.T) {
		ts := startServer(t, "127.0.0.1", func(c *Config) {
			c.Allow = func(a netip.Addr) bool { return a != netip.MustParseAddr("127.0.0.5") }
		})
		denied := dialCtrlFrom(t, "127.0.0.5", ts.addr)
		allowed := dialCtrlFrom(t, "127.0.0.6", ts.addr)
		got := []string{denied.reply(), denied.reply(), allowed.reply()}
		// Changed at run time: now 127.0.0.6 is refused.
		ts.srv.SetAllow(func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.5") })
		late := dialCtrlFrom(t, "127.0.0.6", ts.addr)
		got = append(got, late.reply(), allowed.cmd("NOOP"))
		want := []string{
			"421 Service not available, closing control connection.", "EOF",
			"220 FTP service ready.",
			"421 Service not available, closing control connection.",
			"200 NOOP command successful.",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

func TestTimeouts(t *testing.T) {
	t.Run("login", func(t *testing.T) {
		ts := startServer(t, "127.0.0.1", func(c *Config) { c.LoginTimeout = 100 * time.Millisecond })
		c := dialCtrl(t, ts.addr)
		got := []string{c.reply(), c.cmd("USER huawei"), c.reply(), c.reply()}
		want := []string{"220 FTP service ready.", "331 Password required for huawei.",
			"421 Login timeout, closing control connection.", "EOF"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("idle changed at run time", func(t *testing.T) {
		ts := startServer(t, "127.0.0.1", nil)
		c := dialCtrl(t, ts.addr)
		c.reply()
		c.login("huawei", "Huawei@123")
		if got := ts.srv.IdleTimeout(); got != DefaultIdleTimeout {
			t.Errorf("IdleTimeout = %v", got)
		}
		ts.srv.SetIdleTimeout(100 * time.Millisecond)
		got := []string{c.reply(), c.reply()}
		want := []string{"421 Idle timeout, closing control connection.", "EOF"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		waitFor(t, "logout", func() bool { return len(ts.events.find(EventLogout)) == 1 })
		if r := ts.events.find(EventLogout)[0].Reason; r != "idle timeout" {
			t.Errorf("logout reason %q", r)
		}
	})
}

func TestSessionsAndKick(t *testing.T) {
	ts := startServer(t, "127.0.0.1", nil)
	a := dialCtrlFrom(t, "127.0.0.7", ts.addr)
	a.reply()
	a.login("huawei", "Huawei@123")
	b := dialCtrlFrom(t, "127.0.0.8", ts.addr)
	b.reply()
	b.login("test", "test")
	b.cmd("CWD /")
	anon := dialCtrlFrom(t, "127.0.0.9", ts.addr)
	anon.reply()

	type row struct {
		User     string
		LoggedIn bool
		Host     string
		Root     string
		Cwd      string
	}
	var rows []row
	for _, s := range ts.srv.Sessions() {
		rows = append(rows, row{s.User, s.LoggedIn, s.Remote.Addr().String(), s.Root, s.Cwd})
		if s.Idle < 0 || s.Idle > time.Minute || s.Remote.Port() == 0 {
			t.Errorf("session %+v", s)
		}
	}
	want := []row{
		{"huawei", true, "127.0.0.7", "flash:", "/"},
		{"test", true, "127.0.0.8", "flash:/test", "/"},
		{"", false, "127.0.0.9", "", "/"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("Sessions (-want +got):\n%s", diff)
	}
	if n := ts.srv.KickUser("HUAWEI"); n != 1 {
		t.Errorf("KickUser = %d", n)
	}
	got := []string{a.reply(), a.reply(), b.cmd("NOOP")}
	wantReplies := []string{"421 Service not available, closing control connection.", "EOF", "200 NOOP command successful."}
	if diff := cmp.Diff(wantReplies, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	waitFor(t, "logout", func() bool { return len(ts.events.find(EventLogout)) == 1 })
	if e := ts.events.find(EventLogout)[0]; e.User != "huawei" || e.Reason != "kicked by administrator" {
		t.Errorf("logout event %+v", e)
	}
	if ts.srv.Kick(12345) {
		t.Error("Kick of a missing session reported true")
	}
	waitFor(t, "session gone", func() bool { return len(ts.srv.Sessions()) == 2 })
}

func TestShutdown(t *testing.T) {
	ts := startServer(t, "127.0.0.1", nil)
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Errorf("Shutdown = %v, want deadline exceeded (a session was open)", err)
	}
	got := []string{c.reply(), c.reply()}
	want := []string{"421 Service not available, closing control connection.", "EOF"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := net.Dial("tcp", ts.addr); err == nil {
		t.Error("still listening after Shutdown")
	}
	// An idle server shuts down at once.
	ts2 := startServer(t, "127.0.0.1", nil)
	if err := ts2.srv.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown of an idle server = %v", err)
	}
}
