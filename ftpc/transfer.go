package ftpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Transfer describes a data transfer that completed.
type Transfer struct {
	// Bytes is the number of bytes that crossed the data connection: what
	// the device reports in "FTP: N byte(s) received ...". In ASCII mode it
	// counts the CRLF line ends of the wire, not the local LF ones.
	Bytes int64
	// Elapsed runs from sending the transfer command (RETR, STOR, ...) to
	// reading its final reply.
	Elapsed time.Duration
	// Reply is the final reply, e.g. "226 Transfer complete.".
	Reply Reply
}

// copyBufferSize is the buffer of one data transfer.
const copyBufferSize = 128 << 10

// Retr downloads remote into w (RETR). With offset > 0 it first sends
// REST offset, to resume a download. In ASCII mode the CRLF line ends of the
// wire are written to w as LF.
func (c *Conn) Retr(ctx context.Context, remote string, w io.Writer, offset int64) (Transfer, error) {
	return c.transfer(ctx, "RETR "+remote, offset, c.typ == ASCII, w, nil)
}

// Stor uploads r as remote (STOR). In ASCII mode every bare LF is sent as
// CRLF (a CRLF already in r is sent unchanged).
func (c *Conn) Stor(ctx context.Context, remote string, r io.Reader) (Transfer, error) {
	return c.transfer(ctx, "STOR "+remote, 0, c.typ == ASCII, nil, r)
}

// Append uploads r to the end of remote (APPE), converting as Stor does.
func (c *Conn) Append(ctx context.Context, remote string, r io.Reader) (Transfer, error) {
	return c.transfer(ctx, "APPE "+remote, 0, c.typ == ASCII, nil, r)
}

// List writes the long listing of dir (LIST; the current directory if dir
// is empty) to w, with LF line ends whatever the transfer type.
func (c *Conn) List(ctx context.Context, dir string, w io.Writer) (Transfer, error) {
	return c.transfer(ctx, withArg("LIST", dir), 0, true, w, nil)
}

// NameList writes the names in dir (NLST; the current directory if dir is
// empty) to w, one a line, with LF line ends.
func (c *Conn) NameList(ctx context.Context, dir string, w io.Writer) (Transfer, error) {
	return c.transfer(ctx, withArg("NLST", dir), 0, true, w, nil)
}

func withArg(verb, arg string) string {
	if arg == "" {
		return verb
	}
	return verb + " " + arg
}

