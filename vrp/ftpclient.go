package vrp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/ftpc"
	"github.com/vrpsim/vrpsim/vrp/cli"
)

// ftpClientState is the FTP client view of a session: the connection to a
// remote server, if any, and the view's switches.
type ftpClientState struct {
	conn     *ftpc.Conn
	host     string
	loggedIn bool
	passive  bool // default: active (PORT)
	binary   bool // default: ASCII
	verbose  int  // 0: undo verbose, 1: verbose, the replies (default)
	prompt   bool // ask before each file of mget/mput (default off)
	lcd      string
	out      io.Writer // where the dialogue goes while a command runs
	quietOff bool      // show replies even with verbose off (login dialogue)
}

func (f *ftpClientState) close() {
	if f.conn != nil {
		f.conn.Close()
		f.conn = nil
	}
	f.loggedIn = false
}

// Interrupter is implemented by terminals that report Ctrl+C while a command
// runs; the FTP client aborts its transfer then.
type Interrupter interface {
	Interrupt() <-chan struct{}
}

// commandContext is the context of a long command: cancelled by Ctrl+C (when
// the terminal reports it), by the session's end and by the device's.
func (e *callEnv) commandContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(e.dev.ctx)
	var intr <-chan struct{}
	if i, ok := e.term.(Interrupter); ok {
		intr = i.Interrupt()
	}
	go func() {
		select {
		case <-ctx.Done():
		case <-e.done:
			cancel()
		case <-intr:
			cancel()
		}
	}()
	return ctx, cancel
}

const (
	ftpConnectTimeout = 15 * time.Second
	ftpReplyTimeout   = 60 * time.Second
)

// maskControls keeps a remote server's reply from sending escape sequences to
// the user's terminal: control characters are shown as '.'.
func maskControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return '.'
		}
		return r
	}, strings.ToValidUTF8(s, "."))
}

func displayDir(p string) string {
	if p == flash.Device+"/" {
		return flash.Device
	}
	return p
}

// trace prints the dialogue as the device does, to the output of the
// command running (f.out).
func (f *ftpClientState) trace(host string) *ftpc.Trace {
	return &ftpc.Trace{
		Connected: func(local, remote net.Addr) { fmt.Fprintf(f.out, "Connected to %s.\n", host) },
		Reply: func(line string) {
			if f.verbose > 0 || f.quietOff {
				io.WriteString(f.out, maskControls(line)+"\n")
			}
		},
	}
}

func (e *callEnv) ftpConnected() bool { return e.ftp != nil && e.ftp.conn != nil }

// ftpOpen connects and logs in, with the device's dialogue.
func (e *callEnv) ftpOpen(c *cli.Call) error {
	f := e.ftp
	host := c.Value("host")
	port := 21
	if p, ok := c.Lookup("port"); ok {
		port, _ = strconv.Atoi(p)
	}
	source := e.dev.ftpClientSource()
	if s, ok := c.Lookup("source-ip"); ok {
		ip, err := netip.ParseAddr(s)
		if err != nil || ip != e.dev.opts.Address {
			return refuse("Error: The source IP address is not an address of this device.")
		}
		source = ip
	}
	localAddr := source.String()
	if s := e.dev.opts.Source; s.IsValid() {
		// the device listens elsewhere than the address it shows: its
		// connections come from there
		localAddr = s.String()
		if s.IsUnspecified() {
			localAddr = ""
		}
	}
	if c.Has("ipv6") {
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Is6() || ip.Is4In6() {
			return refuse("Error: The address %s is not an IPv6 address.", host)
		}
		localAddr = "" // the device's one address is IPv4: any IPv6 source
	}
	e.Print(fmt.Sprintf("Trying %s ...\nPress CTRL+K to abort\n", host))
	e.out.flush()
	ctx, cancel := e.commandContext()
	defer cancel()
	dctx, dcancel := context.WithTimeout(ctx, ftpConnectTimeout)
	defer dcancel()
	f.out, f.quietOff = e.out, true
	defer func() { f.quietOff = false }()
	dst := net.JoinHostPort(host, strconv.Itoa(port))
	if ip, err := netip.ParseAddr(host); err == nil {
		dst = e.dev.remote("tcp", netip.AddrPortFrom(ip.Unmap(), uint16(port))).String()
	}
	conn, err := ftpc.Dial(dctx, dst, ftpc.Options{
		LocalAddr: localAddr, ConnectTimeout: ftpConnectTimeout, ReplyTimeout: ftpReplyTimeout, Trace: e.dev.observeClient(f.trace(host)),
	})
	if err != nil {
		var re *ftpc.ReplyError
		if errors.As(err, &re) {
			return refuse("Error: Failed to connect to the remote host.")
		}
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return refuse("Error: Connection timed out.")
		}
		if ctx.Err() != nil {
			return refuse("Info: The connection was aborted.")
		}
		return refuse("Error: Failed to connect to the remote host.")
	}
	f.conn, f.host = conn, host
	conn.SetPassive(f.passive)
	e.dev.logf("FTP", 5, "FTP_CONNECT", "The FTP client connected to %s. (Port=%d, SourceIP=%s)", host, port, source)
	user, err := e.Ask(fmt.Sprintf("User(%s:(none)):", host))
	if err != nil {
		return nil
	}
	return e.ftpLoginAs(strings.TrimSpace(user), "", false)
}

