// Package ftpc is an FTP client engine (RFC 959, RFC 2428): the control
// connection, PORT/EPRT and PASV/EPSV data connections, ASCII and binary
// transfers, and abort.
//
// It is built for a client view that prints the whole dialogue, as the FTP
// client of a Huawei VRP device does: every reply line reaches [Trace.Reply] as
// soon as it arrives (all lines of a multi-line reply, verbatim), and every
// command sent reaches [Trace.Command] (the argument of PASS masked). Methods
// also return the final [Reply], and a reply of the wrong class comes back as a
// [*ReplyError] that carries it.
//
// A [Conn] is not safe for concurrent use; cancel a running operation through
// its context. Every wait has a limit ([Options.ReplyTimeout]), so a server
// that stops answering or vanishes yields an error, never a hang. A cancelled
// transfer sends ABOR and reads the replies, and the connection stays usable.
package ftpc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Default limits used when the corresponding Options field is zero.
const (
	DefaultConnectTimeout = 30 * time.Second
	DefaultReplyTimeout   = 60 * time.Second
)

// Trace receives the dialogue on the control connection as it happens. Any
// field may be nil. The functions are called from the goroutine that called
// the Conn method.
type Trace struct {
	// Connected is called once the control connection is established,
	// before the server's greeting is read (the device prints
	// "Connected to HOST." there).
	Connected func(local, remote net.Addr)
	// Command is called with each command line sent, without CRLF, e.g.
	// "PORT 127,0,1,1,8,86". PASS is reported as "PASS ******".
	Command func(line string)
	// Reply is called with each reply line as it is received, without its
	// line terminator, verbatim (every line of a multi-line reply).
	Reply func(line string)
	// Data is called when a data connection has been opened, or could not
	// be.
	Data func(DataTrace)
}

// DataTrace describes a data connection for Trace.Data.
type DataTrace struct {
	// Passive: the client opened it (PASV/EPSV); else the server did
	// (PORT/EPRT) and the client accepted it.
	Passive bool
	// From is the opener's address (nil when no connection came), To the
	// listener's.
	From, To net.Addr
	// Err is why it could not be opened; nil when it was.
	Err error
}

func (c *Conn) traceData(passive bool, from, to net.Addr, err error) {
	if c.trace.Data != nil {
		c.trace.Data(DataTrace{Passive: passive, From: from, To: to, Err: err})
	}
}

// Options configure Dial.
type Options struct {
	// LocalAddr is the source IP address of the control connection (the
	// device's own address, `ftp -a SOURCE-IP`). Data connections use the
	// control connection's local address too, in both modes. Empty: chosen
	// by the system.
	LocalAddr string
	// ConnectTimeout limits establishing the control connection and every
	// data connection. Zero means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// ReplyTimeout limits the wait for each reply and, on data connections,
	// the time without progress. Zero means DefaultReplyTimeout.
	ReplyTimeout time.Duration
	// Trace, if set, receives the dialogue.
	Trace *Trace
}

// ReplyError reports a reply whose class is not the one the command expects
// (e.g. 550 to RETR, 530 to PASS).
type ReplyError struct {
	Command string // the command sent, PASS masked
	Reply   Reply
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("ftp: %s: %s", e.Command, e.Reply.String())
}

// ErrClosed is returned by methods of a Conn that was closed, or whose control
// connection failed.
var ErrClosed = errors.New("ftp: connection closed")

// ErrLineBreak is returned for a command or argument that contains CR or LF.
var ErrLineBreak = errors.New("CR or LF in a command")

// TransferType is the representation type of data transfers (TYPE).
type TransferType int

// The transfer types. ASCII is the default of FTP and of the device's client.
const (
	ASCII  TransferType = iota // TYPE A: line ends converted to CRLF on the wire
	Binary                     // TYPE I: bytes unchanged
)

func (t TransferType) String() string {
	if t == Binary {
		return "binary"
	}
	return "ASCII"
}

// Conn is a client connection to an FTP server.
type Conn struct {
	conn         net.Conn
	opts         Options
	replies      replyReader
	trace        Trace
	greeting     Reply
	typ          TransferType
	passive      bool
	extended     bool // use EPSV/EPRT (IPv6, or the server refused PASV/PORT)
	pending      int  // replies still owed by the server (after a cancelled wait)
	broken       error
	replyTimeout time.Duration
	dialTimeout  time.Duration
}

