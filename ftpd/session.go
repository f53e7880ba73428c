package ftpd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// session is one control connection. Its fields without a comment belong to the
// goroutine running serve.
type session struct {
	srv           *Server
	id            uint64
	conn          net.Conn
	remote, local netip.AddrPort
	since         time.Time

	ctx    context.Context // cancelled when the session ends
	cancel context.CancelFunc
	ended  chan struct{} // closed once the session has ended and left the server's list

	wmu sync.Mutex // serialises replies (kick writes from another goroutine)
	w   *bufio.Writer

	mu         sync.Mutex // guards the fields below, read by Sessions
	user       string
	loggedIn   bool
	root       string // canonical flash path of the user's directory
	topdir     string // the directory as the authenticator gave it
	cwd        string // client's view, "/" or "/a/b"
	lastCmd    time.Time
	kickReason string

	countedLogin bool // holds a user slot; guarded by srv.mu
	preLogin     bool // counted in srv.preLogin; guarded by srv.mu
	release      func()
	readOnly     bool
	failures     int
	sentUser     bool // a USER command came

	typ        byte  // 'A' or 'I'
	restOffset int64 // from REST, for the next transfer
	renameFrom string
	epsvAll    bool
	pasv       net.Listener
	active     netip.AddrPort // from PORT/EPRT; valid when set
	mlstFacts  map[string]bool
}

// line is one command line read from the client, or a read error.
type line struct {
	text string
	err  error
}

func newSession(srv *Server, id uint64, c net.Conn, remote, local netip.AddrPort) *session {
	ctx, cancel := context.WithCancel(srv.ctx)
	now := time.Now()
	return &session{
		srv: srv, id: id, conn: c, remote: remote, local: local, since: now,
		ctx: ctx, cancel: cancel, ended: make(chan struct{}),
		w:       bufio.NewWriterSize(c, 4096),
		cwd:     "/",
		lastCmd: now,
		typ:     'A', // RFC 959 default
		mlstFacts: map[string]bool{
			"type": true, "size": true, "modify": true, "perm": true,
		},
	}
}

func (s *session) info(now time.Time) SessionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return SessionInfo{
		ID: s.id, User: s.user, LoggedIn: s.loggedIn, Remote: s.remote, Local: s.local,
		Root: s.topdir, Cwd: s.cwd, Idle: now.Sub(s.lastCmd), Since: s.since,
	}
}

func (s *session) event(e Event) {
	e.Session = s.id
	s.mu.Lock()
	e.User = s.user
	s.mu.Unlock()
	e.Remote, e.Local = s.remote, s.local
	s.srv.log(e)
}

// kick ends the session from another goroutine with a 421 reply.
func (s *session) kick(reason string) {
	s.mu.Lock()
	if s.kickReason == "" {
		s.kickReason = reason
	}
	s.mu.Unlock()
	s.conn.SetWriteDeadline(time.Now().Add(time.Second))
	s.reply(421, "Service not available, closing control connection.")
	s.cancel()
	s.conn.Close()
}

// reply sends a one-line reply.
func (s *session) reply(code int, text string) {
	s.faultDelay()
	s.traceReply(code, text, true, true)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.conn.SetWriteDeadline(time.Now().Add(s.srv.cfg.DataTimeout))
	fmt.Fprintf(s.w, "%d %s\r\n", code, text)
	s.w.Flush()
}