// ftpLoginAs sends USER and, when asked, PASS (read without echo).
func (e *callEnv) ftpLoginAs(user, password string, hasPassword bool) error {
	f := e.ftp
	ctx, cancel := e.commandContext()
	defer cancel()
	show := func(line string) { e.Print(line + "\n") }
	f.out, f.quietOff = e.out, true
	defer func() { f.quietOff = false }()
	_, need, err := f.conn.User(ctx, user)
	if err != nil {
		return e.ftpError(err, show)
	}
	if need {
		if !hasPassword {
			e.out.flush()
			password, err = e.term.ReadLine("Enter password:", false)
			if err != nil {
				return nil
			}
		}
		if _, err := f.conn.Pass(ctx, password); err != nil {
			f.loggedIn = false
			return e.ftpError(err, show)
		}
	}
	f.loggedIn = true
	e.Print("\n")
	return nil
}

// ftpError turns a client error into the device's message: a reply of the
// wrong class was shown already; a broken connection is reported.
func (e *callEnv) ftpError(err error, _ func(string)) error {
	var re *ftpc.ReplyError
	switch {
	case errors.As(err, &re):
		if e.ftp.verbose == 0 {
			e.Print(re.Reply.String() + "\n")
		}
		return nil
	case errors.Is(err, context.Canceled):
		return refuse("Info: The operation was aborted.")
	case errors.Is(err, ftpc.ErrClosed) || errors.Is(err, io.EOF) || isTimeout(err):
		e.ftp.close()
		if isTimeout(err) {
			return refuse("Error: The remote server did not answer in time. The connection is closed.")
		}
		return refuse("Error: The connection to the remote server was lost.")
	}
	return refuse("Error: %v.", err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// ftpDo runs an operation on the connection with the view's trace.
func (e *callEnv) ftpDo(op func(ctx context.Context, f *ftpClientState) error) error {
	f := e.ftp
	if f.conn == nil {
		return refuse("Error: Not connected.")
	}
	ctx, cancel := e.commandContext()
	defer cancel()
	f.out = e.out
	if err := op(ctx, f); err != nil {
		return e.ftpError(err, nil)
	}
	return nil
}

// ftpGet downloads remote into a local flash file, atomically.
func (e *callEnv) ftpGet(remote, local string, ask bool) error {
	f := e.ftp
	if f.conn == nil {
		return refuse("Error: Not connected.")
	}
	dst, err := flash.Resolve(f.lcd, local)
	if err != nil {
		return refuse("Error: The local file name is invalid.")
	}
	if fi, err := e.dev.fs.Stat(dst); err == nil {
		if fi.IsDir {
			return refuse("Error: %s is a directory.", dst)
		}
		if ask {
			ok, err := e.confirm(fmt.Sprintf("Warning: The file %s already exists. Overwrite it? (y/n)[n]:", dst))
			if err != nil || !ok {
				return err
			}
		}
	}
	w, err := e.dev.fs.Create(dst, 0)
	if err != nil {
		return refuse("Error: Failed to create the local file %s.", dst)
	}
	var tr ftpc.Transfer
	err = e.ftpDo(func(ctx context.Context, f *ftpClientState) error {
		var err error
		tr, err = f.conn.Retr(ctx, remote, w, 0)
		return err
	})
	if err != nil || tr.Reply.Code/100 != 2 {
		w.Abort()
		if errors.Is(err, flash.ErrNoSpace) {
			return refuse("Error: Failed to save the file because the storage space is insufficient.")
		}
		return err
	}
	if err := w.Commit(); err != nil {
		if errors.Is(err, flash.ErrNoSpace) {
			return refuse("Error: Failed to save the file because the storage space is insufficient.")
		}
		return refuse("Error: Failed to save the file %s.", dst)
	}
	e.Print(ftpc.Summary(tr.Bytes, tr.Elapsed, false) + "\n")
	e.dev.logf("FTP", 5, "FTP_GET", "The file was downloaded through FTP. (Host=%s, RemoteFile=%s, LocalFile=%s, Bytes=%d)", f.host, remote, dst, tr.Bytes)
	return nil
}

// ftpPut uploads a local flash file.
func (e *callEnv) ftpPut(local, remote string) error {
	f := e.ftp
	if f.conn == nil {
		return refuse("Error: Not connected.")
	}
	src, err := flash.Resolve(f.lcd, local)
	if err != nil {
		return refuse("Error: The local file name is invalid.")
	}
	r, err := e.dev.fs.Open(src)
	if err != nil {
		return refuse("Error: The file %s does not exist.", src)
	}
	defer r.Close()
	var tr ftpc.Transfer
	err = e.ftpDo(func(ctx context.Context, f *ftpClientState) error {
		var err error
		tr, err = f.conn.Stor(ctx, remote, r)
		return err
	})
	if err != nil || tr.Reply.Code/100 != 2 {
		return err
	}
	e.Print(ftpc.Summary(tr.Bytes, tr.Elapsed, true) + "\n")
	e.dev.logf("FTP", 5, "FTP_PUT", "The file was uploaded through FTP. (Host=%s, LocalFile=%s, RemoteFile=%s, Bytes=%d)", f.host, src, remote, tr.Bytes)
	return nil
}

// ftpList prints a remote listing, or saves it in a local file.
func (e *callEnv) ftpList(dir, local string, names bool) error {
	f := e.ftp
	var buf strings.Builder
	var tr ftpc.Transfer
	err := e.ftpDo(func(ctx context.Context, f *ftpClientState) error {
		var err error
		if names {
			tr, err = f.conn.NameList(ctx, dir, &listWriter{e: e, buf: &buf, save: local != ""})
		} else {
			tr, err = f.conn.List(ctx, dir, &listWriter{e: e, buf: &buf, save: local != ""})
		}
		return err
	})
	if err != nil || tr.Reply.Code/100 != 2 {
		return err
	}
	if local != "" {
		dst, err := flash.Resolve(f.lcd, local)
		if err != nil {
			return refuse("Error: The local file name is invalid.")
		}
		w, err := e.dev.fs.Create(dst, 0)
		if err != nil {
			return refuse("Error: Failed to create the local file %s.", dst)
		}
		if _, err := io.WriteString(w, buf.String()); err != nil {
			w.Abort()
			return refuse("Error: Failed to save the file %s.", dst)
		}
		if err := w.Commit(); err != nil {
			return refuse("Error: Failed to save the file %s.", dst)
		}
	}
	e.Print(ftpc.Summary(tr.Bytes, tr.Elapsed, false) + "\n")
	return nil
}

// listWriter shows listing lines as they arrive (or keeps them for a file).
type listWriter struct {
	e    *callEnv
	buf  *strings.Builder
	save bool
}

func (w *listWriter) Write(p []byte) (int, error) {
	if w.save {
		return w.buf.Write(p)
	}
	w.e.out.Write(p)
	return len(p), nil
}

// ftpSetType sets the transfer type: binary, or ASCII.
func (e *callEnv) ftpSetType(binary bool) error {
	t := ftpc.ASCII
	if binary {
		t = ftpc.Binary
	}
	return e.ftpDo(func(ctx context.Context, f *ftpClientState) error {
		_, err := f.conn.SetType(ctx, t)
		if err == nil {
			f.binary = binary
		}
		return err
	})
}

// ftpSetPassive chooses passive (PASV) or active (PORT) data connections.
func (e *callEnv) ftpSetPassive(on bool) {
	e.ftp.passive = on
	if e.ftp.conn != nil {
		e.ftp.conn.SetPassive(on)
	}
}

// ftpQuit sends QUIT and closes the connection.
func (e *callEnv) ftpQuit() {
	f := e.ftp
	if f.conn == nil {
		return
	}
	ctx, cancel := e.commandContext()
	defer cancel()
	f.out = e.out
	f.conn.Quit(ctx)
	f.close()
}

// ftpBye leaves the FTP client view.
func (e *callEnv) ftpBye() {
	e.ftpQuit()
	e.views = e.views[:len(e.views)-1]
}

// setFTPClientSource sets ftp client-source (its settings are TFTP's).
func (d *Device) setFTPClientSource(c tftpConfig) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.ftpClient = c
}

// ftpClientSource is the FTP client's source address: the configured one,
// else the device's.
func (d *Device) ftpClientSource() netip.Addr {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cfg.ftpClient.source.IsValid() {
		return d.cfg.ftpClient.source
	}
	return d.opts.Address
}
