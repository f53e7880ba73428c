package ftpd

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// idleSockets opens n connections from local (an address of 127.0.0.0/8) to
// addr that send nothing, and reads the first line of each: the greeting of
// an accepted connection, a 421 or EOF for a refused one. It returns the
// accepted connections and the number refused.
func idleSockets(t testing.TB, local, addr string, n int) (accepted []net.Conn, refused int) {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	for range n {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		switch {
		case strings.HasPrefix(line, "220 "):
			accepted = append(accepted, c)
		case strings.HasPrefix(line, "421 ") || err != nil && line == "":
			refused++
			c.Close()
		default:
			t.Fatalf("first line %q, %v", line, err)
		}
	}
	return accepted, refused
}

// TestIdleConnectionsDoNotStarveLogins: 40 connections from 127.0.0.2 that
// never log in take at most half of the 12 connection slots; a user from
// 127.0.0.3 logs in meanwhile. (Before, 12 idle connections took every slot
// and blocked every login for 60 seconds.)
func TestIdleConnectionsDoNotStarveLogins(t *testing.T) {
	ts := startServer(t, "127.0.0.1", nil) // the default limits: 5 users, 12 connections
	accepted, refused := idleSockets(t, "127.0.0.2", ts.addr, 40)
	c := dialCtrlFrom(t, "127.0.0.3", ts.addr)
	got := []string{
		fmt.Sprintf("idle connections kept: %d, refused: %d", len(accepted), refused),
		c.reply(), c.cmd("USER huawei"), c.cmd("PASS Huawei@123"),
	}
	want := []string{
		"idle connections kept: 6, refused: 34",
		"220 FTP service ready.", "331 Password required for huawei.", "230 User logged in.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var reasons []string
	for _, e := range ts.events.find(EventRejected) {
		reasons = append(reasons, e.Remote.Addr().String()+": "+e.Reason)
	}
	if len(reasons) != 34 || reasons[0] != "127.0.0.2: too many connections from the address" {
		t.Errorf("rejected events: %q", reasons)
	}
}

// TestPreLoginLimitPerSource: a source address always gets
// MaxPreLoginPerSource connections that have not logged in, more only while
// over half of the slots stay free; a connection that logs in, or closes,
// no longer counts.
func TestPreLoginLimitPerSource(t *testing.T) {
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.MaxPreLoginPerSource = 2 }) // 12 connections
	var got []string
	count := func(what string, accepted []net.Conn, refused int) {
		got = append(got, fmt.Sprintf("%s: %d kept, %d refused", what, len(accepted), refused))
	}
	first, refused := idleSockets(t, "127.0.0.2", ts.addr, 10)
	count("127.0.0.2 on an empty server", first, refused) // 6 of 12: half stays free
	accepted, refused := idleSockets(t, "127.0.0.3", ts.addr, 3)
	count("127.0.0.3 on a busy server", accepted, refused) // its quota of 2
	user := dialCtrlFrom(t, "127.0.0.4", ts.addr)
	user.reply()
	user.login("huawei", "Huawei@123")
	accepted, refused = idleSockets(t, "127.0.0.4", ts.addr, 3)
	count("127.0.0.4, logged in once", accepted, refused) // the login does not count
	first[0].Close()
	waitFor(t, "the closed connection's session to end", func() bool { return len(ts.srv.Sessions()) == 10 })
	accepted, refused = idleSockets(t, "127.0.0.2", ts.addr, 1)
	count("127.0.0.2 after one closed", accepted, refused) // 2 slots free: no more than the quota
	want := []string{
		"127.0.0.2 on an empty server: 6 kept, 4 refused",
		"127.0.0.3 on a busy server: 2 kept, 1 refused",
		"127.0.0.4, logged in once: 2 kept, 1 refused",
		"127.0.0.2 after one closed: 0 kept, 1 refused",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// With a connection limit of 4, one address gets 2 of them at most.
	small := startServer(t, "127.0.0.1", func(c *Config) { c.MaxConnections, c.MaxPreLoginPerSource = 4, 10 })
	if accepted, refused := idleSockets(t, "127.0.0.2", small.addr, 4); len(accepted) != 2 || refused != 2 {
		t.Errorf("connection limit 4: one address kept %d connections, %d refused; want 2, 2", len(accepted), refused)
	}
}