// transfer runs one data transfer: open the data connection (passive or
// active), send REST and the command, copy the data, read the final reply.
// Exactly one of w (download) and r (upload) is set.
func (c *Conn) transfer(ctx context.Context, line string, offset int64, ascii bool, w io.Writer, r io.Reader) (Transfer, error) {
	verb := commandName(line)
	if c.broken != nil {
		return Transfer{}, c.broken
	}
	if strings.ContainsAny(line, "\r\n") {
		return Transfer{}, fmt.Errorf("ftp: %s: %w", verb, ErrLineBreak)
	}
	if err := c.drain(ctx); err != nil {
		return Transfer{}, err
	}
	var (
		data net.Conn
		ln   *net.TCPListener
		err  error
	)
	if c.passive {
		data, err = c.openPassive(ctx)
	} else {
		ln, err = c.openActive(ctx)
	}
	if err != nil {
		return Transfer{}, err
	}
	defer func() {
		if ln != nil {
			ln.Close()
		}
		if data != nil {
			data.Close()
		}
	}()
	if offset > 0 {
		if _, err := c.cmd(ctx, "REST "+strconv.FormatInt(offset, 10), 350); err != nil {
			return Transfer{}, err
		}
	}

	start := time.Now()
	if err := c.send(ctx, line, line); err != nil {
		return Transfer{}, err
	}
	first, err := c.readReply(ctx)
	if err != nil {
		if c.broken == nil {
			c.pending++
		}
		return Transfer{}, fmt.Errorf("ftp: %s: %w", verb, err)
	}
	switch first.Class() {
	case 1:
	case 2:
		// Done without a data transfer: nothing was sent.
		return Transfer{Elapsed: time.Since(start), Reply: first}, nil
	default:
		return Transfer{Reply: first}, &ReplyError{Command: line, Reply: first}
	}

	tr := Transfer{}
	if ln != nil {
		data, err = c.accept(ctx, ln)
		ln.Close()
		ln = nil
		if err != nil {
			return c.abort(verb, tr, nil, err)
		}
	}

	dc := &dataConn{Conn: data, ctx: ctx, timeout: c.replyTimeout}
	stop := afterCancel(ctx, func() { data.SetDeadline(time.Unix(1, 0)) })
	var copyErr error
	buf := make([]byte, copyBufferSize)
	if w != nil {
		if ascii {
			conv := &crlfToLF{w: w}
			_, copyErr = io.CopyBuffer(conv, readerOnly{dc}, buf)
			if copyErr == nil {
				copyErr = conv.flush()
			}
		} else {
			_, copyErr = io.CopyBuffer(writerOnly{w}, readerOnly{dc}, buf)
		}
	} else {
		src := r
		if ascii {
			src = &lfToCRLF{r: r}
		}
		_, copyErr = io.CopyBuffer(writerOnly{dc}, readerOnly{src}, buf)
	}
	stop()
	tr.Bytes = dc.n
	if copyErr != nil || ctx.Err() != nil {
		if copyErr == nil || ctx.Err() != nil {
			copyErr = ctx.Err()
		} else if dc.timedOut {
			copyErr = fmt.Errorf("no progress on the data connection within %v: %w", c.replyTimeout, copyErr)
		}
		return c.abort(verb, tr, data, copyErr)
	}
	if err := data.Close(); err != nil && r != nil {
		return c.abort(verb, tr, nil, err)
	}
	data = nil

	final, err := c.readReply(ctx)
	if err != nil {
		if c.broken == nil {
			c.pending++
		}
		return tr, fmt.Errorf("ftp: %s: waiting for the end of the transfer: %w", verb, err)
	}
	for final.Class() == 1 {
		if final, err = c.readReply(ctx); err != nil {
			if c.broken == nil {
				c.pending++
			}
			return tr, fmt.Errorf("ftp: %s: waiting for the end of the transfer: %w", verb, err)
		}
	}
	tr.Elapsed = time.Since(start)
	tr.Reply = final
	if final.Class() != 2 {
		return tr, &ReplyError{Command: line, Reply: final}
	}
	return tr, nil
}

// abort ends a transfer that is in progress (the server sent its 1xx reply)
// because of cause: it sends ABOR, closes the data connection (if any), then
// reads the replies. Servers differ in what they send:
//
//   - the transfer's failure (426, 451) and then ABOR's reply (225 or 226):
//     RFC 959's sequence, and vsftpd's, which notices the closed data
//     connection first;
//   - 225 alone, when the server dropped the transfer before it began
//     (pyftpdlib);
//   - 226 for the transfer, which had ended, and then ABOR's reply; or 226
//     alone as ABOR's reply.
//
// The last case cannot be told apart by codes, so after a 226 the client
// sends NOOP and reads up to its reply (200, or 500/502 from a server without
// NOOP). The connection stays usable unless the control connection failed.
func (c *Conn) abort(verb string, tr Transfer, data net.Conn, cause error) (Transfer, error) {
	// The caller's context may be done; the replies are read within the
	// reply timeout only.
	ctx := context.Background()
	sendErr := c.send(ctx, "ABOR", "ABOR")
	if data != nil {
		data.Close()
	}
	if sendErr != nil {
		return tr, fmt.Errorf("ftp: %s: %w (and ABOR failed: %w)", verb, cause, sendErr)
	}
	failed := func(err error) (Transfer, error) {
		return tr, fmt.Errorf("ftp: %s: %w (and reading the replies to ABOR failed: %w)", verb, cause, err)
	}
	next := func() (Reply, error) {
		for {
			r, err := c.readReply(ctx)
			if err != nil || r.Class() != 1 {
				return r, err
			}
		}
	}
	r, err := next()
	if err != nil {
		if c.broken == nil {
			c.pending += 2
		}
		return failed(err)
	}
	tr.Reply = r
	switch {
	case r.Code == 225:
	case r.Class() >= 3:
		if r, err = next(); err != nil {
			if c.broken == nil {
				c.pending++
			}
			return failed(err)
		}
		tr.Reply = r
	default:
		if err := c.send(ctx, "NOOP", "NOOP"); err != nil {
			return failed(err)
		}
		for {
			if r, err = next(); err != nil {
				if c.broken == nil {
					c.pending++
				}
				return failed(err)
			}
			if r.Code == 200 || r.Code == 202 || r.Code == 500 || r.Code == 502 {
				break
			}
			tr.Reply = r
		}
	}
	return tr, fmt.Errorf("ftp: %s aborted: %w", verb, cause)
}

