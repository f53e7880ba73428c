package ftpd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vrpsim/vrpsim/flash"
)

// fakeAuth behaves like the device's AAA for FTP: a user needs the right
// password, the ftp service and a level of 3 or more; three wrong passwords in a
// row lock the account; access-limit bounds its sessions.
type fakeAuth struct {
	mu       sync.Mutex
	users    map[string]*fakeUser
	attempts []string // user names, in order
}

type fakeUser struct {
	password    string
	root        string
	level       int
	noFTP       bool
	readOnly    bool
	accessLimit int
	online      int
	wrong       int
	locked      bool
}

var errAuth = errors.New("authentication failed")

func newFakeAuth() *fakeAuth {
	return &fakeAuth{users: map[string]*fakeUser{
		"huawei": {password: "Huawei@123", root: "flash:", level: 15},
		"test":   {password: "test", root: "flash:/test", level: 3},
		"low":    {password: "low", root: "flash:", level: 2},
		"reader": {password: "reader", root: "flash:", level: 3, readOnly: true},
		"nodir":  {password: "nodir", root: "flash:/missing", level: 3},
		"one":    {password: "one", root: "flash:", level: 3, accessLimit: 1},
	}}
}

func (a *fakeAuth) Login(ctx context.Context, user, password string, remote netip.AddrPort) (Login, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.attempts = append(a.attempts, user)
	u := a.users[strings.ToLower(user)]
	switch {
	case u == nil:
		return Login{}, fmt.Errorf("user %q: %w: unknown user", user, errAuth)
	case u.locked:
		return Login{}, fmt.Errorf("user %q: %w: account locked", user, errAuth)
	case u.password != password:
		u.wrong++
		if u.wrong >= 3 {
			u.locked = true
		}
		return Login{}, fmt.Errorf("user %q: %w: wrong password", user, errAuth)
	case u.noFTP:
		return Login{}, fmt.Errorf("user %q: %w: no ftp service", user, errAuth)
	case u.level < 3:
		return Login{}, fmt.Errorf("user %q: %w: privilege level %d", user, errAuth, u.level)
	case u.accessLimit > 0 && u.online >= u.accessLimit:
		return Login{}, fmt.Errorf("user %q: %w: access limit", user, errAuth)
	}
	u.wrong = 0
	u.online++
	var once sync.Once
	return Login{Root: u.root, ReadOnly: u.readOnly, Release: func() {
		once.Do(func() {
			a.mu.Lock()
			u.online--
			a.mu.Unlock()
		})
	}}, nil
}

// eventLog records events for assertions.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *eventLog) kinds(filter ...EventKind) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.events {
		for _, k := range filter {
			if e.Kind == k {
				out = append(out, e.Kind.String())
			}
		}
	}
	return out
}

func (l *eventLog) find(kind EventKind) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, e := range l.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// waitFor polls cond until it holds or the test's patience runs out; it is for
// events that happen after a reply was sent (logout, release), not for timing.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

type testServer struct {
	srv    *Server
	fs     flash.FS
	auth   *fakeAuth
	events *eventLog
	addr   string // host:port
	host   string
	port   int
}

