package sshd

import (
	"bufio"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	gossh "golang.org/x/crypto/ssh"
)

// idleSSHSockets opens n connections from local (an address of 127.0.0.0/8)
// to addr that send nothing, and reads the first line of each: the server's
// version line if it kept the connection, EOF if it closed it. It returns
// the connections kept and the number closed.
func idleSSHSockets(t testing.TB, local, addr string, n int) (kept []net.Conn, closed int) {
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
		case line == "SSH-2.0-HUAWEI-1.5\r\n":
			kept = append(kept, c)
		case line == "" && err != nil:
			closed++
			c.Close()
		default:
			t.Fatalf("first line %q, %v", line, err)
		}
	}
	return kept, closed
}

// dialFrom logs in with a password from a chosen local address.
func dialFrom(t testing.TB, local, addr, user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	t.Helper()
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	conn, chans, reqs, err := gossh.NewClientConn(c, addr, &gossh.ClientConfig{
		User: user, Auth: auth, HostKeyCallback: gossh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	client := gossh.NewClient(conn, chans, reqs)
	t.Cleanup(func() { client.Close() })
	return client, nil
}

// sysname runs a command on c and returns its output.
func sysname(t testing.TB, c *gossh.Client) string {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := s.Output("display current-configuration | include sysname")
	if err != nil {
		t.Fatalf("exec: %v (output %q)", err, out)
	}
	return string(out)
}

// TestIdleConnectionsDoNotStarveSSHLogins: 40 connections from 127.0.0.2
// that say nothing take at most half of the 32 connection slots; a user from
// 127.0.0.3 logs in meanwhile. (Before, 32 idle connections took every slot
// and blocked every login for 60 seconds.)
func TestIdleConnectionsDoNotStarveSSHLogins(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d) // the default limits
	kept, closed := idleSSHSockets(t, "127.0.0.2", addr, 40)
	if len(kept) != DefaultMaxConnections/2 || closed != 40-DefaultMaxConnections/2 {
		t.Errorf("idle connections from one address: %d kept, %d closed; want %d, %d",
			len(kept), closed, DefaultMaxConnections/2, 40-DefaultMaxConnections/2)
	}
	c, err := dialFrom(t, "127.0.0.3", addr, adminUser, gossh.Password(adminPassword))
	if err != nil {
		t.Fatalf("login from another address: %v", err)
	}
	if out := sysname(t, c); out != " sysname Huawei\n" {
		t.Errorf("output %q", out)
	}
}

// TestPreLoginLimitCountsOnlyUnauthenticated: a source address always gets
// MaxPreLoginPerSource connections that have not authenticated, more only
// while over half of the slots stay free; authenticated connections do not
// count.
func TestPreLoginLimitCountsOnlyUnauthenticated(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d, func(s *Server) { s.MaxConnections, s.MaxPreLoginPerSource = 8, 2 })
	for range 3 {
		if _, err := dialFrom(t, "127.0.0.2", addr, adminUser, gossh.Password(adminPassword)); err != nil {
			t.Fatalf("login: %v", err)
		}
	}
	// 3 of 8 slots taken: two more from 127.0.0.2 (its quota) leave 3 free,
	// not over half.
	kept, closed := idleSSHSockets(t, "127.0.0.2", addr, 3)
	if len(kept) != 2 || closed != 1 {
		t.Errorf("with 3 logged in: %d idle connections kept, %d closed; want 2, 1", len(kept), closed)
	}
	// With a connection limit of 4, one address gets 2 of them at most.
	_, small := startServer(t, d, func(s *Server) { s.MaxConnections, s.MaxPreLoginPerSource = 4, 10 })
	kept, closed = idleSSHSockets(t, "127.0.0.2", small, 4)
	if len(kept) != 2 || closed != 2 {
		t.Errorf("connection limit 4: one address kept %d connections, %d closed; want 2, 2", len(kept), closed)
	}
}

