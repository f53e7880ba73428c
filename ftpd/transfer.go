package ftpd

// The transfer engine: a RETR, STOR or listing runs as a transfer (session ->
// verb -> transfer -> data connection -> sendFile/receiveFile), while the
// control connection still hears ABOR, STAT, NOOP and QUIT.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/vrpsim/vrpsim/flash"
)

// transfer is a data transfer running in its own goroutine, so that ABOR and
// STAT are heard while it runs.
type transfer struct {
	run    func(ctx context.Context, t *transfer) (code int, text string)
	ctx    context.Context
	cancel context.CancelFunc
	bytes  atomic.Int64
	done   chan struct{}
	code   int
	text   string
}

// runTransfer runs t, answering ABOR, STAT, NOOP and QUIT while it runs. Any
// other command waits for the end of the transfer and is returned as pending.
func (s *session) runTransfer(t *transfer, lines <-chan line) (quit bool, pending []line) {
	t.ctx, t.cancel = context.WithCancel(s.ctx)
	t.done = make(chan struct{})
	defer t.cancel()
	s.srv.wg.Add(1)
	go func() {
		defer s.srv.wg.Done()
		defer close(t.done)
		t.code, t.text = t.run(t.ctx, t)
	}()
	for {
		select {
		case <-t.done:
			s.closeData()
			s.touch() // the idle time starts at the end of a transfer
			s.reply(t.code, t.text)
			return false, nil
		case l, ok := <-lines:
			if !ok {
				t.cancel()
				<-t.done
				return true, nil
			}
			s.touch()
			name, _, _ := parseCommand(l.text)
			switch {
			case l.err != nil:
				s.replyLineError(l.err)
			case name == "ABOR" || name == "QUIT":
				t.cancel()
				<-t.done
				s.closeData()
				if t.code == 226 {
					// It finished before the abort took effect.
					s.reply(t.code, t.text)
					if name == "ABOR" {
						s.reply(226, "Abort successful.")
					}
				} else {
					s.reply(426, "Connection closed; transfer aborted.")
					if name == "ABOR" {
						s.reply(226, "Abort successful.")
					}
				}
				if name == "QUIT" {
					s.reply(221, "Server closing.")
					return true, nil
				}
				return false, nil
			case name == "STAT":
				s.replyLines(213, "Status of transfer:",
					fmt.Sprintf("%d bytes transferred.", t.bytes.Load()),
					"End of status.")
			case name == "NOOP":
				s.reply(200, "NOOP command successful.")
			default:
				// Wait for the transfer, then run the command.
				select {
				case <-t.done:
				case <-s.ctx.Done():
					t.cancel()
					<-t.done
					return true, nil
				}
				s.closeData()
				s.reply(t.code, t.text)
				return false, []line{l}
			}
		case <-s.ctx.Done():
			t.cancel()
			<-t.done
			return true, nil
		}
	}
}

// deadlineConn extends a deadline before every read or write, so that only a
// stalled data connection times out.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c deadlineConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(p)
}

func (c deadlineConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(p)
}

// countingWriter counts bytes written through it.
type countingWriter struct {
	w io.Writer
	n interface{ Add(int64) int64 }
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// transferBuffer is the copy buffer size of a transfer.
const transferBuffer = 256 << 10

func (s *session) typeName() string {
	if s.typ == 'I' {
		return "BINARY"
	}
	return "ASCII"
}

// startData opens the data connection of a transfer and sends the 150 reply. On
// failure it returns the final reply.
func (s *session) startData(ctx context.Context, opening string) (*net.TCPConn, int, string) {
	c, err := s.openData(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 426, "Connection closed; transfer aborted."
		}
		return nil, 425, "Can't open data connection."
	}
	context.AfterFunc(ctx, func() { c.Close() })
	s.reply(150, opening)
	return c, 0, ""
}

// sendFile copies f to c. A large file of the disk backend goes out with a
// blocking sendfile (sendFileBlocking); anything else in chunks through the
// runtime's poller (still sendfile for an *os.File), each under a write
// deadline, sized by a pacer. After a chunk that ran out of time with the
// peer still reading, f is put back at the first byte not sent (a copy
// through a buffer may have read more than it wrote) and the copy goes on.
func sendFile(ctx context.Context, c *net.TCPConn, f io.ReadSeeker, timeout time.Duration, count interface{ Add(int64) int64 }) (int64, error) {
	if osf, ok := f.(*os.File); ok {
		n, handled, err := sendFileBlocking(ctx, c, osf, timeout, count)
		if handled {
			return n, err
		}
	}
	start, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, fmt.Errorf("send: %w", err)
	}
	pace := newSendPacer(timeout)
	var total int64
	for {
		chunk, deadline := pace.next()
		c.SetWriteDeadline(deadline)
		n, err := io.CopyN(c, f, chunk)
		pace.done()
		total += n
		count.Add(n)
		switch {
		case err == io.EOF:
			return total, nil
		case movedInTime(n, err):
			if _, err := f.Seek(start+total, io.SeekStart); err != nil {
				return total, fmt.Errorf("send: %w", err)
			}
		case err != nil:
			return total, err
		}
	}
}

// receiveFile copies an upload from c into rf in chunks, each under a read
// deadline and sized by a pacer, counting the bytes in u. A chunk reaches rf
// as one io.LimitedReader over the connection, so that the disk backend can
// splice.
func receiveFile(c net.Conn, rf io.ReaderFrom, u *uploadWriter, timeout time.Duration) error {
	pace := newReceivePacer(timeout)
	for {
		chunk, deadline := pace.next()
		c.SetReadDeadline(deadline)
		n, err := rf.ReadFrom(&io.LimitedReader{R: c, N: chunk})
		pace.done()
		u.n += n
		u.count.Add(n)
		switch {
		case movedInTime(n, err):
		case errors.Is(err, flash.ErrNoSpace):
			u.err = err // the flash's fault, not the connection's
			return err
		case err != nil:
			return err
		case n < chunk:
			return nil
		}
	}
}

// movedInTime reports whether a chunk ran out of time (err) while the peer
// was still moving bytes (n > 0): a peer that slowed down suddenly, not a
// stalled one, so the copy goes on with a new deadline (and, by the pacer, a
// smaller chunk). A stalled peer thus ends a transfer within two timeouts.
func movedInTime(n int64, err error) bool {
	return n > 0 && errors.Is(err, os.ErrDeadlineExceeded)
}

// uploadWriter counts the bytes written to a flash file and remembers a write
// error, to tell a full flash (552) from a broken connection (426).
type uploadWriter struct {
	w     io.Writer
	count interface{ Add(int64) int64 }
	n     int64
	err   error
}

func (u *uploadWriter) Write(p []byte) (int, error) {
	n, err := u.w.Write(p)
	u.n += int64(n)
	u.count.Add(int64(n))
	if err != nil {
		u.err = err
	}
	return n, err
}

// readerOnly hides other methods (WriteTo) so that io.CopyBuffer uses the buffer.
type readerOnly struct{ io.Reader }
