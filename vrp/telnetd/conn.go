package telnetd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/internal/frontend"
	"github.com/vrpsim/vrpsim/vrp/tty"
)

// errIdle ends reading after the session's idle timeout.
var errIdle = errors.New("telnetd: idle timeout")

// readSize is the most read from the connection at once.
const readSize = 1024

// Keys the interrupter looks for while a command runs.
const (
	keyCtrlC = 0x03
	keyCtrlK = 0x0b
)

// conn is one Telnet connection.
type conn struct {
	*frontend.Conn
	srv    *Server
	remote netip.AddrPort

	wmu sync.Mutex // serializes writes: data and negotiation replies
	neg Negotiator // used by the reader goroutine only
}

// send writes raw Telnet bytes (commands, or data already escaped).
func (c *conn) send(p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.Conn.Write(p)
	return err
}

// dataWriter writes device output as Telnet data.
type dataWriter struct{ c *conn }

func (w dataWriter) Write(p []byte) (int, error) {
	if err := w.c.send(Escape(make([]byte, 0, len(p)+8), p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// serve runs the connection: negotiation, login, then the CLI until the
// session ends. done is the server's.
func (c *conn) serve(done <-chan struct{}) {
	defer c.Watch(c.srv.silentTimeout(), c.srv.loginTimeout())()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-done:
			cancel()
		case <-ctx.Done():
		}
	}()

	if err := c.send(c.neg.Start()); err != nil {
		return
	}
	chunks := make(chan []byte)
	quit := make(chan struct{})
	defer close(quit)
	intr := &interrupter{ch: make(chan struct{}, 1)}
	go c.read(chunks, quit, intr)
	in := &input{chunks: chunks}
	term := &terminal{Terminal: tty.New(in, dataWriter{c}), intr: intr}
	defer term.Flush()

	failed := func() error {
		d := c.srv.failureDelay()
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s, err := c.srv.Device.TelnetLogin(ctx, term, c.remote, failed)
	if err != nil || s == nil {
		if err != nil {
			c.srv.log().Debug("telnet login ended", "remote", c.remote.String(), "err", err)
		}
		return
	}
	defer s.Close()
	c.srv.loggedIn(c)
	c.srv.log().Info("telnet login", "user", s.User(), "remote", c.remote.String())
	in.done = s.Done()
	in.idle = s.IdleTimeout
	in.onIdle = s.Timeout
	term.sess = s
	io.WriteString(term, s.Banner())
	term.run()
}

// read copies the connection's data to out in chunks, answering the
// client's negotiation, until the connection fails or quit is closed; then
// it closes out. It is the only reader of the connection.
func (c *conn) read(out chan<- []byte, quit <-chan struct{}, intr *interrupter) {
	defer close(out)
	var ps Parser
	buf := make([]byte, readSize)
	for {
		n, err := c.Conn.Read(buf)
		if n > 0 {
			data, events := ps.Parse(buf[:n], nil)
			for _, ev := range events {
				switch ev.Cmd {
				case cmdIP:
					data = append(data, keyCtrlC) // Interrupt Process is Ctrl+C
				case cmdAYT:
					c.send(Escape(nil, []byte("\r\n[Yes]\r\n")))
				default:
					if r := c.neg.Handle(ev); r != nil {
						c.send(r)
					}
				}
			}
			if len(data) > 0 {
				intr.see(data)
				select {
				case out <- data:
				case <-quit:
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// terminal is the vrp.Terminal of a Telnet session: the tty line
// discipline, plus the interrupt of a running command (vrp.Interrupter).
type terminal struct {
	*tty.Terminal
	intr *interrupter
	sess *vrp.Session
}

// Interrupt reports Ctrl+C or Ctrl+K typed while a command runs.
func (t *terminal) Interrupt() <-chan struct{} { return t.intr.ch }

// run reads and executes commands until the session ends.
func (t *terminal) run() {
	for {
		line, end, err := t.ReadCommand(t.sess.Prompt(), t.sess)
		if err != nil {
			return
		}
		switch end {
		case tty.Cancel:
			continue
		case tty.CtrlZ:
			t.sess.CtrlZ()
			continue
		}
		t.intr.start()
		exit := t.sess.Execute(line)
		t.intr.stop()
		if exit {
			return
		}
	}
}

// interrupter reports Ctrl+C and Ctrl+K typed while a command runs.
type interrupter struct {
	running atomic.Bool
	ch      chan struct{}
}

func (i *interrupter) see(data []byte) {
	if !i.running.Load() {
		return
	}
	if bytes.IndexByte(data, keyCtrlC) >= 0 || bytes.IndexByte(data, keyCtrlK) >= 0 {
		select {
		case i.ch <- struct{}{}:
		default:
		}
	}
}

func (i *interrupter) start() {
	select {
	case <-i.ch:
	default:
	}
	i.running.Store(true)
}

func (i *interrupter) stop() { i.running.Store(false) }

// input is the session's side of the reader: a byte stream with an idle
// timer, read by the line discipline from the session's goroutine.
type input struct {
	chunks <-chan []byte
	done   <-chan struct{} // the session ended; nil before login
	idle   func() time.Duration
	onIdle func()

	pending []byte
	err     error
}

func (in *input) Read(p []byte) (int, error) {
	for len(in.pending) == 0 {
		if in.err != nil {
			return 0, in.err
		}
		var expired <-chan time.Time
		if in.idle != nil {
			if d := in.idle(); d > 0 {
				t := time.NewTimer(d)
				defer t.Stop()
				expired = t.C
			}
		}
		select {
		case chunk, ok := <-in.chunks:
			if !ok {
				in.err = io.EOF
				continue
			}
			in.pending = chunk
		case <-in.done:
			in.err = io.EOF
		case <-expired:
			in.err = errIdle
			if in.onIdle != nil {
				in.onIdle()
			}
		}
	}
	n := copy(p, in.pending)
	in.pending = in.pending[n:]
	return n, nil
}