// TestSilentTimeout: a connection that sends nothing is closed after
// SilentTimeout; one that spoke has LoginTimeout to log in.
func TestSilentTimeout(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d, func(s *Server) { s.SilentTimeout = 100 * time.Millisecond; s.LoginTimeout = time.Hour })
	asked := make(chan struct{})
	answer := make(chan struct{})
	talker := make(chan error, 1)
	go func() {
		// The client has sent its version line and key exchange when it is
		// asked for the password; it answers only after the silent
		// connection below is closed.
		_, err := dialFrom(t, "127.0.0.1", addr, adminUser, gossh.PasswordCallback(func() (string, error) {
			close(asked)
			<-answer
			return adminPassword, nil
		}))
		talker <- err
	}()
	<-asked
	kept, _ := idleSSHSockets(t, "127.0.0.1", addr, 1)
	if len(kept) != 1 {
		t.Fatal("the silent connection was refused")
	}
	kept[0].SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 64)
	var err error
	for err == nil {
		_, err = kept[0].Read(buf)
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the silent connection was not closed")
	}
	close(answer)
	if err := <-talker; err != nil {
		t.Errorf("the connection that spoke was cut: %v", err)
	}
}

// TestSSHLockoutPerSource: three wrong passwords from 127.0.0.2 lock admin
// out for 127.0.0.2 only; admin logs in from 127.0.0.3.
func TestSSHLockoutPerSource(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	for range 3 {
		if _, err := dialFrom(t, "127.0.0.2", addr, adminUser, gossh.Password("wrong")); err == nil {
			t.Fatal("a wrong password logged in")
		}
	}
	var got []string
	for _, local := range []string{"127.0.0.2", "127.0.0.3"} {
		_, err := dialFrom(t, local, addr, adminUser, gossh.Password(adminPassword))
		result := "logged in"
		if err != nil {
			result = "refused"
		}
		got = append(got, local+": "+result)
	}
	if diff := cmp.Diff([]string{"127.0.0.2: refused", "127.0.0.3: logged in"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var lock []string
	for _, l := range d.Log() {
		if i := strings.Index(l, "AAA/6/LOCALACCOUNT_LOCK"); i >= 0 {
			lock = append(lock, l[i:])
		}
	}
	if diff := cmp.Diff([]string{"AAA/6/LOCALACCOUNT_LOCK(l)[0]:Local account admin has been locked. (Ip=127.0.0.2)"}, lock); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

// TestSSHDoSFigures measures, with the default limits, how many idle
// connections from one address the server keeps, whether they block a login
// from another address, and how long the server keeps an idle connection.
// It waits for the server's timeout, so it runs only when asked:
//
//	VRPSIM_DOS_FIGURES=1 go test -run TestSSHDoSFigures -v ./vrp/sshd/
func TestSSHDoSFigures(t *testing.T) {
	if os.Getenv("VRPSIM_DOS_FIGURES") == "" {
		t.Skip("set VRPSIM_DOS_FIGURES=1 to measure")
	}
	d := newDevice(t)
	_, addr := startServer(t, d)
	start := time.Now()
	kept, closed := idleSSHSockets(t, "127.0.0.2", addr, 64)
	login := "logged in"
	if _, err := dialFrom(t, "127.0.0.3", addr, adminUser, gossh.Password(adminPassword)); err != nil {
		login = "refused: " + err.Error()
	}
	t.Logf("64 idle connections from 127.0.0.2: %d kept, %d closed; login from 127.0.0.3: %s", len(kept), closed, login)
	if len(kept) == 0 {
		return
	}
	kept[0].SetReadDeadline(time.Now().Add(5 * time.Minute))
	buf := make([]byte, 512)
	for {
		if _, err := kept[0].Read(buf); err != nil {
			break
		}
	}
	t.Logf("an idle connection was closed by the server after %v", time.Since(start).Round(100*time.Millisecond))
}
