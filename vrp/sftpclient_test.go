package vrp

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSCPRemote(t *testing.T) {
	for _, tc := range []struct {
		in               string
		user, host, file string
		ok               bool
	}{
		{"admin@10.1.1.1:vrpcfg.zip", "admin", "10.1.1.1", "vrpcfg.zip", true},
		{"admin@10.1.1.1:/a/b", "admin", "10.1.1.1", "/a/b", true},
		{"admin@10.1.1.1:", "admin", "10.1.1.1", "", true},
		{"a@b@host:x", "a", "b@host", "x", true},
		{"vrpcfg.zip", "", "", "", false},
		{"flash:/vrpcfg.zip", "", "", "", false},
		{"flash:/a@b:c", "", "", "", false},
		{"@host:x", "", "", "", false},
		{"user@:x", "", "", "", false},
		{"user@host", "", "", "", false},
	} {
		u, h, f, ok := scpRemote(tc.in)
		if u != tc.user || h != tc.host || f != tc.file || ok != tc.ok {
			t.Errorf("scpRemote(%q) = %q, %q, %q, %v; want %q, %q, %q, %v", tc.in, u, h, f, ok, tc.user, tc.host, tc.file, tc.ok)
		}
	}
}

func FuzzSCPRemote(f *testing.F) {
	for _, s := range []string{"admin@10.1.1.1:vrpcfg.zip", "flash:/x", "a@b:c:d", "@:", "u@h:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, h, file, ok := scpRemote(s)
		if !ok {
			return
		}
		if u == "" || h == "" || strings.Contains(h, ":") || u+"@"+h+":"+file != s {
			t.Errorf("scpRemote(%q) = %q, %q, %q", s, u, h, file)
		}
	})
}

// TestSFTPClientOffline: the client's refusals that need no server.
func TestSFTPClientOffline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close() // nothing listens there now: the connection is refused
	d := newTestDevice(t, nil)
	c := openConsole(t, d)
	c.do("system-view")
	for _, tc := range []struct {
		line    string
		answers []string
		want    string
	}{
		{"display ssh server-info", nil, "Info: No SSH server public key is saved.\n"},
		{"sftp 127.0.0.1 " + port, []string{"admin"}, "Please input the username:admin\nTrying 127.0.0.1 ...\nPress CTRL+K to abort\nError: Failed to connect to the remote host.\n"},
		{"sftp -a 10.0.0.1 127.0.0.1", nil, "Error: The source IP address is not an address of this device.\n"},
		{"sftp 127.0.0.1 " + port, []string{" "}, "Please input the username: \nError: The user name is invalid.\n"},
		{"ssh client first-time enable", nil, ""},
		{"undo ssh client first-time enable", nil, ""},
	} {
		if got := c.do(tc.line, tc.answers...); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.line, got, tc.want)
		}
	}
	c.do("return")
	for _, tc := range []struct{ line, want string }{
		{"scp vrpcfg.zip backup.zip", "Error: Exactly one of the source and the destination must be a remote file (user@host:file).\n"},
		{"scp missing.zip admin@127.0.0.1:x", "Error: The file flash:/missing.zip does not exist.\n"},
		{"scp admin@127.0.0.1: flash:/", "Error: The local file name is invalid.\n"},
	} {
		if got := c.do(tc.line); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestSFTPClientInterrupt: Ctrl+C while a server says nothing aborts the
// attempt, and the session stays in system view.
func TestSFTPClientInterrupt(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // never sends its version
		}
	}()
	d := newTestDevice(t, nil)
	term := &interruptTerminal{intr: make(chan struct{}, 1)}
	term.answers = []string{"admin"}
	s, err := d.OpenSession(SessionInfo{Line: LineConsole}, term)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Execute("system-view")
	term.out.Reset()
	time.AfterFunc(200*time.Millisecond, func() { term.intr <- struct{}{} })
	s.Execute("sftp 127.0.0.1 " + strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	want := "Please input the username:admin\nTrying 127.0.0.1 ...\nPress CTRL+K to abort\nConnected to 127.0.0.1 ...\nInfo: The connection was aborted.\n"
	if got := term.out.String(); got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if s.Prompt() != "[Huawei]" {
		t.Errorf("prompt %q after the abort", s.Prompt())
	}
}