// TestUserTimeout: a connection that sends no USER is closed after
// UserTimeout; one that sent USER has LoginTimeout to log in.
func TestUserTimeout(t *testing.T) {
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.UserTimeout = 100 * time.Millisecond; c.LoginTimeout = time.Hour })
	talker := dialCtrl(t, ts.addr)
	talker.reply()
	talker.cmd("USER huawei")
	silent := dialCtrl(t, ts.addr) // connects later than talker
	got := []string{silent.reply(), silent.reply(), silent.reply(), talker.cmd("PASS Huawei@123")}
	want := []string{"220 FTP service ready.", "421 Login timeout, closing control connection.", "EOF", "230 User logged in."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// sleepRecorder is a Config.Sleep that records its calls and does not wait.
type sleepRecorder struct {
	mu    sync.Mutex
	calls []time.Duration
}

func (r *sleepRecorder) Sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, d)
	return ctx.Err()
}

func (r *sleepRecorder) take() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls := r.calls
	r.calls = nil
	return calls
}

// TestEveryRefusalWaitsTheDelay: every refused PASS waits FailureDelay once,
// whatever the reason, and the user limit is checked before the password:
// with every slot taken, the right and a wrong password get the same answer.
func TestEveryRefusalWaitsTheDelay(t *testing.T) {
	rec := &sleepRecorder{}
	ts := startServer(t, "127.0.0.1", func(c *Config) {
		c.FailureDelay, c.Sleep, c.MaxSessions = 7*time.Second, rec.Sleep, 2
		c.MaxConnections, c.MaxPreLoginPerSource = 40, 20
	})
	held := dialCtrl(t, ts.addr)
	held.reply()
	held.login("one", "one")
	tests := []struct{ user, password, want string }{
		{"ghost", "x", "530 Login incorrect."},                               // unknown user
		{"huawei", "wrong", "530 Login incorrect."},                          // wrong password
		{"low", "low", "530 Login incorrect."},                               // privilege level
		{"nodir", "nodir", "530 Login incorrect."},                           // the server's own directory check
		{"one", "one", "530 Login incorrect."},                               // access-limit
		{"huawei", "Huawei@123", "230 User logged in."},                      // no delay
		{"test", "test", "421 Too many users, closing control connection."},  // right password, no slot
		{"test", "wrong", "421 Too many users, closing control connection."}, // wrong password, no slot
	}
	for _, tt := range tests {
		c := dialCtrl(t, ts.addr)
		c.reply()
		c.cmd("USER " + tt.user)
		got := c.cmd("PASS " + tt.password)
		var want []time.Duration
		if !strings.HasPrefix(tt.want, "230") {
			want = []time.Duration{7 * time.Second}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s/%s (-want +got):\n%s", tt.user, tt.password, diff)
		}
		if diff := cmp.Diff(want, rec.take()); diff != "" {
			t.Errorf("%s/%s: delays (-want +got):\n%s", tt.user, tt.password, diff)
		}
	}
}

// TestDoSFigures measures, with the default limits, how many idle
// connections from one address the server keeps, whether they block a login
// from another address, and how long the server keeps an idle connection.
// It waits for the server's timeout, so it runs only when asked:
//
//	VRPSIM_DOS_FIGURES=1 go test -run TestDoSFigures -v ./ftpd/
func TestDoSFigures(t *testing.T) {
	if os.Getenv("VRPSIM_DOS_FIGURES") == "" {
		t.Skip("set VRPSIM_DOS_FIGURES=1 to measure")
	}
	ts := startServer(t, "127.0.0.1", nil)
	start := time.Now()
	accepted, refused := idleSockets(t, "127.0.0.2", ts.addr, 64)
	c := dialCtrlFrom(t, "127.0.0.3", ts.addr)
	login := c.reply()
	if strings.HasPrefix(login, "220") {
		c.cmd("USER huawei")
		login = c.cmd("PASS Huawei@123")
	}
	t.Logf("64 idle connections from 127.0.0.2: %d kept, %d refused; login from 127.0.0.3: %q", len(accepted), refused, login)
	if len(accepted) == 0 {
		return
	}
	c.conn.Close()
	accepted[0].SetReadDeadline(time.Now().Add(5 * time.Minute))
	buf := make([]byte, 512)
	for {
		if _, err := accepted[0].Read(buf); err != nil {
			break
		}
	}
	t.Logf("an idle connection was closed by the server after %v", time.Since(start).Round(100*time.Millisecond))
}
