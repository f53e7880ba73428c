package sshd

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	gossh "golang.org/x/crypto/ssh"
)

// TestLogin: the right password logs in; a wrong password and an unknown
// user are refused with the same answer.
func TestLogin(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)

	c, err := dial(t, addr, adminUser, adminPassword)
	if err != nil {
		t.Fatalf("admin login: %v", err)
	}
	c.Close()

	const refused = "ssh: handshake failed: ssh: unable to authenticate, attempted methods [none password], no supported methods remain"
	for _, tc := range []struct{ name, user, password string }{
		{"wrong password", adminUser, "Admin@huawe1"},
		{"unknown user", "nobody", adminPassword},
		{"empty password", adminUser, ""},
		{"user name with control characters", "ad\x1bmin\n", adminPassword},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := dial(t, addr, tc.user, tc.password)
			if err == nil {
				c.Close()
				t.Fatal("login succeeded")
			}
			if diff := cmp.Diff(refused, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEveryAttemptCounts: a client retrying passwords on one connection
// (OpenSSH's NumberOfPasswordPrompts) has each failure counted: three wrong
// passwords lock the account (the device's default lockout policy), and the
// right password is refused afterwards.
func TestEveryAttemptCounts(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	tries := 0
	_, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: adminUser,
		Auth: []gossh.AuthMethod{gossh.RetryableAuthMethod(gossh.PasswordCallback(func() (string, error) {
			tries++
			return "wrong", nil
		}), 10)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
	})
	if err == nil {
		t.Fatal("login with a wrong password succeeded")
	}
	if tries != MaxAuthTries {
		t.Errorf("the client could try %d passwords on one connection, want %d", tries, MaxAuthTries)
	}
	if c, err := dial(t, addr, adminUser, adminPassword); err == nil {
		c.Close()
		t.Fatal("right password accepted after three failures: the failures were not counted")
	}
}

// TestFailureDelayHoldsOnlyItsConnection: while a refused login waits out a
// long delay, another client logs in.
func TestFailureDelayHoldsOnlyItsConnection(t *testing.T) {
	d := newDevice(t)
	srv, addr := startServer(t, d, func(s *Server) { s.FailureDelay = time.Hour })
	failed := make(chan error, 1)
	go func() {
		c, err := dial(t, addr, "nobody", "x")
		if err == nil {
			c.Close()
		}
		failed <- err
	}()
	c := mustDial(t, addr) // must not wait for the hour
	out, _ := run(t, c, "display current-configuration | include sysname", "")
	if out != " sysname Huawei\n" {
		t.Errorf("output %q", out)
	}
	select {
	case err := <-failed:
		t.Fatalf("the refused login ended before the delay: %v", err)
	default:
	}
	// Close ends the waiting login too.
	srv.Close()
	if err := <-failed; err == nil {
		t.Error("refused login succeeded")
	}
}

func TestLoginTimeout(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d, func(s *Server) { s.LoginTimeout = 50 * time.Millisecond })
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	// A client that says nothing after the server's version line is cut off.
	got, err := readAll(conn)
	if err != nil {
		t.Fatalf("read: %v (the server did not close the connection)", err)
	}
	if want := "SSH-2.0-HUAWEI-1.5\r\n"; !strings.HasPrefix(got, want) {
		t.Errorf("server said %q, want %q first", got, want)
	}
}

func readAll(c net.Conn) (string, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(c)
	return b.String(), err
}

// TestVTYLimit: five sessions fit the device's VTY lines; the sixth is told
// why it is refused and ends with exit status 1.
func TestVTYLimit(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	c := mustDial(t, addr)
	for i := range 5 {
		sh := openShell(t, c)
		sh.waitFor(t, "<Huawei>")
		if i == 4 {
			if !strings.Contains(sh.out.String(), "of current VTY users on line is 5.") {
				t.Errorf("fifth banner: %q", sh.out.String())
			}
		}
	}
	sh := openShell(t, c)
	if got := sh.out.waitEOF(t); got != "Error: The number of VTY users has reached the maximum.\r\n" {
		t.Errorf("sixth session got %q", got)
	}
	var exit *gossh.ExitError
	if err := sh.sess.Wait(); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Errorf("sixth session: %v, want exit status 1", err)
	}
	out, status := run(t, c, "display version", "")
	if out != "Error: The number of VTY users has reached the maximum.\n" || status != 1 {
		t.Errorf("exec with no VTY line free: %q, status %d", out, status)
	}
}

