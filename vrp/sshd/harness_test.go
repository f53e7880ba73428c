package sshd

import (
	"bytes"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp"
	gossh "golang.org/x/crypto/ssh"
)

// testClock is the fixed time of test devices: banners show it.
var testClock = time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)

const (
	adminUser     = "admin"
	adminPassword = "Admin@huawei"
)

// newDevice returns a device with the default configuration and cheap
// password hashing, closed when the test ends.
func newDevice(t testing.TB) *vrp.Device {
	t.Helper()
	d, err := vrp.New(vrp.Options{
		Flash: flash.NewMemory(flash.Options{Clock: func() time.Time { return testClock }}),
		Now:   func() time.Time { return testClock },
		AAA:   aaa.Options{KDF: aaa.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}, Now: func() time.Time { return testClock }},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	// Re-hash the default admin password with the cheap parameters.
	if _, err := d.Users().SetPassword(adminUser, adminPassword, aaa.IrreversibleCipher); err != nil {
		t.Fatal(err)
	}
	return d
}

// startServer serves d on a loopback port and returns the server and its
// address; the server is closed when the test ends.
func startServer(t testing.TB, d *vrp.Device, configure ...func(*Server)) (*Server, string) {
	t.Helper()
	srv := &Server{Device: d, FailureDelay: time.Millisecond}
	for _, f := range configure {
		f(srv)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-served; err != ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return srv, l.Addr().String()
}

// dial logs in with a password.
func dial(t testing.TB, addr, user, password string) (*gossh.Client, error) {
	t.Helper()
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            user,
		Auth:            []gossh.AuthMethod{gossh.Password(password)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	})
}

func mustDial(t testing.TB, addr string) *gossh.Client {
	t.Helper()
	c, err := dial(t, addr, adminUser, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// transcript records what a session sends and lets a test wait for text.
type transcript struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	more chan struct{} // closed and replaced on each write
	eof  bool
}

func newTranscript(r io.Reader) *transcript {
	tr := &transcript{more: make(chan struct{})}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			tr.mu.Lock()
			tr.buf.Write(b[:n])
			if err != nil {
				tr.eof = true
			}
			close(tr.more)
			tr.more = make(chan struct{})
			tr.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return tr
}

// waitFor waits until the output after offset from contains want and
// returns the offset after it.
func (tr *transcript) waitFor(t testing.TB, from int, want string) int {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		tr.mu.Lock()
		out := tr.buf.String()
		more, eof := tr.more, tr.eof
		tr.mu.Unlock()
		if i := strings.Index(out[from:], want); i >= 0 {
			return from + i + len(want)
		}
		if eof {
			t.Fatalf("output ended without %q; got:\n%q", want, out[from:])
		}
		select {
		case <-more:
		case <-deadline:
			t.Fatalf("no %q in output; got:\n%q", want, out[from:])
		}
	}
}

// waitEOF waits for the end of the output and returns all of it.
func (tr *transcript) waitEOF(t testing.TB) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		tr.mu.Lock()
		out, more, eof := tr.buf.String(), tr.more, tr.eof
		tr.mu.Unlock()
		if eof {
			return out
		}
		select {
		case <-more:
		case <-deadline:
			t.Fatalf("output did not end; got:\n%q", out)
		}
	}
}

func (tr *transcript) String() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.buf.String()
}

// shell is a pty session driven by a test.
type shell struct {
	sess *gossh.Session
	in   io.WriteCloser
	out  *transcript
	off  int // how much of the output has been checked
}

// openShell opens an interactive session with an 80x24 pty.
func openShell(t testing.TB, c *gossh.Client) *shell {
	t.Helper()
	return openShellCols(t, c, 80)
}

// openShellCols opens an interactive session with a pty of cols columns
// and 24 lines.
func openShellCols(t testing.TB, c *gossh.Client, cols int) *shell {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.RequestPty("xterm", 24, cols, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	in, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	return &shell{sess: s, in: in, out: newTranscript(out)}
}

// send types keys.
func (sh *shell) send(t testing.TB, keys string) {
	t.Helper()
	if _, err := io.WriteString(sh.in, keys); err != nil {
		t.Fatal(err)
	}
}

// keyStep is keys typed in a session and the exact output they bring.
type keyStep struct{ name, keys, want string }

// play types the keys of each step in turn and checks that the output that
// follows is exactly the step's.
func (sh *shell) play(t testing.TB, steps []keyStep) {
	t.Helper()
	for _, st := range steps {
		sh.send(t, st.keys)
		got := sh.out.next(t, sh.off, len(st.want))
		sh.off += len(got)
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Fatalf("%s: keys %q: output (-want +got):\n%s\nwant %q\ngot  %q", st.name, st.keys, diff, st.want, got)
		}
	}
}

// expect checks that the next output is exactly want.
func (sh *shell) expect(t testing.TB, want string) {
	t.Helper()
	got := sh.out.next(t, sh.off, len(want))
	sh.off += len(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("output (-want +got):\n%s\nwant %q\ngot  %q", diff, want, got)
	}
}

// waitFor skips output up to and including want.
func (sh *shell) waitFor(t testing.TB, want string) string {
	t.Helper()
	end := sh.out.waitFor(t, sh.off, want)
	skipped := sh.out.String()[sh.off:end]
	sh.off = end
	return skipped
}

// next waits for n bytes of output after from (fewer if the output ends).
func (tr *transcript) next(t testing.TB, from, n int) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		tr.mu.Lock()
		out, more, eof := tr.buf.String(), tr.more, tr.eof
		tr.mu.Unlock()
		if len(out)-from >= n || eof {
			return out[from:min(len(out), from+n)]
		}
		select {
		case <-more:
		case <-deadline:
			t.Fatalf("waiting for %d bytes of output; got %q", n, out[from:])
		}
	}
}

// render plays output on an 80-column VT100 screen and returns the screen's
// lines, trailing blanks removed: what the user sees.
func render(out string) string {
	const width = 80
	var lines [][]rune
	x, y := 0, 0
	put := func(r rune) {
		if x >= width {
			x, y = 0, y+1
		}
		for len(lines) <= y {
			lines = append(lines, nil)
		}
		for len(lines[y]) <= x {
			lines[y] = append(lines[y], ' ')
		}
		lines[y][x] = r
		x++
	}
	rs := []rune(out)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\r':
			x = 0
		case r == '\b':
			x = max(0, min(x, width-1)-1)
		case r == '\n':
			y++
		case r == 0x1b && i+1 < len(rs) && rs[i+1] == '[':
			j := i + 2
			n := 0
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				n = n*10 + int(rs[j]-'0')
				j++
			}
			if j == len(rs) {
				break
			}
			if n == 0 {
				n = 1
			}
			switch rs[j] {
			case 'A':
				y = max(0, y-n)
			case 'B':
				y += n
			case 'C':
				x += n
			case 'D':
				x = max(0, min(x, width-1)-n)
			case 'K':
				if y < len(lines) && x < len(lines[y]) {
					lines[y] = lines[y][:x]
				}
			}
			i = j
		case r >= ' ':
			put(r)
		}
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.TrimRight(string(l), " "))
		b.WriteString("\n")
	}
	return b.String()
}
