package sshd

import (
	"io"

	"github.com/gliderlabs/ssh"
	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/internal/frontend"
)

// ptyTerminal is the terminal of an interactive session over the SSH
// channel.
type ptyTerminal = frontend.Terminal

func newPtyTerminal(w io.Writer, in *frontend.Input) *ptyTerminal {
	return frontend.NewTerminal(in, w, nil)
}

// serveTerminal runs an interactive CLI session: banner, then prompts and
// commands until the user quits, the device ends the session, the session
// idles out or the client goes away.
func (srv *Server) serveTerminal(ss ssh.Session, in *frontend.Input, intr *frontend.Interrupter, info vrp.SessionInfo, winch <-chan ssh.Window) {
	// Lines are echoed as typed, whatever the width: window changes are
	// read only so that the library does not block on them.
	go discardWindows(winch)
	p := frontend.NewTerminal(in, ss, intr)
	defer p.Flush()
	info.Interactive = true
	s := srv.openSession(ss, info, p)
	if s == nil {
		return
	}
	defer s.Close()
	p.Attach(s)
	io.WriteString(p, s.Banner())
	p.Run()
}