func TestAccessLimit(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	c := mustDial(t, addr)
	if out, _ := run(t, c, "system-view\naaa\nlocal-user admin access-limit 1", ""); out != "Enter system view, return user view with Ctrl+Z.\n" {
		t.Fatalf("configuring: %q", out)
	}
	sh := openShell(t, c)
	sh.waitFor(t, "<Huawei>")
	out, status := run(t, c, "display version", "")
	if want := "Error: The number of online users of the account has reached the maximum.\n"; out != want || status != 1 {
		t.Errorf("second session: %q, status %d; want %q, status 1", out, status, want)
	}
}

// TestIdleTimeout: no key for the idle time prints the device's message and
// ends the session with status 0.
func TestIdleTimeout(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	c := mustDial(t, addr)
	if out, _ := run(t, c, "system-view\naaa\nlocal-user admin idle-timeout 0 1", ""); out != "Enter system view, return user view with Ctrl+Z.\n" {
		t.Fatalf("configuring: %q", out)
	}
	sh := openShell(t, c)
	sh.waitFor(t, "<Huawei>")
	sh.expect(t, "\r\n  Configuration console time out, please retry to log on\r\n")
	if rest := sh.out.waitEOF(t)[sh.off:]; rest != "" {
		t.Errorf("after the timeout: %q", rest)
	}
	if err := sh.sess.Wait(); err != nil {
		t.Errorf("exit: %v, want status 0", err)
	}
}

// TestDeviceClosesSessions: closing the device ends its SSH sessions with
// exit status 0.
func TestDeviceClosesSessions(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	c := mustDial(t, addr)
	sh := openShell(t, c)
	sh.waitFor(t, "<Huawei>")
	d.Close()
	sh.out.waitEOF(t)
	if err := sh.sess.Wait(); err != nil {
		t.Errorf("exit: %v, want status 0", err)
	}
}

// TestHostKeyKept: the host key is created once, stored with mode 0600 and
// presented again by a new server on the same path.
func TestHostKeyKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "device", "ssh_host_ed25519_key")
	hostKey := func() string {
		d := newDevice(t)
		srv := &Server{Device: d, HostKeyPath: path, FailureDelay: -1}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(l) }()
		defer func() {
			srv.Close()
			<-served
		}()
		var key gossh.PublicKey
		c, err := gossh.Dial("tcp", l.Addr().String(), &gossh.ClientConfig{
			User: adminUser, Auth: []gossh.AuthMethod{gossh.Password(adminPassword)},
			HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error { key = k; return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		if key.Type() != gossh.KeyAlgoED25519 {
			t.Errorf("host key type %s, want ssh-ed25519", key.Type())
		}
		return string(gossh.MarshalAuthorizedKey(key))
	}
	first := hostKey()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	if second := hostKey(); second != first {
		t.Errorf("host key changed across restarts:\n%s%s", first, second)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "-----BEGIN OPENSSH PRIVATE KEY-----\n") {
		t.Errorf("key file is not an OpenSSH PEM key: %.40q", data)
	}
}

func TestHostKeyErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateHostKey(bad); err == nil {
		t.Error("a corrupt key file was accepted")
	}
	if data, _ := os.ReadFile(bad); string(data) != "not a key" {
		t.Error("a corrupt key file was overwritten")
	}
	srv := &Server{Device: newDevice(t), HostKeyPath: bad}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(l); err == nil || errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve with a corrupt host key: %v", err)
	}
}

// TestLoginTimeoutWithoutSession: a client that logs in but opens no
// session is cut off too.
func TestLoginTimeoutWithoutSession(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d, func(s *Server) { s.LoginTimeout = time.Second })
	// The timer runs from the connection's accept: on a loaded machine a
	// login can miss it; try again then.
	c, err := dial(t, addr, adminUser, adminPassword)
	for i := 0; err != nil && i < 10; i++ {
		c, err = dial(t, addr, adminUser, adminPassword)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the idle connection was not closed")
	}
}

// TestMaxConnections: connections beyond the limit are closed at once; the
// ones inside it work.
func TestMaxConnections(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d, func(s *Server) { s.MaxConnections = 2 })
	c1 := mustDial(t, addr)
	c2 := mustDial(t, addr)
	if _, err := dial(t, addr, adminUser, adminPassword); err == nil {
		t.Fatal("third connection accepted")
	}
	for _, c := range []*gossh.Client{c1, c2} {
		if out, status := run(t, c, "display current-configuration | include sysname", ""); out != " sysname Huawei\n" || status != 0 {
			t.Errorf("status %d, output %q", status, out)
		}
	}
}
