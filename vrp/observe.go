package vrp

import (
	"errors"
	"io/fs"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/ftpc"
	"github.com/vrpsim/vrpsim/ftpd"
)

// Observer receives what happens on a device, for an instructor's view of a
// lab (package lab/instructor): the device's log, the dialogue of its FTP
// server's and FTP client's sessions, and its CLI sessions with each
// command and its output. Its methods are called from the device's
// goroutines; they must be safe for concurrent use and must not block.
// Passwords never reach it: PASS is masked, and so are a command's secret
// parameters and the answers typed without echo.
type Observer interface {
	Log(LogEntry)
	FTP(FTPTrace)
	CLI(CLIEvent)
}

// LogEntry is one line of the device's log.
type LogEntry struct {
	Time     time.Time
	Module   string // "FTPS", "SSH", "SHELL", ...
	Severity int
	Brief    string // "LOGINFAILED", ...
	Text     string // the text after the header
}

// FTPTrace is one step of an FTP session of the device: its FTP server's
// (a client logged in to it) or its FTP client's (the ftp command). In both
// cases Remote is the FTP client's control address and Local the FTP
// server's.
type FTPTrace struct {
	Client bool // the device's own FTP client; else its FTP server
	ftpd.Trace
}

// CLIEventKind classifies a CLIEvent.
type CLIEventKind int

// CLI event kinds.
const (
	CLIOpen    CLIEventKind = iota + 1 // a session opened
	CLIClose                           // a session ended
	CLICommand                         // a command ran; Command and Output are set
)

// CLIEvent is a CLI session opening or closing, or a command run in it.
type CLIEvent struct {
	Kind    CLIEventKind
	Time    time.Time
	Session uint64 // the device's number of the session, from 1
	Line    string // "VTY 0", "Console"
	User    string
	Remote  netip.AddrPort
	Command string // the line typed, its secret parameters masked
	Output  string // what the command printed (at most maxObservedOutput bytes)
}

// maxObservedOutput bounds the output of one command given to the observer.
const maxObservedOutput = 16 << 10

// Faults inject failures into a device for tests of automation scripts (the
// lab's fault controls). The zero value injects none; fields change at run
// time.
type Faults struct {
	// RefuseLogins refuses every SSH, console and FTP login, with the
	// reason "injected fault" in the device's log.
	RefuseLogins atomic.Bool
	// Slow (a time.Duration) delays each CLI command and each FTP reply.
	Slow atomic.Int64
	// FlashFull makes every write to the flash fail as on a full flash.
	FlashFull atomic.Bool
	// SaveDelay (a time.Duration) delays save before it writes.
	SaveDelay atomic.Int64
	// CutAfter closes the data connection of a transfer of the device's FTP
	// server once this many bytes have moved; 0: never.
	CutAfter atomic.Int64
}

// errInjected is the reason of a login refused by Faults.RefuseLogins.
var errInjected = errors.New("injected fault")

func (d *Device) faults() *Faults {
	if d.opts.Faults == nil {
		return &Faults{}
	}
	return d.opts.Faults
}

func (d *Device) refuseLogins() bool {
	return d.opts.Faults != nil && d.opts.Faults.RefuseLogins.Load()
}

// slow waits out the Slow fault, or until the device closes.
func (d *Device) slow() {
	if d.opts.Faults == nil {
		return
	}
	if t := time.Duration(d.opts.Faults.Slow.Load()); t > 0 {
		tm := time.NewTimer(t)
		defer tm.Stop()
		select {
		case <-tm.C:
		case <-d.ctx.Done():
		}
	}
}

// ftpdFaults adapts Faults to the FTP server.
func (d *Device) ftpdFaults() *ftpd.Faults {
	if d.opts.Faults == nil {
		return nil
	}
	f := d.opts.Faults
	return &ftpd.Faults{
		ReplyDelay: func() time.Duration { return time.Duration(f.Slow.Load()) },
		CutAfter:   f.CutAfter.Load,
	}
}

// ftpTrace forwards the FTP server's dialogue to the observer.
func (d *Device) ftpTrace() func(ftpd.Trace) {
	if d.opts.Observer == nil {
		return nil
	}
	obs := d.opts.Observer
	return func(t ftpd.Trace) { obs.FTP(FTPTrace{Trace: t}) }
}