// Dial connects to the FTP server at addr ("host:port"), reads its greeting
// (a 120 reply is followed by the 220) and returns the connection, not yet
// logged in. The greeting's lines reach the Trace as they arrive and are kept
// in Greeting. A greeting other than 220 (e.g. 421 too many users) is returned
// as a *ReplyError, with the connection closed.
func Dial(ctx context.Context, addr string, opts Options) (*Conn, error) {
	c := &Conn{opts: opts, typ: ASCII}
	if opts.Trace != nil {
		c.trace = *opts.Trace
	}
	c.dialTimeout = opts.ConnectTimeout
	if c.dialTimeout <= 0 {
		c.dialTimeout = DefaultConnectTimeout
	}
	c.replyTimeout = opts.ReplyTimeout
	if c.replyTimeout <= 0 {
		c.replyTimeout = DefaultReplyTimeout
	}
	d := net.Dialer{Timeout: c.dialTimeout}
	if opts.LocalAddr != "" {
		ip := net.ParseIP(opts.LocalAddr)
		if ip == nil {
			return nil, fmt.Errorf("ftp: invalid source address %q", opts.LocalAddr)
		}
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ftp: connecting to %s: %w", addr, err)
	}
	c.conn = conn
	c.replies = replyReader{br: bufio.NewReaderSize(conn, 4096), onLine: c.trace.Reply}
	if ra, ok := conn.RemoteAddr().(*net.TCPAddr); ok && ra.IP.To4() == nil {
		c.extended = true
	}
	if c.trace.Connected != nil {
		c.trace.Connected(conn.LocalAddr(), conn.RemoteAddr())
	}
	for {
		r, err := c.readReply(ctx)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("ftp: reading greeting from %s: %w", addr, err)
		}
		if r.Code == 120 {
			continue
		}
		c.greeting = r
		if r.Code != 220 {
			conn.Close()
			return nil, &ReplyError{Command: "(greeting)", Reply: r}
		}
		return c, nil
	}
}

// Greeting returns the server's 220 reply.
func (c *Conn) Greeting() Reply { return c.greeting }

// LocalAddr returns the local address of the control connection.
func (c *Conn) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// RemoteAddr returns the server's address.
func (c *Conn) RemoteAddr() net.Addr { return c.conn.RemoteAddr() }

// Type returns the current transfer type (ASCII until SetType changes it).
func (c *Conn) Type() TransferType { return c.typ }

// Passive reports whether data connections are passive (PASV/EPSV). The
// default is active (PORT/EPRT), like the device.
func (c *Conn) Passive() bool { return c.passive }

// SetPassive selects passive (true) or active (false) data connections. It
// sends nothing.
func (c *Conn) SetPassive(on bool) { c.passive = on }

// Extended reports whether EPSV/EPRT are used instead of PASV/PORT: always
// over IPv6, and over IPv4 after the server refused PASV or PORT with 500/502.
func (c *Conn) Extended() bool { return c.extended }

// SetExtended forces EPSV/EPRT (true) or PASV/PORT (false; ignored over IPv6).
func (c *Conn) SetExtended(on bool) {
	if ra, ok := c.conn.RemoteAddr().(*net.TCPAddr); ok && ra.IP.To4() == nil {
		on = true
	}
	c.extended = on
}

// Close closes the connection without QUIT.
func (c *Conn) Close() error {
	if c.broken == nil {
		c.broken = ErrClosed
	}
	return c.conn.Close()
}

// send writes one command line. masked is what the trace and errors show.
func (c *Conn) send(ctx context.Context, line, masked string) error {
	if c.broken != nil {
		return c.broken
	}
	if strings.ContainsAny(line, "\r\n") {
		// A name with a line break would smuggle a second command in.
		return fmt.Errorf("ftp: %s: %w", commandName(masked), ErrLineBreak)
	}
	if err := c.drain(ctx); err != nil {
		return err
	}
	if c.trace.Command != nil {
		c.trace.Command(masked)
	}
	c.conn.SetWriteDeadline(time.Now().Add(c.replyTimeout))
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		c.fail(err)
		return fmt.Errorf("ftp: sending %s: %w", commandName(masked), err)
	}
	return nil
}

