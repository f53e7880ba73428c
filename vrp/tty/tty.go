// Package tty is the line discipline of the VRP command line: what the
// device does with the bytes a user types on a terminal line, and the bytes
// it sends back. The SSH front end (vrp/sshd), the console port
// (vrp/console) and any later front end (Telnet) use it, so that every line
// of the device behaves alike.
//
// A Terminal reads keys from a byte source (an io.Reader that blocks until
// the user types) and writes to an io.Writer. It starts no goroutine and
// knows nothing of the transport: timeouts, interrupts and the end of a
// session are the source's errors.
//
// The bytes sent are a VRP device's, with no ANSI escape sequence: typed
// characters are echoed as they are; Backspace erases with "\b \b"; other
// edits move the cursor left with "\b" and right by printing the characters
// it passes over, and blank what is left of a shorter line with spaces. A
// line longer than the terminal is echoed as typed, without inserted line
// breaks (the terminal wraps it). Editing at the end of the line costs the
// same whatever its length; an edit in the middle re-prints the rest of the
// line once. As on the device, a character is taken to be one column wide,
// and "\b" does not go back over a line the terminal wrapped.
//
// Keys of the command line (ReadCommand):
//
//   - "?" prints "?", a new line, the help for the text left of the
//     cursor (CLI.Help), then the prompt and the whole line again, as
//     plain text. Tab completes the word left of the cursor
//     (CLI.Complete), echoing the characters added.
//   - Backspace (DEL or Ctrl+H) erases left of the cursor, Delete under
//     it; Ctrl+U clears the line, Ctrl+X deletes everything left of the
//     cursor, Ctrl+Y and Ctrl+K everything right of it, Ctrl+W the word
//     left of it.
//   - Left and Right (Ctrl+B, Ctrl+F), Home and End (Ctrl+A, Ctrl+E) move
//     the cursor. Up and Down (Ctrl+P, Ctrl+N) walk the command history
//     (CLI.History).
//   - Enter ("\r", "\n" or "\r\n") accepts the line; Ctrl+C discards it;
//     Ctrl+Z discards it and asks for user view. Ctrl+D and other control
//     keys or escape sequences are ignored.
//
// A line holds at most MaxLine characters, as on the device; keys that
// would make it longer are ignored (no bell: a pasted block would ring for
// every character past the limit, and scripts reading the echo would find
// the bells in it).
//
// Answers to questions (ReadLine) are edited with the same keys, less help,
// completion and history; "?" is an ordinary character there, Ctrl+C
// abandons the question and Ctrl+Z is ignored. Without echo (passwords)
// nothing is shown but the line end.
//
// The pager reads keys one at a time (ReadKey). A key it does not use can be
// put back (UnreadKey), so that a command typed ahead while a page waited
// reaches the next command line whole.
package tty

import (
	"errors"
	"io"
	"sync"
	"unicode/utf8"
)

// MaxLine is the longest line the device takes, in characters.
const MaxLine = 510

// ErrInterrupted is ReadLine's error when the user abandons a question with
// Ctrl+C.
var ErrInterrupted = errors.New("tty: interrupted by Ctrl+C")

// CLI answers the command line's keys; *vrp.Session implements it.
type CLI interface {
	// Help returns the help for "?" typed after line, lines ending in "\n".
	Help(line string) string
	// Complete returns line with the word at its end completed (Tab).
	Complete(line string) string
	// History returns the command history, oldest first.
	History() []string
}

// Ending tells how a command line ended.
type Ending int

const (
	Enter  Ending = iota // the line is to be executed
	Cancel               // Ctrl+C: the line is discarded
	CtrlZ                // Ctrl+Z: the line is discarded; go to user view
)

// inputSize is the size of the input buffer: the most read from the source
// at once.
const inputSize = 1024

// maxOutput is how much output is gathered before it is sent; the echo of
// keys is otherwise sent when the terminal waits for more input.
const maxOutput = 16 << 10

// Terminal is one terminal line: the user's keys come from a source, the
// device's output and the echo go to a writer.
//
// Write and Flush may be called from any goroutine; the other methods from
// one goroutine at a time.
type Terminal struct {
	src io.Reader

	in     []byte // input read from src; in[r:] is not consumed yet
	r      int
	lastCR bool // the last key was "\r": a "\n" right after it is dropped

	// The key ReadKey returned last, for UnreadKey: where it starts in
	// in, and lastCR before it. unreadable is false after other reads.
	keyStart   int
	keyLastCR  bool
	unreadable bool

	ed editor

	// edMu guards the line being edited against Notify: the editor holds
	// it while it handles a key, never while it waits for one.
	edMu    sync.Mutex
	reading bool   // a command line or an answer is being typed
	prompt  string // its prompt

	outMu sync.Mutex
	w     io.Writer
	out   []byte
	err   error // the first write error; later output is dropped
}

// New returns a terminal reading keys from src and writing to w.
func New(src io.Reader, w io.Writer) *Terminal {
	t := &Terminal{src: src, w: w}
	t.ed.t = t
	return t
}

// Write prints device output; "\n" becomes "\r\n". The output is sent at
// once.
func (t *Terminal) Write(p []byte) (int, error) {
	t.outMu.Lock()
	defer t.outMu.Unlock()
	if t.err != nil {
		return 0, t.err
	}
	n := len(p)
	for len(p) > 0 {
		i := 0
		for i < len(p) && p[i] != '\n' {
			i++
		}
		t.out = append(t.out, p[:i]...)
		if i < len(p) {
			t.out = append(t.out, '\r', '\n')
			i++
		}
		p = p[i:]
	}
	t.flushLocked()
	return n, t.err
}