// replyLines sends a multi-line reply: the first line gets "code-", the last
// "code ", the lines between are sent as they are (RFC 959 4.2), indented by a
// space if one could be mistaken for the end.
func (s *session) replyLines(code int, lines ...string) {
	if len(lines) == 1 {
		s.reply(code, lines[0])
		return
	}
	s.faultDelay()
	for i, l := range lines {
		s.traceReply(code, l, i == 0, i == len(lines)-1)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.conn.SetWriteDeadline(time.Now().Add(s.srv.cfg.DataTimeout))
	last := len(lines) - 1
	for i, l := range lines {
		switch {
		case i == 0:
			fmt.Fprintf(s.w, "%d-%s\r\n", code, l)
		case i == last:
			fmt.Fprintf(s.w, "%d %s\r\n", code, l)
		case len(l) >= 4 && l[3] == ' ' && isDigits(l[:3]):
			fmt.Fprintf(s.w, " %s\r\n", l)
		default:
			fmt.Fprintf(s.w, "%s\r\n", l)
		}
	}
	s.w.Flush()
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// serve runs the session until the client quits, a timeout or the server closes.
func (s *session) serve() {
	reason := "client quit"
	defer func() {
		s.cancel()
		s.conn.Close()
		s.closeData()
		s.srv.mu.Lock()
		if s.countedLogin {
			s.srv.loggedIn--
			s.countedLogin = false
		}
		s.srv.mu.Unlock()
		s.mu.Lock()
		loggedIn := s.loggedIn
		if s.kickReason != "" {
			reason = s.kickReason
		}
		s.mu.Unlock()
		if s.release != nil {
			s.release()
		}
		if loggedIn {
			s.event(Event{Kind: EventLogout, Reason: reason})
		}
	}()
	s.event(Event{Kind: EventConnect})
	s.replyLines(220, append(append([]string(nil), s.srv.cfg.Banner...), "FTP service ready.")...)

	lines := make(chan line)
	s.srv.wg.Add(1)
	go func() {
		defer s.srv.wg.Done()
		s.readLoop(lines)
	}()

	var pending []line
	for {
		var l line
		if len(pending) > 0 {
			l, pending = pending[0], pending[1:]
		} else {
			var ok bool
			var why string
			l, ok, why = s.next(lines)
			if !ok {
				if why != "" {
					reason = why
				}
				return
			}
		}
		s.touch()
		if l.err != nil {
			s.replyLineError(l.err)
			continue
		}
		quit, more := s.handle(l.text, lines)
		pending = append(pending, more...)
		if quit {
			return
		}
	}
}

// next waits for the next command line, enforcing the login and idle timeouts.
// It reports false when the session must end, with the reason.
func (s *session) next(lines <-chan line) (line, bool, string) {
	for {
		changed := s.srv.configChanged()
		s.mu.Lock()
		loggedIn, last := s.loggedIn, s.lastCmd
		s.mu.Unlock()
		var deadline time.Time
		if loggedIn {
			deadline = last.Add(s.srv.IdleTimeout())
		} else {
			deadline = s.since.Add(s.srv.cfg.LoginTimeout)
			if !s.sentUser {
				deadline = s.since.Add(min(s.srv.cfg.UserTimeout, s.srv.cfg.LoginTimeout))
			}
			if idle := last.Add(s.srv.IdleTimeout()); idle.Before(deadline) {
				deadline = idle
			}
		}
		timer := time.NewTimer(time.Until(deadline))
		select {
		case l, ok := <-lines:
			timer.Stop()
			if !ok {
				return line{}, false, "connection closed"
			}
			return l, true, ""
		case <-changed:
			timer.Stop()
			continue
		case <-s.ctx.Done():
			timer.Stop()
			return line{}, false, ""
		case <-timer.C:
			if time.Now().Before(deadline) {
				continue
			}
			if loggedIn {
				s.reply(421, "Idle timeout, closing control connection.")
				return line{}, false, "idle timeout"
			}
			s.reply(421, "Login timeout, closing control connection.")
			return line{}, false, "login timeout"
		}
	}
}

func (s *session) touch() {
	s.mu.Lock()
	s.lastCmd = time.Now()
	s.mu.Unlock()
}

// readLoop reads command lines and hands them to serve until the connection
// fails or the session ends.
func (s *session) readLoop(lines chan<- line) {
	defer close(lines)
	r := bufio.NewReaderSize(s.conn, MaxLineLength)
	for {
		text, err := readCommandLine(r)
		if err != nil && !errors.Is(err, errLineTooLong) {
			return
		}
		select {
		case lines <- line{text, err}:
		case <-s.ctx.Done():
			return
		}
	}
}

func (s *session) replyLineError(err error) {
	switch {
	case errors.Is(err, errLineTooLong):
		s.reply(500, "Command line too long.")
	default:
		s.reply(500, "Syntax error, command unrecognized.")
	}
}

// closeData drops a prepared data connection (PASV listener or PORT address).
func (s *session) closeData() {
	if s.pasv != nil {
		s.pasv.Close()
		s.pasv = nil
	}
	s.active = netip.AddrPort{}
}

// handle runs one command. It reports whether the session ends, and returns
// command lines that arrived during a transfer and must run next.
func (s *session) handle(text string, lines <-chan line) (quit bool, pending []line) {
	s.trace(Trace{Kind: TraceCommand, Line: maskCommand(text)})
	name, arg, err := parseCommand(text)
	if err != nil {
		switch {
		case errors.Is(err, errBadEncoding):
			s.reply(501, "Invalid character in command line.")
		default:
			s.reply(500, "Syntax error, command unrecognized.")
		}
		return false, nil
	}
	c, ok := commands[name]
	if !ok {
		if _, known := unimplemented[name]; known {
			s.reply(502, "Command not implemented.")
		} else {
			s.reply(500, fmt.Sprintf("'%s': command not understood.", name))
		}
		return false, nil
	}
	if c.auth && !s.isLoggedIn() {
		s.reply(530, "Please login with USER and PASS.")
		return false, nil
	}
	if c.arg == argRequired && arg == "" {
		s.reply(501, "Syntax error in parameters or arguments.")
		return false, nil
	}
	if c.arg == argNone && arg != "" {
		s.reply(501, "Syntax error in parameters or arguments.")
		return false, nil
	}
	if c.xfer != nil {
		s.renameFrom = ""
		t := c.xfer(s, arg)
		s.restOffset = 0
		if t == nil {
			return false, nil
		}
		return s.runTransfer(t, lines)
	}
	quit = c.do(s, arg)
	if name != "RNFR" {
		s.renameFrom = "" // RNTO must follow RNFR directly
	}
	return quit, nil
}

func (s *session) isLoggedIn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loggedIn
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }
