package sshd

import (
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/gliderlabs/ssh"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/internal/frontend"
)

// Messages for a session the device refuses after authentication.
const (
	msgVTYLimit    = "Error: The number of VTY users has reached the maximum.\n"
	msgAccessLimit = "Error: The number of online users of the account has reached the maximum.\n"
	msgRefused     = "Error: Failed to log in to the device.\n"
)

// handleSession serves one SSH session channel: an interactive CLI when the
// client asked for a pty, otherwise its command (exec) or a shell reading
// lines from its input.
func (srv *Server) handleSession(ss ssh.Session) {
	end, ok := srv.startSession(ss)
	if !ok {
		return
	}
	defer end()
	if req, ok, err := parseSCPCommand(ss.RawCommand()); ok {
		srv.serveSCP(ss, req, err)
		return
	}

	chunks := make(chan []byte)
	quit := make(chan struct{})
	defer close(quit)
	intr := frontend.NewInterrupter()
	go frontend.Pump(ss, chunks, quit, intr)
	in := &frontend.Input{Chunks: chunks}

	if err := srv.Device.CheckStelnet(ss.User()); err != nil {
		srv.log.Info("ssh session refused", "user", ss.User(), "remote", ss.RemoteAddr().String(), "err", err)
		io.WriteString(ss, msgRefused)
		ss.Exit(1)
		return
	}
	info := vrp.SessionInfo{Line: vrp.LineVTY, User: ss.User(), Remote: addrPort(ss.RemoteAddr()), Protocol: "SSH"}
	ptyReq, winch, isPty := ss.Pty()
	command := ss.RawCommand()
	switch {
	case isPty && command == "":
		info.Width = ptyWidth(ptyReq.Window.Width)
		srv.serveTerminal(ss, in, intr, info, winch)
	case isPty:
		go discardWindows(winch)
		srv.serveExec(ss, in, info, command)
	case command == "":
		srv.serveShell(ss, in, info)
	default:
		srv.serveExec(ss, in, info, command)
	}
}

// ptyWidth is the width output lines are broken at on a pty of cols
// columns: the width the client asked for. A pty request without one (0:
// RFC 4254 says to ignore it; expect's ptys without a terminal, as RANCID
// runs from cron, send it) leaves lines unbroken, so that a configuration
// backup gets whole lines. Later window changes do not change the width
// (screen-width does).
func ptyWidth(cols int) int {
	return max(cols, 0)
}

// refusedByVTY reports whether the connection came in only to be told that
// the VTY lines refuse SSH (it authenticated with no password: see
// NoClientAuthCallback); it then says why and ends the channel. Every
// channel handler asks it first, through startSession: such a connection
// gets no service.
func refusedByVTY(ss ssh.Session) bool {
	msg, ok := ss.Context().Value(refusedKey{}).(string)
	if !ok {
		return false
	}
	io.WriteString(ss, msg+"\r\n")
	ss.Exit(1)
	return true
}

// discardWindows drains window-change notifications (the library blocks
// when nobody reads them) until the channel closes.
func discardWindows(winch <-chan ssh.Window) {
	for range winch {
	}
}

// openSession opens the device session, or tells the client why not and
// ends the channel with exit status 1.
func (srv *Server) openSession(ss ssh.Session, info vrp.SessionInfo, t vrp.Terminal) *vrp.Session {
	s, err := srv.Device.OpenSession(info, t)
	if err == nil {
		return s
	}
	srv.log.Info("ssh session refused", "user", info.User, "remote", info.Remote.String(), "err", err)
	msg := msgRefused
	switch {
	case errors.Is(err, vrp.ErrVTYLimit):
		msg = msgVTYLimit
	case errors.Is(err, aaa.ErrAccessLimit):
		msg = msgAccessLimit
	}
	io.WriteString(t, msg)
	ss.Exit(1)
	return nil
}

// serveExec runs the lines of an exec request as commands, without banner,
// prompts or paging. Questions read their answers from the channel's input;
// at its end they get none (the device's default, "n"). The exit status is
// 1 when a command was refused (a line of the output starts with "Error:"),
// so that scripts can tell; every line runs all the same, as pasted lines
// would.
func (srv *Server) serveExec(ss ssh.Session, in *frontend.Input, info vrp.SessionInfo, command string) {
	watch := newErrorWatch(ss)
	t := &plainTerminal{w: watch, in: in}
	info.Interactive = false
	s := srv.openSession(ss, info, t)
	if s == nil {
		return
	}
	defer func() {
		s.Close()
		if watch.failed {
			ss.Exit(1)
		}
	}()
	in.Done = s.Done()
	in.Idle = s.IdleTimeout
	in.OnIdle = s.Timeout
	for _, line := range strings.Split(command, "\n") {
		if s.Execute(strings.TrimSuffix(line, "\r")) {
			return
		}
	}
}

// serveShell serves a shell without a pty ("ssh -T"): the banner and a
// prompt before each line read from the input, no echo, no paging.
func (srv *Server) serveShell(ss ssh.Session, in *frontend.Input, info vrp.SessionInfo) {
	t := &plainTerminal{w: ss, in: in}
	info.Interactive = false
	s := srv.openSession(ss, info, t)
	if s == nil {
		return
	}
	defer s.Close()
	in.Done = s.Done()
	in.Idle = s.IdleTimeout
	in.OnIdle = s.Timeout
	io.WriteString(t, s.Banner())
	for {
		io.WriteString(t, s.Prompt())
		line, err := in.ReadLine()
		if err != nil {
			return
		}
		if s.Execute(line) {
			return
		}
	}
}

// plainTerminal is the vrp.Terminal of a session without a pty: output is
// written as is, answers are lines of the input.
type plainTerminal struct {
	mu sync.Mutex
	w  io.Writer
	in *frontend.Input // read from the session's goroutine only
}

func (t *plainTerminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.w.Write(p)
}

// ReadLine shows prompt and reads an answer; the answer is not echoed, a
// newline ends the question's line.
func (t *plainTerminal) ReadLine(prompt string, echo bool) (string, error) {
	io.WriteString(t, prompt)
	line, err := t.in.ReadLine()
	if err != nil {
		return "", err
	}
	io.WriteString(t, "\n")
	return line, nil
}

func (t *plainTerminal) ReadKey() (rune, error) { return t.in.ReadKey() }
