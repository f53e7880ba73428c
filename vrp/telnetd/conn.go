package telnetd

import (
	"context"
	"io"
	"net/netip"
	"sync"
	"time"

	"github.com/vrpsim/vrpsim/vrp/internal/frontend"
)

// readSize is the most read from the connection at once.
const readSize = 1024

// keyCtrlC is what Interrupt Process (IP) stands for in the data.
const keyCtrlC = 0x03

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
	intr := frontend.NewInterrupter()
	go c.read(chunks, quit, intr)
	term := frontend.NewTerminal(&frontend.Input{Chunks: chunks}, dataWriter{c}, intr)
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
	term.Attach(s)
	io.WriteString(term, s.Banner())
	term.Run()
}

// read copies the connection's data to out in chunks, answering the
// client's negotiation, until the connection fails or quit is closed; then
// it closes out. It is the only reader of the connection.
func (c *conn) read(out chan<- []byte, quit <-chan struct{}, intr *frontend.Interrupter) {
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
				intr.See(data)
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
