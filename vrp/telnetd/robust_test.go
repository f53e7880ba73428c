package telnetd

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// readAll reads c until the server closes it.
func readAll(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	out, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, out)
	}
	return string(out)
}

func dialTelnet(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestSilentConnectionClosed: a connection that sends nothing at all is
// closed after SilentTimeout, having got only the server's option requests
// and the login banner.
func TestSilentConnectionClosed(t *testing.T) {
	_, addr := newDevice(t, telnetConfig, func(s *Server) { s.SilentTimeout = 50 * time.Millisecond })
	c := dialTelnet(t, addr)
	if got, want := readAll(t, c), "\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f\r\nLogin authentication\r\n\r\n\r\nUsername:"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestLoginTimeout: a connection that has not logged in within
// LoginTimeout is closed, even while it talks.
func TestLoginTimeout(t *testing.T) {
	_, addr := newDevice(t, telnetConfig, func(s *Server) { s.LoginTimeout = 100 * time.Millisecond })
	c := dialTelnet(t, addr)
	io.WriteString(c, "admin\r\n")
	if got := readAll(t, c); !strings.HasSuffix(got, "Username:admin\r\nPassword:") {
		t.Errorf("got %q, want the dialogue up to Password:", got)
	}
}

// TestPreLoginPerSource: a source address may have MaxPreLoginPerSource
// connections that have not logged in; another is closed at once while it
// would take a slot kept for other addresses, and admitted again once one
// of them has logged in.
func TestPreLoginPerSource(t *testing.T) {
	_, addr := newDevice(t, telnetConfig, func(s *Server) { s.MaxConnections = 4; s.MaxPreLoginPerSource = 2 })
	var open []net.Conn
	for range 2 {
		c := dialTelnet(t, addr)
		readUntil(t, c, "Username:")
		open = append(open, c)
	}
	extra := dialTelnet(t, addr)
	if got := readAll(t, extra); got != "" {
		t.Errorf("the third connection got %q, want it closed at once", got)
	}
	// one logs in: it no longer counts, and a new connection is admitted
	io.WriteString(open[0], "admin\r\nAdmin@huawei\r\n")
	readUntil(t, open[0], "<Huawei>")
	c := dialTelnet(t, addr)
	readUntil(t, c, "Username:")
}

// readUntil reads c until what it read ends with want.
func readUntil(t *testing.T, c net.Conn, want string) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	var b []byte
	buf := make([]byte, 1)
	for !strings.HasSuffix(string(b), want) {
		if _, err := c.Read(buf); err != nil {
			t.Fatalf("read: %v (got %q, want it to end with %q)", err, b, want)
		}
		b = append(b, buf[0])
	}
	return string(b)
}

// TestClientNegotiation: the client's answers to the server's requests and
// its window size get no answer back (no loop), Are You There is answered,
// and a data byte 0xFF (sent doubled) reaches the line discipline, which
// takes no such key (it is no UTF-8; the device's output, in UTF-8, never
// holds 0xFF: TestEscape covers its doubling).
func TestClientNegotiation(t *testing.T) {
	_, addr := newDevice(t, telnetConfig)
	c := dialTelnet(t, addr)
	readUntil(t, c, "Username:")
	// the client agrees to everything the server asked, asks for AYT, and
	// types a user name holding the byte 0xFF (sent doubled)
	io.WriteString(c, "\xff\xfd\x01\xff\xfd\x03\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0\xff\xf6ab\xff\xffc\r\n")
	got := readUntil(t, c, "Password:")
	if want := "\r\n[Yes]\r\nabc\r\nPassword:"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
