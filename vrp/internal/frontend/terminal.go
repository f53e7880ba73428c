package frontend

import (
	"io"

	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/tty"
)

// Terminal is the terminal of an interactive session: the line discipline
// of package vrp/tty reading an Input, plus the interrupt of a running
// command by Ctrl+C or Ctrl+K (vrp.Interrupter).
//
// It implements vrp.Terminal and vrp.KeyUnreader. Write may be called from
// any goroutine; the other methods from the session's goroutine.
type Terminal struct {
	*tty.Terminal
	in   *Input
	intr *Interrupter // nil: commands are not interrupted
	sess *vrp.Session
}

// NewTerminal returns the terminal that reads in and writes to w; intr, if
// not nil, must see in's bytes as they are read.
func NewTerminal(in *Input, w io.Writer, intr *Interrupter) *Terminal {
	return &Terminal{Terminal: tty.New(in, w), in: in, intr: intr}
}

// Attach connects the terminal to its session: the input ends with the
// session and idles out after the session's idle timeout.
func (t *Terminal) Attach(s *vrp.Session) {
	t.sess = s
	t.in.Done = s.Done()
	t.in.Idle = s.IdleTimeout
	t.in.OnIdle = s.Timeout
}

// Run reads and executes commands until the session ends.
func (t *Terminal) Run() {
	for {
		line, end, err := t.ReadCommand(t.sess.Prompt(), t.sess)
		if err != nil {
			return
		}
		switch end {
		case tty.Cancel:
			continue
		case tty.CtrlZ:
			t.sess.CtrlZ()
			continue
		}
		if t.intr != nil {
			t.intr.Start()
		}
		exit := t.sess.Execute(line)
		if t.intr != nil {
			t.intr.Stop()
		}
		if exit {
			return
		}
	}
}

// Interrupt reports Ctrl+C (or Ctrl+K) typed while a command runs; the FTP
// client aborts its transfer or connection attempt then (vrp.Interrupter).
func (t *Terminal) Interrupt() <-chan struct{} {
	if t.intr == nil {
		return nil
	}
	return t.intr.C()
}