// isNotUnderstood reports whether err is a 500 or 502 reply (command not
// understood or not implemented).
func isNotUnderstood(err error) bool {
	var re *ReplyError
	return errors.As(err, &re) && (re.Reply.Code == 500 || re.Reply.Code == 502)
}

// dataIP is the local IP of the control connection: data connections leave
// from (passive) or are accepted on (active) the same address.
func (c *Conn) dataIP() *net.TCPAddr {
	la, _ := c.conn.LocalAddr().(*net.TCPAddr)
	if la == nil {
		return &net.TCPAddr{}
	}
	return &net.TCPAddr{IP: la.IP, Zone: la.Zone}
}

// openPassive sends PASV (or EPSV) and connects to the port announced. The
// connection goes to the control connection's remote IP whatever address a
// 227 reply names: this is what a client behind NAT needs, and it keeps a
// server from pointing the client at a third host.
func (c *Conn) openPassive(ctx context.Context) (net.Conn, error) {
	ra, _ := c.conn.RemoteAddr().(*net.TCPAddr)
	if ra == nil {
		return nil, errors.New("ftp: passive mode needs a TCP control connection")
	}
	port := 0
	if !c.extended {
		r, err := c.cmd(ctx, "PASV", 227)
		switch {
		case err == nil:
			addr, perr := parsePASV(r.Message())
			if perr != nil {
				return nil, fmt.Errorf("ftp: PASV: %w", perr)
			}
			port = addr.Port
		case isNotUnderstood(err):
			c.extended = true
		default:
			return nil, err
		}
	}
	if c.extended {
		r, err := c.cmd(ctx, "EPSV", 229)
		if err != nil {
			return nil, err
		}
		if port, err = parseEPSV(r.Message()); err != nil {
			return nil, fmt.Errorf("ftp: EPSV: %w", err)
		}
	}
	d := net.Dialer{Timeout: c.dialTimeout, LocalAddr: c.dataIP()}
	addr := net.JoinHostPort(ra.IP.String(), strconv.Itoa(port))
	if ra.Zone != "" {
		addr = net.JoinHostPort(ra.IP.String()+"%"+ra.Zone, strconv.Itoa(port))
	}
	data, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		to, _ := net.ResolveTCPAddr("tcp", addr)
		c.traceData(true, c.dataIP(), to, err)
		return nil, fmt.Errorf("ftp: opening passive data connection: %w", err)
	}
	c.traceData(true, data.LocalAddr(), data.RemoteAddr(), nil)
	return data, nil
}