// fail marks the control connection unusable.
func (c *Conn) fail(err error) {
	if c.broken == nil {
		c.broken = fmt.Errorf("%w: %w", ErrClosed, err)
		c.conn.Close()
	}
}

// drain reads the replies owed by the server after an earlier wait was
// cancelled or timed out, so that the next reply read answers the next command.
func (c *Conn) drain(ctx context.Context) error {
	for c.pending > 0 {
		r, err := c.readReply(ctx)
		if err != nil {
			return fmt.Errorf("ftp: waiting for an earlier reply: %w", err)
		}
		if r.Class() != 1 {
			c.pending--
		}
	}
	return nil
}

// readReply reads one reply within the reply timeout, giving up early when ctx
// is done. A cancelled or timed-out wait leaves the connection consistent: the
// reader resumes on the next call. Any other failure breaks the connection.
func (c *Conn) readReply(ctx context.Context) (Reply, error) {
	if c.broken != nil {
		return Reply{}, c.broken
	}
	c.conn.SetReadDeadline(time.Now().Add(c.replyTimeout))
	stop := afterCancel(ctx, func() { c.conn.SetReadDeadline(time.Unix(1, 0)) })
	r, err := c.replies.read()
	stop()
	if err == nil {
		return r, nil
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		if ctx.Err() != nil {
			return Reply{}, ctx.Err()
		}
		return Reply{}, fmt.Errorf("no reply within %v: %w", c.replyTimeout, err)
	}
	c.fail(err)
	return Reply{}, err
}

// afterCancel arranges for f to run when ctx is done. The stop function it
// returns cancels that, or, if f has started, waits until f has returned: a
// deadline set by f then cannot land on a later operation.
func afterCancel(ctx context.Context, f func()) (stop func()) {
	done := make(chan struct{})
	stopFunc := context.AfterFunc(ctx, func() {
		defer close(done)
		f()
	})
	return func() {
		if !stopFunc() {
			<-done
		}
	}
}

// commandName is the verb of a command line, for error messages.
func commandName(line string) string {
	if i := strings.IndexByte(line, ' '); i >= 0 {
		return line[:i]
	}
	return line
}

// cmd sends a command and reads its reply, skipping preliminary (1xx)
// replies. A reply whose class is not in want is returned with a *ReplyError.
// If the wait is cancelled or times out, the reply is still owed and is read
// before the next command.
func (c *Conn) cmd(ctx context.Context, line string, want ...int) (Reply, error) {
	return c.cmdMasked(ctx, line, line, want...)
}

func (c *Conn) cmdMasked(ctx context.Context, line, masked string, want ...int) (Reply, error) {
	if err := c.send(ctx, line, masked); err != nil {
		return Reply{}, err
	}
	for {
		r, err := c.readReply(ctx)
		if err != nil {
			if c.broken == nil {
				c.pending++
			}
			return Reply{}, fmt.Errorf("ftp: %s: %w", commandName(masked), err)
		}
		if r.Class() == 1 {
			continue
		}
		return r, check(masked, r, want)
	}
}

func check(masked string, r Reply, want []int) error {
	for _, w := range want {
		if (w < 10 && r.Class() == w) || r.Code == w {
			return nil
		}
	}
	return &ReplyError{Command: masked, Reply: r}
}

// Quote sends an arbitrary command line and returns the server's final reply
// (preliminary 1xx replies are read and traced). Any reply class is accepted:
// the error is non-nil only if the exchange itself failed.
func (c *Conn) Quote(ctx context.Context, line string) (Reply, error) {
	masked := line
	if strings.EqualFold(commandName(line), "PASS") {
		masked = "PASS ******"
	}
	return c.cmdMasked(ctx, line, masked, 1, 2, 3, 4, 5)
}

// User sends USER. It returns needPassword true on 331 (the device then asks
// "Enter password:") and false on 230 (logged in without a password).
func (c *Conn) User(ctx context.Context, name string) (r Reply, needPassword bool, err error) {
	r, err = c.cmd(ctx, "USER "+name, 230, 331)
	return r, err == nil && r.Code == 331, err
}

