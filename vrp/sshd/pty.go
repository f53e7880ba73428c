package sshd

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/gliderlabs/ssh"
	"github.com/vrpsim/vrpsim/vrp"
	"golang.org/x/term"
)

// Control keys the line discipline handles itself.
const (
	keyCtrlC = 0x03
	keyCtrlD = 0x04
	keyCtrlK = 0x0b // aborts a connection attempt of the FTP client
	keyCtrlX = 0x18 // delete everything left of the cursor
	keyCtrlY = 0x19 // delete everything right of the cursor
	keyCtrlZ = 0x1a
)

// maxOutputBuffer is how much output is gathered before it is sent.
const maxOutputBuffer = 16 << 10

// action is what a control key asked for; it is taken when the line the key
// ended comes back from the editor.
type action int

const (
	actNone   action = iota
	actCancel        // Ctrl+C: discard the line
	actCtrlZ         // Ctrl+Z: discard the line, go to user view
)

// ptyTerminal is the line discipline of an interactive session: x/term's
// Terminal edits lines over the SSH channel; "?", Tab, Ctrl+X and Ctrl+Y
// reach the session through the editor's AutoCompleteCallback; Ctrl+C and
// Ctrl+Z are turned into Enter plus an action by the editor's reader, which
// hands the editor one line at a time so that the pager reads the keys that
// follow a command from the same input.
//
// It implements vrp.Terminal. Write may be called from any goroutine; the
// other methods from the session's goroutine.
type ptyTerminal struct {
	w      io.Writer // the SSH channel
	in     *input
	intr   *interrupter
	editor *term.Terminal
	sess   *vrp.Session

	answering bool   // reading an answer to a question, not a command
	action    action // set by editorRead, taken after the editor returns a line
	prompt    string // the prompt of the command being read

	closing atomic.Bool // the session timed out: the editor is no longer used

	outMu sync.Mutex
	out   []byte
	err   error // the first write error; later output is dropped
}

func newPtyTerminal(w io.Writer, in *input, width, height int) *ptyTerminal {
	p := &ptyTerminal{w: w, in: in}
	in.beforeWait = p.flush
	p.editor = term.NewTerminal(editorIO{p}, "")
	p.editor.History = sessionHistory{p}
	if width > 0 {
		p.editor.SetSize(width, height)
	}
	return p
}

// serveTerminal runs an interactive CLI session: banner, then prompts and
// commands until the user quits, the device ends the session, the session
// idles out or the client goes away.
func (srv *Server) serveTerminal(ss ssh.Session, in *input, intr *interrupter, info vrp.SessionInfo, pty ssh.Pty, winch <-chan ssh.Window) {
	p := newPtyTerminal(ss, in, pty.Window.Width, pty.Window.Height)
	p.intr = intr
	defer p.flush()
	// Window changes are applied while the session waits for a key; once it
	// ends, they are drained until the channel closes (the library blocks
	// the channel's requests on an unread change).
	in.windows = winch
	in.onWindow = func(w ssh.Window) {
		if w.Width > 0 { // 0: the client does not know (expect's pty)
			p.editor.SetSize(w.Width, w.Height)
		}
	}
	defer func() { go discardWindows(winch) }()
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
	p.in.done = s.Done()
	p.in.idle = s.IdleTimeout
	p.in.onIdle = func() {
		p.closing.Store(true)
		s.Timeout()
	}
	p.editor.AutoCompleteCallback = p.key
}

// run reads and executes commands until the session ends.
func (p *ptyTerminal) run() {
	for {
		p.prompt = p.sess.Prompt()
		p.editor.SetPrompt(p.prompt)
		line, err := p.editor.ReadLine()
		p.flush()
		act := p.takeAction()
		if err != nil && err != term.ErrPasteIndicator {
			return
		}
		switch act {
		case actCancel:
			continue
		case actCtrlZ:
			p.sess.CtrlZ()
			continue
		}
		if p.intr != nil {
			p.intr.start()
		}
		exit := p.sess.Execute(line)
		if p.intr != nil {
			p.intr.stop()
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
	return p.intr.ch
}

func (p *ptyTerminal) takeAction() action {
	a := p.action
	p.action = actNone
	return a
}

// key handles the keys the editor passes to its AutoCompleteCallback while
// a command is read.
func (p *ptyTerminal) key(line string, pos int, key rune) (string, int, bool) {
	switch key {
	case '?':
		before := line[:pos]
		p.editor.Write([]byte(p.prompt + before + "?\n" + p.sess.Help(before)))
		return line, pos, true
	case '\t':
		completed := p.sess.Complete(line[:pos])
		return completed + line[pos:], len(completed), true
	case keyCtrlX:
		return line[pos:], 0, true
	case keyCtrlY:
		return line[:pos], pos, true
	}
	return "", 0, false
}

// Write prints device output: "\n" becomes CRLF, and a prompt being edited
// is redrawn below the output.
func (p *ptyTerminal) Write(b []byte) (int, error) {
	if p.closing.Load() {
		p.queue(bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")))
		p.flush()
		return len(b), nil
	}
	n, err := p.editor.Write(b)
	p.flush()
	return n, err
}

// ReadLine reads the answer to a question, echoed or not (passwords).
// Ctrl+C abandons the question with errInterrupted.
func (p *ptyTerminal) ReadLine(prompt string, echo bool) (string, error) {
	p.answering = true
	p.editor.AutoCompleteCallback = nil
	defer func() {
		p.answering = false
		p.editor.AutoCompleteCallback = p.key
	}()
	var line string
	var err error
	if echo {
		p.editor.SetPrompt(prompt)
		line, err = p.editor.ReadLine()
	} else {
		line, err = p.editor.ReadPassword(prompt)
	}
	p.flush()
	if p.takeAction() == actCancel {
		return "", errInterrupted
	}
	if err != nil && err != term.ErrPasteIndicator {
		return "", err
	}
	return line, nil
}

// ReadKey reads a key press for the pager, from the input the editor reads.
func (p *ptyTerminal) ReadKey() (rune, error) {
	p.flush()
	return p.in.readKey()
}

// editorRead gives the editor its input: up to the end of the next line, so
// that the bytes after a command stay with the pager; Ctrl+C and Ctrl+Z
// become Enter and an action; Ctrl+D (end of input for the editor) is
// dropped.
func (p *ptyTerminal) editorRead(b []byte) (int, error) {
	if len(b) < maxEscape {
		// x/term keeps only incomplete keys between reads, and it is given
		// none: its 256-byte buffer always has room.
		return 0, errors.New("sshd: line editor input buffer full")
	}
	for {
		c, err := p.in.next()
		if err != nil {
			return 0, err
		}
		switch c {
		case keyCtrlC:
			p.in.consume(1)
			p.action = actCancel
			return copy(b, "\r"), nil
		case keyCtrlZ:
			p.in.consume(1)
			if p.answering {
				continue
			}
			p.action = actCtrlZ
			return copy(b, "\r"), nil
		case keyCtrlD:
			p.in.consume(1)
			continue
		}
		n, err := p.in.scanLine(len(b))
		if err != nil {
			return 0, err
		}
		if n == 0 {
			continue
		}
		copy(b, p.in.pending[:n])
		p.in.consume(n)
		return n, nil
	}
}

// queue adds output to be sent by the next flush.
func (p *ptyTerminal) queue(b []byte) {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	if p.err != nil {
		return
	}
	p.out = append(p.out, b...)
	if len(p.out) >= maxOutputBuffer {
		p.flushLocked()
	}
}

// flush sends the queued output.
func (p *ptyTerminal) flush() {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	p.flushLocked()
}

func (p *ptyTerminal) flushLocked() {
	if len(p.out) == 0 || p.err != nil {
		return
	}
	_, p.err = p.w.Write(p.out)
	if cap(p.out) > 4096 {
		p.out = nil // an idle session keeps no large buffer
	} else {
		p.out = p.out[:0]
	}
}

// editorIO is the editor's side of the channel.
type editorIO struct{ p *ptyTerminal }

func (e editorIO) Read(b []byte) (int, error)  { return e.p.editorRead(b) }
func (e editorIO) Write(b []byte) (int, error) { e.p.queue(b); return len(b), nil }

// sessionHistory shows the session's command history (the one "display
// history-command" lists) to the editor's Up and Down keys. Answers to
// questions are not part of it.
type sessionHistory struct{ p *ptyTerminal }

func (h sessionHistory) Add(string) {}

func (h sessionHistory) Len() int {
	if h.p.sess == nil || h.p.answering {
		return 0
	}
	return len(h.p.sess.History())
}

func (h sessionHistory) At(i int) string {
	hist := h.p.sess.History()
	return hist[len(hist)-1-i]
}
