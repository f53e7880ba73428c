package sshd

import (
	"io"

	"github.com/gliderlabs/ssh"
	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/internal/frontend"
	"github.com/vrpsim/vrpsim/vrp/tty"
)

// ptyTerminal is the terminal of an interactive session: the line
// discipline of package tty over the SSH channel, plus the interrupt of a
// running command by Ctrl+C or Ctrl+K (vrp.Interrupter).
//
// It implements vrp.Terminal and vrp.KeyUnreader. Write may be called from
// any goroutine; the other methods from the session's goroutine.
type ptyTerminal struct {
	*tty.Terminal
	in   *frontend.Input
	intr *frontend.Interrupter
	sess *vrp.Session
}

func newPtyTerminal(w io.Writer, in *frontend.Input) *ptyTerminal {
	return &ptyTerminal{Terminal: tty.New(in, w), in: in}
}

// serveTerminal runs an interactive CLI session: banner, then prompts and
// commands until the user quits, the device ends the session, the session
// idles out or the client goes away.
func (srv *Server) serveTerminal(ss ssh.Session, in *frontend.Input, intr *frontend.Interrupter, info vrp.SessionInfo, winch <-chan ssh.Window) {
	// Lines are echoed as typed, whatever the width: window changes are
	// read only so that the library does not block on them.
	go discardWindows(winch)
	p := newPtyTerminal(ss, in)
	p.intr = intr
	defer p.Flush()
	info.Interactive = true
	s := srv.openSession(ss, info, p)
	if s == nil {
		return
	}
	defer s.Close()
	p.attach(s)
	io.WriteString(p, s.Banner())
	p.run()
}

// attach connects the terminal to its session.
func (p *ptyTerminal) attach(s *vrp.Session) {
	p.sess = s
	p.in.Done = s.Done()
	p.in.Idle = s.IdleTimeout
	p.in.OnIdle = s.Timeout
}

// run reads and executes commands until the session ends.
func (p *ptyTerminal) run() {
	for {
		line, end, err := p.ReadCommand(p.sess.Prompt(), p.sess)
		if err != nil {
			return
		}
		switch end {
		case tty.Cancel:
			continue
		case tty.CtrlZ:
			p.sess.CtrlZ()
			continue
		}
		if p.intr != nil {
			p.intr.Start()
		}
		exit := p.sess.Execute(line)
		if p.intr != nil {
			p.intr.Stop()
		}
		if exit {
			return
		}
	}
}

// Interrupt reports Ctrl+C (or Ctrl+K) typed while a command runs; the FTP
// client aborts its transfer or connection attempt then (vrp.Interrupter).
func (p *ptyTerminal) Interrupt() <-chan struct{} {
	if p.intr == nil {
		return nil
	}
	return p.intr.C()
}
