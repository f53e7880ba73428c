package ftpc

// The real FTP servers the tests run against (pyftpdlib, vsftpd, pure-ftpd
// and proftpd) are started by package ftptest.

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vrpsim/vrpsim/ftpc/ftptest"
)

// recorder is a Trace that records the dialogue.
type recorder struct {
	mu    sync.Mutex
	lines []string // "> COMMAND" for commands, "< reply line" for replies
}

func (r *recorder) trace() *Trace {
	return &Trace{
		Command: func(line string) { r.add("> " + line) },
		Reply:   func(line string) { r.add("< " + line) },
	}
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.lines = append(r.lines, s)
	r.mu.Unlock()
}

// take returns the lines recorded since the last take.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.lines
	r.lines = nil
	return l
}

// login dials p and logs in, then moves to the work directory.
func login(t testing.TB, p *ftptest.Peer, opts Options) *Conn {
	t.Helper()
	ctx := context.Background()
	if opts.ReplyTimeout == 0 {
		opts.ReplyTimeout = 20 * time.Second
	}
	c, err := Dial(ctx, p.Addr, opts)
	if err != nil {
		t.Fatalf("Dial %s: %v", p.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Login(ctx, p.User, p.Password); err != nil {
		t.Fatalf("Login: %v", err)
	}
	if p.RemoteDir != "" {
		if _, err := c.Cwd(ctx, p.RemoteDir); err != nil {
			t.Fatalf("Cwd: %v", err)
		}
	}
	return c
}
