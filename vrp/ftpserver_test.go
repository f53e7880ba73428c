package vrp

import (
	"fmt"
	"io"
	"net"
	"net/textproto"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
)

// newFTPTestDevice is a device whose listeners take any free port (the CLI
// still shows the configured one).
func newFTPTestDevice(t *testing.T) *Device {
	t.Helper()
	fs := flash.NewMemory(flash.Options{})
	d, err := New(Options{
		Flash: fs, Now: func() time.Time { return testClock },
		AAA:             aaa.Options{KDF: cheapKDF},
		FTPFailureDelay: -1,
		Listen: func(network, addr string) (net.Listener, error) {
			host, _, _ := net.SplitHostPort(addr)
			return net.Listen(network, net.JoinHostPort(host, "0"))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// run executes lines in a level-15 console session and returns the output.
func run(t *testing.T, d *Device, lines ...string) string {
	t.Helper()
	term := &scriptTerminal{answers: []string{"y", "y", "y"}}
	s, err := d.OpenSession(SessionInfo{Line: LineConsole}, term)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, l := range lines {
		s.Execute(l)
	}
	return term.out.String()
}

func ftpDial(t *testing.T, d *Device, local string) (*textproto.Conn, string) {
	t.Helper()
	dialer := net.Dialer{Timeout: 5 * time.Second}
	if local != "" {
		dialer.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	c, err := dialer.Dial("tcp", d.FTPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	tc := textproto.NewConn(c)
	t.Cleanup(func() { tc.Close() })
	_, msg, err := tc.ReadResponse(0)
	if err != nil {
		return tc, err.Error()
	}
	return tc, msg
}

func cmdReply(t *testing.T, c *textproto.Conn, cmd string) string {
	t.Helper()
	if err := c.PrintfLine("%s", cmd); err != nil {
		t.Fatal(err)
	}
	code, msg, err := c.ReadResponse(0)
	if err != nil && code == 0 {
		t.Fatalf("%s: %v", cmd, err)
	}
	return strings.TrimSpace(strings.Join([]string{itoa3(code), msg}, " "))
}

func itoa3(n int) string {
	return string(rune('0'+n/100)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}

func TestFTPServerFromCLI(t *testing.T) {
	d := newFTPTestDevice(t)
	out := run(t, d, "system-view", "ftp server enable", "set default ftp-directory flash:",
		"aaa", "local-user huawei password cipher huawei123", "local-user huawei service-type ftp",
		"local-user huawei privilege level 15", "local-user low password cipher low12345",
		"local-user low service-type ftp", "quit", "display ftp-server")
	want := "   FTP server is running\n" +
		"   Max user number                           5\n" +
		"   User count                                0\n" +
		"   Timeout value(in minute)                 30\n" +
		"   Listening port                           21\n" +
		"   Acl number                                0\n" +
		"   FTP server's source address         0.0.0.0\n"
	if !strings.Contains(out, want) {
		t.Fatalf("display ftp-server:\n%s", out)
	}
	if !strings.Contains(out, "Info: Succeeded in starting the FTP server.\n") {
		t.Errorf("no start message:\n%s", out)
	}

	c, banner := ftpDial(t, d, "")
	if banner != "FTP service ready." {
		t.Errorf("banner %q", banner)
	}
	got := []string{
		cmdReply(t, c, "USER huawei"),
		cmdReply(t, c, "PASS huawei123"),
		cmdReply(t, c, "PWD"),
	}
	want2 := []string{"331 Password required for huawei.", "230 User logged in.", `257 "/" is current directory.`}
	if diff := cmp.Diff(want2, got); diff != "" {
		t.Errorf("login (-want +got):\n%s", diff)
	}
	users := run(t, d, "display ftp-users")
	if !strings.Contains(users, " huawei      127.0.0.1") || !strings.Contains(users, "flash:") {
		t.Errorf("display ftp-users:\n%s", users)
	}
	// a user below level 3 is refused
	c2, _ := ftpDial(t, d, "")
	cmdReply(t, c2, "USER low")
	if r := cmdReply(t, c2, "PASS low12345"); !strings.HasPrefix(r, "530") {
		t.Errorf("level-0 user: %s", r)
	}
	log := strings.Join(d.Log(), "\n")
	if !strings.Contains(log, `FTPS/5/LOGIN_OK(l)[0]:The user succeeded in login. (UserName="huawei", IpAddress=127.0.0.1`) ||
		!strings.Contains(log, "the user level is lower than 3") {
		t.Errorf("log:\n%s", log)
	}
	// free ftp disconnects the user
	if out := run(t, d, "free ftp user-name huawei"); out != "Info: Succeeded in disconnecting the FTP user(s).\n" {
		t.Errorf("free ftp: %q", out)
	}
	if r, err := c.ReadLine(); err != nil || !strings.HasPrefix(r, "421 ") {
		t.Errorf("the freed client got %q, %v; want a 421", r, err)
	}
	if out := run(t, d, "free ftp user-name huawei"); out != "Error: The user is not online.\n" {
		t.Errorf("free ftp of a user not online: %q", out)
	}
	// the port cannot change while running; undo ftp server stops it
	out = run(t, d, "system-view", "ftp server port 2121", "undo ftp server", "ftp server port 2121", "display ftp-server | include port|running|stopped")
	for _, w := range []string{"Error: The FTP server is running.", "Info: Succeeded in closing the FTP server.", "   FTP server is stopped\n", "   Listening port                         2121\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("missing %q in:\n%s", w, out)
		}
	}
	if d.FTPAddr() != nil {
		t.Error("FTP server still listening after undo ftp server")
	}
}

func TestFTPServerACL(t *testing.T) {
	d := newFTPTestDevice(t)
	run(t, d, "system-view", "acl 2000", "rule permit source 127.0.0.1 0", "rule deny", "quit", "ftp acl 2000", "ftp server enable")
	if _, banner := ftpDial(t, d, "127.0.0.1"); banner != "FTP service ready." {
		t.Errorf("permitted client: %q", banner)
	}
	if _, banner := ftpDial(t, d, "127.0.0.2"); banner == "FTP service ready." {
		t.Errorf("denied client got the banner")
	}
	cfg := d.render(sectionAll)
	for _, w := range []string{" ftp acl 2000\n ftp server enable\n", "#\nacl number 2000\n rule 5 permit source 127.0.0.1 0\n rule 10 deny\n#\n"} {
		if !strings.Contains(cfg, w) {
			t.Errorf("configuration lacks %q:\n%s", w, cfg)
		}
	}
}

// TestFTPServerStopDuringLogins: stopping the FTP server (undo ftp server,
// then the device's Close) while clients are logging in never hangs: the
// server waits for its sessions, and a login reads the device's state.
func TestFTPServerStopDuringLogins(t *testing.T) {
	for round := 0; round < 6; round++ {
		// the real password hash: logins take long enough to be caught in
		// the middle
		d, err := New(Options{
			Flash: flash.NewMemory(flash.Options{}), FTPFailureDelay: -1,
			Listen: func(network, addr string) (net.Listener, error) {
				host, _, _ := net.SplitHostPort(addr)
				return net.Listen(network, net.JoinHostPort(host, "0"))
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		run(t, d, "system-view", "ftp server enable", "set default ftp-directory flash:", "aaa",
			"local-user huawei password cipher huawei123", "local-user huawei service-type ftp", "local-user huawei privilege level 15")
		addr := d.FTPAddr().String()
		for i := 0; i < 8; i++ {
			go func() {
				time.Sleep(time.Duration(i) * 5 * time.Millisecond)
				c, err := net.DialTimeout("tcp", addr, time.Second)
				if err != nil {
					return
				}
				defer c.Close()
				fmt.Fprintf(c, "USER huawei\r\nPASS huawei123\r\n")
				c.SetReadDeadline(time.Now().Add(2 * time.Second))
				io.Copy(io.Discard, c)
			}()
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			time.Sleep(30 * time.Millisecond)
			if round%2 == 0 {
				run(t, d, "system-view", "undo ftp server")
			}
			d.Close()
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("round %d: stopping the FTP server hung while clients logged in", round)
		}
	}
}

// TestFTPServerHelp: "ftp server ?" describes every keyword; max-sessions
// had no description (the grammar now refuses a keyword without help).
func TestFTPServerHelp(t *testing.T) {
	d := newTestDevice(t, nil)
	checkTranscript(t, d, `<Huawei>system-view
Enter system view, return user view with Ctrl+Z.
[Huawei]ftp server ?
  enable                Enable
  max-sessions          Set the maximum number of sessions
  port                  Set the listening port
[Huawei]
`)
}

// TestFreeFTPUserID: free ftp user-id takes the ID display ftp-users shows
// in its first column and disconnects that session only.
func TestFreeFTPUserID(t *testing.T) {
	d := newFTPTestDevice(t)
	run(t, d, "system-view", "ftp server enable", "set default ftp-directory flash:",
		"aaa", "local-user huawei password cipher huawei123", "local-user huawei service-type ftp",
		"local-user huawei privilege level 15")
	var conns []*textproto.Conn
	for range 2 {
		c, _ := ftpDial(t, d, "")
		cmdReply(t, c, "USER huawei")
		if r := cmdReply(t, c, "PASS huawei123"); !strings.HasPrefix(r, "230") {
			t.Fatalf("login: %s", r)
		}
		conns = append(conns, c)
	}
	rowRe := regexp.MustCompile(`(?m)^  (\d+) +huawei +127\.0\.0\.1 +(\d+) `)
	rows := rowRe.FindAllStringSubmatch(run(t, d, "display ftp-users"), -1)
	if len(rows) != 2 {
		t.Fatalf("display ftp-users shows %d sessions, want 2", len(rows))
	}
	if out := run(t, d, "free ftp user-id 999999"); out != "Error: The user is not online.\n" {
		t.Errorf("free ftp user-id of no session: %q", out)
	}
	if out := run(t, d, "free ftp user-id "+rows[0][1]); out != "Info: Succeeded in disconnecting the FTP user(s).\n" {
		t.Errorf("free ftp user-id %s: %q", rows[0][1], out)
	}
	left := rowRe.FindAllStringSubmatch(run(t, d, "display ftp-users"), -1)
	if len(left) != 1 || left[0][1] != rows[1][1] {
		t.Errorf("after freeing %s, display ftp-users shows %v, want only %s", rows[0][1], left, rows[1][1])
	}
}