// openActive listens on the control connection's local address and
// announces the listener with PORT (or EPRT).
func (c *Conn) openActive(ctx context.Context) (*net.TCPListener, error) {
	ln, err := net.ListenTCP("tcp", c.dataIP())
	if err != nil {
		return nil, fmt.Errorf("ftp: listening for the data connection: %w", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	if !c.extended {
		arg, err := portArgument(addr)
		if err != nil {
			ln.Close()
			return nil, err
		}
		_, err = c.cmd(ctx, "PORT "+arg, 2)
		switch {
		case err == nil:
			return ln, nil
		case isNotUnderstood(err):
			c.extended = true
		default:
			ln.Close()
			return nil, err
		}
	}
	if _, err := c.cmd(ctx, "EPRT "+eprtArgument(addr), 2); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// accept waits for the server's data connection, accepting only one from the
// server's own IP address (anything else is closed at once).
func (c *Conn) accept(ctx context.Context, ln *net.TCPListener) (net.Conn, error) {
	ra, _ := c.conn.RemoteAddr().(*net.TCPAddr)
	ln.SetDeadline(time.Now().Add(c.replyTimeout))
	stop := afterCancel(ctx, func() { ln.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		data, err := ln.AcceptTCP()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			c.traceData(false, nil, ln.Addr(), err)
			return nil, fmt.Errorf("waiting for the server's data connection: %w", err)
		}
		from, _ := data.RemoteAddr().(*net.TCPAddr)
		if ra != nil && from != nil && from.IP.Equal(ra.IP) {
			c.traceData(false, data.RemoteAddr(), data.LocalAddr(), nil)
			return data, nil
		}
		data.Close()
	}
}

// dataConn wraps a data connection: it counts bytes and limits the time
// without progress to timeout.
type dataConn struct {
	net.Conn
	ctx      context.Context
	timeout  time.Duration
	deadline time.Time // deadline last set
	n        int64
	timedOut bool
}

// extend pushes the deadline forward, at most every timeout/8 (a deadline
// per call would cost a timer update per read).
func (d *dataConn) extend() error {
	now := time.Now()
	if d.deadline.Sub(now) < d.timeout-d.timeout/8 {
		d.deadline = now.Add(d.timeout)
		d.Conn.SetDeadline(d.deadline)
	}
	// Checked after setting the deadline: a cancellation that set a past
	// deadline before ours is seen here, one after it interrupts the call.
	return d.ctx.Err()
}

func (d *dataConn) Read(p []byte) (int, error) {
	if err := d.extend(); err != nil {
		return 0, err
	}
	n, err := d.Conn.Read(p)
	d.n += int64(n)
	d.noteTimeout(err)
	return n, err
}

func (d *dataConn) Write(p []byte) (int, error) {
	if err := d.extend(); err != nil {
		return 0, err
	}
	n, err := d.Conn.Write(p)
	d.n += int64(n)
	d.noteTimeout(err)
	return n, err
}

func (d *dataConn) noteTimeout(err error) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		d.timedOut = true
	}
}

// readerOnly and writerOnly hide ReadFrom/WriteTo so io.CopyBuffer uses the
// large buffer given (io.Discard's and os.File's ReadFrom would read 8 or 32
// KiB at a time from a wrapped connection, at a third of the speed) and every
// byte passes through dataConn's counting.
type readerOnly struct{ io.Reader }
type writerOnly struct{ io.Writer }

// crlfToLF writes to w what it is given with every CRLF turned into LF. A CR
// not followed by LF is kept. Call flush at the end.
type crlfToLF struct {
	w   io.Writer
	cr  bool // the last byte seen was a CR, not yet written
	out []byte
}

func (t *crlfToLF) Write(p []byte) (int, error) {
	out := t.out[:0]
	rest := p
	if t.cr && len(rest) > 0 {
		if rest[0] != '\n' {
			out = append(out, '\r')
		}
		t.cr = false
	}
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\r')
		if i < 0 {
			out = append(out, rest...)
			break
		}
		out = append(out, rest[:i]...)
		if i+1 == len(rest) {
			t.cr = true
			break
		}
		if rest[i+1] != '\n' {
			out = append(out, '\r')
		}
		rest = rest[i+1:]
	}
	t.out = out
	if len(out) > 0 {
		if _, err := t.w.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (t *crlfToLF) flush() error {
	if !t.cr {
		return nil
	}
	t.cr = false
	_, err := t.w.Write([]byte{'\r'})
	return err
}

// lfToCRLF reads from r with every LF not preceded by CR turned into CRLF.
type lfToCRLF struct {
	r      io.Reader
	in     []byte
	out    []byte
	buf    []byte
	prevCR bool
	err    error
}

func (t *lfToCRLF) Read(p []byte) (int, error) {
	for len(t.out) == 0 {
		if t.err != nil {
			return 0, t.err
		}
		if t.in == nil {
			t.in = make([]byte, 32<<10)
			t.buf = make([]byte, 0, 64<<10)
		}
		n, err := t.r.Read(t.in)
		t.err = err
		chunk := t.in[:n]
		out := t.buf[:0]
		for len(chunk) > 0 {
			i := bytes.IndexByte(chunk, '\n')
			if i < 0 {
				out = append(out, chunk...)
				t.prevCR = chunk[len(chunk)-1] == '\r'
				break
			}
			out = append(out, chunk[:i]...)
			before := t.prevCR
			if i > 0 {
				before = chunk[i-1] == '\r'
			}
			if !before {
				out = append(out, '\r')
			}
			out = append(out, '\n')
			t.prevCR = false
			chunk = chunk[i+1:]
		}
		t.out = out
	}
	n := copy(p, t.out)
	t.out = t.out[n:]
	return n, nil
}