// echo queues output of the line editor; it is sent before the terminal
// waits for input.
func (t *Terminal) echo(b []byte) {
	t.outMu.Lock()
	defer t.outMu.Unlock()
	if t.err != nil {
		return
	}
	t.out = append(t.out, b...)
	if len(t.out) >= maxOutput {
		t.flushLocked()
	}
}

func (t *Terminal) echoString(s string) {
	t.outMu.Lock()
	defer t.outMu.Unlock()
	if t.err != nil {
		return
	}
	t.out = append(t.out, s...)
	if len(t.out) >= maxOutput {
		t.flushLocked()
	}
}

// Flush sends the output queued so far. It returns the first write error
// the terminal met.
func (t *Terminal) Flush() error {
	t.outMu.Lock()
	defer t.outMu.Unlock()
	t.flushLocked()
	return t.err
}

func (t *Terminal) flushLocked() {
	if len(t.out) == 0 || t.err != nil {
		return
	}
	_, t.err = t.w.Write(t.out)
	if cap(t.out) > 4096 {
		t.out = nil // an idle terminal keeps no large buffer
	} else {
		t.out = t.out[:0]
	}
}

// fill sends the queued output and reads more input. A source's error is
// returned as is, and not kept: the next read asks the source again.
func (t *Terminal) fill() error {
	t.Flush()
	if t.r > 0 {
		n := copy(t.in, t.in[t.r:])
		t.in = t.in[:n]
		t.r = 0
	}
	if t.in == nil {
		t.in = make([]byte, 0, inputSize)
	}
	if len(t.in) == cap(t.in) {
		t.in = append(t.in, 0)[:len(t.in)]
	}
	n, err := t.src.Read(t.in[len(t.in):cap(t.in)])
	t.in = t.in[:len(t.in)+n]
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// nextKey reads a key and returns it with the bytes it came as. A "\n"
// right after a "\r" is dropped (so "\r\n" is one Enter), and so are bytes
// that are no key.
func (t *Terminal) nextKey() (rune, error) {
	t.unreadable = false
	for {
		if t.r == len(t.in) {
			if err := t.fill(); err != nil {
				return 0, err
			}
			continue
		}
		p := t.in[t.r:]
		if t.lastCR && p[0] == '\n' {
			t.r++
			t.lastCR = false
			continue
		}
		key, size, res := decodeKey(p)
		switch res {
		case needMore:
			if err := t.fill(); err != nil {
				t.r = len(t.in) // the unfinished key is dropped
				return 0, err
			}
			continue
		case invalid:
			t.r += size
			continue
		}
		t.keyStart, t.keyLastCR = t.r, t.lastCR
		t.r += size
		t.lastCR = key == '\r'
		return key, nil
	}
}

// ReadKey reads one key press, for the pager: a character or a control
// key; a key sent as an escape sequence (an arrow) reads as ESC.
func (t *Terminal) ReadKey() (rune, error) {
	key, err := t.nextKey()
	if err != nil {
		return 0, err
	}
	t.unreadable = true
	if key < 0 {
		key = keyEscape
	}
	return key, nil
}

// UnreadKey puts back the key ReadKey returned last, so that the next read
// gets it again; it does nothing after any other read.
func (t *Terminal) UnreadKey() {
	if !t.unreadable {
		return
	}
	t.unreadable = false
	t.r = t.keyStart
	t.lastCR = t.keyLastCR
}

// ReadCommand shows prompt and reads a command line with the keys of the
// command line; cli answers "?", Tab and the history keys. It returns the
// line (at most MaxLine characters) and how it ended.
func (t *Terminal) ReadCommand(prompt string, cli CLI) (string, Ending, error) {
	t.startReading(prompt)
	defer t.stopReading()
	return t.ed.read(prompt, cli, true)
}

// startReading shows prompt and marks the line as being typed (for
// Notify); the caller then edits it with edMu held.
func (t *Terminal) startReading(prompt string) {
	t.edMu.Lock()
	t.ed.line, t.ed.pos = t.ed.line[:0], 0
	t.reading, t.prompt = true, prompt
	t.echoString(prompt)
}

func (t *Terminal) stopReading() {
	t.reading = false
	t.edMu.Unlock()
}

// Notify prints a message of the device's own, such as a log line that
// terminal monitor shows, from any goroutine: on a line of its own, and
// then, when a command line or an answer is being typed, the prompt again
// with what was typed so far (not a password) and the cursor where it was.
func (t *Terminal) Notify(text string) {
	t.edMu.Lock()
	defer t.edMu.Unlock()
	b := []byte("\r\n")
	for _, c := range []byte(text) {
		if c == '\n' {
			b = append(b, '\r')
		}
		b = append(b, c)
	}
	b = append(b, '\r', '\n')
	if t.reading {
		b = append(b, t.prompt...)
		if t.ed.echo {
			for _, r := range t.ed.line {
				b = utf8.AppendRune(b, r)
			}
			b = t.ed.appendMove(b, len(t.ed.line), t.ed.pos)
		}
	}
	t.outMu.Lock()
	defer t.outMu.Unlock()
	if t.err != nil {
		return
	}
	t.out = append(t.out, b...)
	t.flushLocked()
}

// ReadLine shows prompt and reads the answer to a question, echoed or not
// (passwords). Ctrl+C abandons the question with ErrInterrupted.
func (t *Terminal) ReadLine(prompt string, echo bool) (string, error) {
	t.startReading(prompt)
	t.ed.echo = echo
	line, end, err := t.ed.read(prompt, nil, echo)
	t.stopReading()
	if err != nil {
		return "", err
	}
	if end == Cancel {
		return "", ErrInterrupted
	}
	return line, nil
}