// observeClient adds the observer to the FTP client's trace: each
// connection of the client is a session of its own.
func (d *Device) observeClient(t *ftpc.Trace) *ftpc.Trace {
	obs := d.opts.Observer
	if obs == nil {
		return t
	}
	id := d.ftpcSessions.Add(1)
	var client, server netip.AddrPort
	send := func(ft ftpd.Trace) {
		ft.Session, ft.Time, ft.Remote, ft.Local = id, d.now(), client, server
		obs.FTP(FTPTrace{Client: true, Trace: ft})
	}
	out := *t
	out.Connected = func(local, remote net.Addr) {
		client, server = tcpAddrPort(local), tcpAddrPort(remote)
		if t.Connected != nil {
			t.Connected(local, remote)
		}
	}
	out.Command = func(line string) {
		send(ftpd.Trace{Kind: ftpd.TraceCommand, Line: line})
		if t.Command != nil {
			t.Command(line)
		}
	}
	out.Reply = func(line string) {
		send(ftpd.Trace{Kind: ftpd.TraceReply, Line: line})
		if t.Reply != nil {
			t.Reply(line)
		}
	}
	out.Data = func(dt ftpc.DataTrace) {
		send(ftpd.Trace{Kind: ftpd.TraceData, Data: ftpd.DataConn{Passive: dt.Passive, From: tcpAddrPort(dt.From), To: tcpAddrPort(dt.To), Err: dt.Err}})
		if t.Data != nil {
			t.Data(dt)
		}
	}
	return &out
}

func tcpAddrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok && ta != nil {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

func (s *Session) lineName() string {
	if s.info.Line == LineVTY {
		return "VTY " + itoa(s.vty)
	}
	return "Console"
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// observeCLI reports an event of session s.
func (s *Session) observeCLI(kind CLIEventKind, command, output string) {
	obs := s.dev.opts.Observer
	if obs == nil {
		return
	}
	obs.CLI(CLIEvent{Kind: kind, Time: s.dev.now(), Session: s.id, Line: s.lineName(), User: s.info.User,
		Remote: s.info.Remote, Command: command, Output: output})
}

// teeTerminal copies what a session prints, for the observer; it keeps the
// terminal's optional interfaces.
type teeTerminal struct {
	Terminal
	buf strings.Builder
}

func (t *teeTerminal) Write(p []byte) (int, error) {
	if t.buf.Len() < maxObservedOutput {
		t.buf.Write(p[:min(len(p), maxObservedOutput-t.buf.Len())])
	}
	return t.Terminal.Write(p)
}

func (t *teeTerminal) ReadLine(prompt string, echo bool) (string, error) {
	line, err := t.Terminal.ReadLine(prompt, echo)
	if t.buf.Len() < maxObservedOutput {
		t.buf.WriteString(prompt)
		if echo {
			t.buf.WriteString(line)
		}
		t.buf.WriteString("\n")
	}
	return line, err
}

func (t *teeTerminal) Interrupt() <-chan struct{} {
	if i, ok := t.Terminal.(Interrupter); ok {
		return i.Interrupt()
	}
	return nil
}

func (t *teeTerminal) UnreadKey() {
	if u, ok := t.Terminal.(KeyUnreader); ok {
		u.UnreadKey()
	}
}

func (t *teeTerminal) take() string {
	s := t.buf.String()
	t.buf.Reset()
	return s
}

// DropSessions ends every CLI session and every FTP server session of the
// device at once, as a broken link would (the drop fault). It returns how
// many it ended.
func (d *Device) DropSessions() int {
	d.mu.Lock()
	ss := append([]*Session(nil), d.sessions...)
	rt := d.ftp
	d.mu.Unlock()
	n := 0
	for _, s := range ss {
		if s.info.Line == LineVTY {
			s.Close()
			n++
		}
	}
	if rt != nil {
		for _, info := range rt.srv.Sessions() {
			if rt.srv.Kick(info.ID) {
				n++
			}
		}
	}
	return n
}

// faultFS is the device's flash under the FlashFull fault.
type faultFS struct {
	flash.FS
	f *Faults
}

func (f faultFS) Create(path string, offset int64) (flash.WriteFile, error) {
	if f.f.FlashFull.Load() {
		return nil, &fs.PathError{Op: "create", Path: path, Err: flash.ErrNoSpace}
	}
	w, err := f.FS.Create(path, offset)
	if err != nil {
		return nil, err
	}
	return w, nil
}

func (f faultFS) Copy(src, dst string) error {
	if f.f.FlashFull.Load() {
		return &fs.PathError{Op: "copy", Path: dst, Err: flash.ErrNoSpace}
	}
	return f.FS.Copy(src, dst)
}

func (f faultFS) Usage() (total, free int64) {
	total, free = f.FS.Usage()
	if f.f.FlashFull.Load() {
		free = 0
	}
	return total, free
}

// CLISession describes a CLI session of the device.
type CLISession struct {
	Number uint64 // the device's number of the session, as CLIEvent.Session
	Line   string // "VTY 0", "Console"
	User   string
	Remote netip.AddrPort
}

// CLISessions lists the device's CLI sessions in the order they opened.
func (d *Device) CLISessions() []CLISession {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]CLISession, 0, len(d.sessions))
	for _, s := range d.sessions {
		if s.replaying {
			continue
		}
		out = append(out, CLISession{Number: s.id, Line: s.lineName(), User: s.info.User, Remote: s.info.Remote})
	}
	return out
}

// FTPSessions lists the FTP server's sessions (none while it is stopped).
func (d *Device) FTPSessions() []ftpd.SessionInfo {
	d.mu.Lock()
	rt := d.ftp
	d.mu.Unlock()
	if rt == nil {
		return nil
	}
	return rt.srv.Sessions()
}