// Pass sends PASS and expects 230 (202 is accepted too). The trace shows
// "PASS ******".
func (c *Conn) Pass(ctx context.Context, password string) (Reply, error) {
	return c.cmdMasked(ctx, "PASS "+password, "PASS ******", 230, 202)
}

// Login sends USER and, if the server asks for it, PASS.
func (c *Conn) Login(ctx context.Context, name, password string) (Reply, error) {
	r, need, err := c.User(ctx, name)
	if err != nil || !need {
		return r, err
	}
	return c.Pass(ctx, password)
}

// SetType sends TYPE A or TYPE I and records the type on success
// ("200 Type set to I.").
func (c *Conn) SetType(ctx context.Context, t TransferType) (Reply, error) {
	arg := "A"
	if t == Binary {
		arg = "I"
	}
	r, err := c.cmd(ctx, "TYPE "+arg, 2)
	if err == nil {
		c.typ = t
	}
	return r, err
}

// Cwd changes the remote directory (CWD).
func (c *Conn) Cwd(ctx context.Context, dir string) (Reply, error) {
	return c.cmd(ctx, "CWD "+dir, 2)
}

// Cdup changes to the parent remote directory (CDUP).
func (c *Conn) Cdup(ctx context.Context) (Reply, error) { return c.cmd(ctx, "CDUP", 2) }

// Pwd returns the remote working directory (PWD), taken from the quoted part
// of the 257 reply; dir is empty if the reply has no quoted name.
func (c *Conn) Pwd(ctx context.Context) (dir string, r Reply, err error) {
	r, err = c.cmd(ctx, "PWD", 257)
	if err == nil {
		dir, _ = parsePWD(r.Message())
	}
	return dir, r, err
}

// Mkd creates a remote directory (MKD; 257).
func (c *Conn) Mkd(ctx context.Context, dir string) (Reply, error) {
	return c.cmd(ctx, "MKD "+dir, 2)
}

// Rmd removes a remote directory (RMD; 250).
func (c *Conn) Rmd(ctx context.Context, dir string) (Reply, error) {
	return c.cmd(ctx, "RMD "+dir, 2)
}

// Dele deletes a remote file (DELE; 250).
func (c *Conn) Dele(ctx context.Context, name string) (Reply, error) {
	return c.cmd(ctx, "DELE "+name, 2)
}

// Rename renames a remote file: RNFR (350) then RNTO (250). The reply
// returned is RNTO's, or RNFR's if that failed.
func (c *Conn) Rename(ctx context.Context, from, to string) (Reply, error) {
	r, err := c.cmd(ctx, "RNFR "+from, 350)
	if err != nil {
		return r, err
	}
	return c.cmd(ctx, "RNTO "+to, 2)
}

// Help sends HELP, or HELP CMD if cmd is not empty (the device's remotehelp).
func (c *Conn) Help(ctx context.Context, cmd string) (Reply, error) {
	line := "HELP"
	if cmd != "" {
		line += " " + cmd
	}
	return c.cmd(ctx, line, 2)
}

// Feat sends FEAT (211, usually multi-line).
func (c *Conn) Feat(ctx context.Context) (Reply, error) { return c.cmd(ctx, "FEAT", 2) }

// Noop sends NOOP.
func (c *Conn) Noop(ctx context.Context) (Reply, error) { return c.cmd(ctx, "NOOP", 2) }

// Size returns the size of a remote file (SIZE; 213). The size depends on the
// transfer type on some servers.
func (c *Conn) Size(ctx context.Context, name string) (int64, Reply, error) {
	r, err := c.cmd(ctx, "SIZE "+name, 213)
	if err != nil {
		return 0, r, err
	}
	n, perr := strconv.ParseInt(strings.TrimSpace(r.Message()), 10, 64)
	if perr != nil || n < 0 {
		return 0, r, fmt.Errorf("ftp: SIZE: %w: %q", ErrMalformedReply, r.Message())
	}
	return n, r, nil
}

// Quit sends QUIT, reads the reply ("221 Server closing.") and closes the
// connection. The connection is closed even if the exchange fails.
func (c *Conn) Quit(ctx context.Context) (Reply, error) {
	r, err := c.cmd(ctx, "QUIT", 2)
	c.Close()
	return r, err
}