// startServer runs a server on host (an address of 127.0.0.0/8) with a memory
// flash holding /test and a few files. mod may adjust the config.
func startServer(t testing.TB, host string, mod func(*Config)) *testServer {
	t.Helper()
	fs := flash.NewMemory(flash.Options{Capacity: 64 << 20})
	if err := fs.Mkdir("flash:/test"); err != nil {
		t.Fatal(err)
	}
	putFile(t, fs, "flash:/vrpcfg.zip", []byte("config\n"))
	putFile(t, fs, "flash:/test/inner.txt", []byte("inner\n"))
	ts := &testServer{fs: fs, auth: newFakeAuth(), events: &eventLog{}}
	cfg := Config{
		FS: fs, Auth: ts.auth, Log: ts.events.add,
		FailureDelay: time.Millisecond, DataTimeout: 10 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	ts.fs = cfg.FS
	ts.srv = New(cfg)
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	ts.host = host
	ts.port = l.Addr().(*net.TCPAddr).Port
	done := make(chan error, 1)
	go func() { done <- ts.srv.Serve(l) }()
	t.Cleanup(func() {
		ts.srv.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return ts
}

// putFile stores a file on fs (test setup).
func putFile(t testing.TB, fs flash.FS, p string, data []byte) {
	t.Helper()
	w, err := fs.Create(p, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// getFile reads a file of fs; ok is false when it cannot be opened.
func getFile(t testing.TB, fs flash.FS, p string) (data []byte, ok bool) {
	t.Helper()
	f, err := fs.Open(p)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	data, err = io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return data, true
}

// ctrl is a raw control connection that returns replies verbatim.
type ctrl struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

func dialCtrl(t testing.TB, addr string) *ctrl {
	return dialCtrlFrom(t, "", addr)
}

// dialCtrlFrom connects from a chosen local address ("" for any).
func dialCtrlFrom(t testing.TB, local, addr string) *ctrl {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cc := &ctrl{t: t, conn: c, r: bufio.NewReader(c)}
	return cc
}

// reply reads one complete reply (all lines of a multi-line one), joined by "\n".
func (c *ctrl) reply() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var lines []string
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			if len(lines) == 0 && l == "" {
				return "EOF"
			}
			c.t.Fatalf("reading reply: %v (got %q)", err, lines)
		}
		if !strings.HasSuffix(l, "\r\n") {
			c.t.Fatalf("reply line %q does not end in CRLF", l)
		}
		l = strings.TrimSuffix(l, "\r\n")
		lines = append(lines, l)
		if len(lines) == 1 && (len(l) < 4 || l[3] != '-') {
			break
		}
		if len(lines) > 1 && len(l) >= 4 && l[:3] == lines[0][:3] && l[3] == ' ' {
			break
		}
	}
	return strings.Join(lines, "\n")
}

func (c *ctrl) send(line string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c.conn, line+"\r\n"); err != nil {
		c.t.Fatalf("send %q: %v", line, err)
	}
}

// cmd sends a line and returns the reply.
func (c *ctrl) cmd(line string) string {
	c.t.Helper()
	c.send(line)
	return c.reply()
}

// binarySession connects to addr, reads the greeting, logs in as the test
// user and sets TYPE I: where most transfer tests start.
func binarySession(t testing.TB, addr string) *ctrl {
	t.Helper()
	c := dialCtrl(t, addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	if got := c.cmd("TYPE I"); got != "200 Type set to I." {
		t.Fatalf("TYPE I: %q", got)
	}
	return c
}

func (c *ctrl) login(user, pass string) {
	c.t.Helper()
	if got := c.cmd("USER " + user); !strings.HasPrefix(got, "331 ") {
		c.t.Fatalf("USER: %q", got)
	}
	if got := c.cmd("PASS " + pass); got != "230 User logged in." {
		c.t.Fatalf("PASS: %q", got)
	}
}

// pasv sends PASV and connects to the announced port.
func (c *ctrl) pasv() net.Conn {
	c.t.Helper()
	got := c.cmd("PASV")
	var h1, h2, h3, h4, p1, p2 int
	if _, err := fmt.Sscanf(got, "227 Entering Passive Mode (%d,%d,%d,%d,%d,%d).", &h1, &h2, &h3, &h4, &p1, &p2); err != nil {
		c.t.Fatalf("PASV reply %q: %v", got, err)
	}
	d, err := net.Dial("tcp", fmt.Sprintf("%d.%d.%d.%d:%d", h1, h2, h3, h4, p1<<8|p2))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { d.Close() })
	return d
}

// retr downloads name over PASV and returns the data and the final reply.
func (c *ctrl) retr(name string) ([]byte, string, string) {
	c.t.Helper()
	d := c.pasv()
	first := c.cmd("RETR " + name)
	if !strings.HasPrefix(first, "150 ") {
		d.Close()
		return nil, first, ""
	}
	data, err := io.ReadAll(d)
	if err != nil {
		c.t.Fatal(err)
	}
	d.Close()
	return data, first, c.reply()
}

// stor uploads data over PASV with verb (STOR, APPE, STOU).
func (c *ctrl) stor(verb, name string, data []byte) (string, string) {
	c.t.Helper()
	d := c.pasv()
	line := verb
	if name != "" {
		line += " " + name
	}
	first := c.cmd(line)
	if !strings.HasPrefix(first, "150 ") {
		d.Close()
		return first, ""
	}
	if _, err := d.Write(data); err != nil {
		c.t.Fatal(err)
	}
	d.Close()
	return first, c.reply()
}

// list runs a listing command over PASV and returns the data and replies.
func (c *ctrl) list(line string) (string, string, string) {
	c.t.Helper()
	d := c.pasv()
	first := c.cmd(line)
	if !strings.HasPrefix(first, "150 ") {
		d.Close()
		return "", first, ""
	}
	data, err := io.ReadAll(d)
	if err != nil {
		c.t.Fatal(err)
	}
	return string(data), first, c.reply()
}

// tool returns the path of an external program, skipping the test when it is
// missing (failing under CI=true).
func tool(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI: %v", path, err)
		}
		t.Skipf("%s not installed", path)
	}
	return path
}

// run runs a program with a timeout and returns its combined output.
func run(t testing.TB, stdin string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
