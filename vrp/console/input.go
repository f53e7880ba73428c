package console

import (
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// Errors that end reading from the terminal.
var (
	errStopped     = errors.New("console: stopped")
	errIdle        = errors.New("console: idle timeout")
	errInterrupted = errors.New("console: interrupted by Ctrl+C")
	errHangup      = errors.New("console: the terminal closed")
)

// Keys the console handles itself.
const (
	keyCtrlC     = 0x03
	keyCtrlD     = 0x04
	keyBackspace = 0x08
	keyCtrlU     = 0x15
	keyCtrlX     = 0x18 // delete everything left of the cursor
	keyCtrlY     = 0x19 // delete everything right of the cursor
	keyCtrlZ     = 0x1a
	keyEscape    = 0x1b
	keyDelete    = 0x7f
)

// input reads the terminal's bytes while no line is being edited (pager
// keys, answers to questions, the key that logs on again). A read waits for
// the terminal or for stop, whichever comes first.
type input struct {
	fd           int // the terminal
	wakeR, wakeW int // a pipe whose write end stop writes to

	pending []byte // bytes read ahead of the one being read
	lastCR  bool   // the last key read was '\r': a '\n' right after it is dropped

	mu          sync.Mutex
	stopped     bool
	interrupted bool // the next read fails with errIdle
}

// newInput reads the terminal open as fd; it does not close fd.
func newInput(fd int) (*input, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, fmt.Errorf("console: wake pipe: %w", err)
	}
	return &input{fd: fd, wakeR: p[0], wakeW: p[1]}, nil
}

// stop makes every read, current and future, fail with errStopped.
func (in *input) stop() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.stopped {
		return
	}
	in.stopped = true
	unix.Write(in.wakeW, []byte{0})
}

// interrupt makes the current or next read fail with errIdle.
func (in *input) interrupt() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.interrupted = true
	unix.Write(in.wakeW, []byte{0})
}

// woken reports why reading must stop: errStopped, errIdle (once per
// interrupt) or nil. The wake pipe is drained unless stopped.
func (in *input) woken() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.stopped {
		return errStopped
	}
	if in.interrupted {
		in.interrupted = false
		var buf [16]byte
		for {
			if n, err := unix.Read(in.wakeR, buf[:]); n <= 0 || err != nil {
				break
			}
		}
		return errIdle
	}
	return nil
}

func (in *input) isStopped() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.stopped
}

func (in *input) close() {
	unix.Close(in.wakeR)
	unix.Close(in.wakeW)
}

// takePending returns and forgets the bytes read ahead.
func (in *input) takePending() []byte {
	b := in.pending
	in.pending = nil
	return b
}

// next returns the next byte.
func (in *input) next() (byte, error) {
	for len(in.pending) == 0 {
		if err := in.fill(); err != nil {
			return 0, err
		}
	}
	b := in.pending[0]
	in.pending = in.pending[1:]
	return b, nil
}

// fill waits for the terminal to have bytes and reads them.
func (in *input) fill() error {
	for {
		if err := in.woken(); err != nil {
			return err
		}
		fds := []unix.PollFd{
			{Fd: int32(in.fd), Events: unix.POLLIN},
			{Fd: int32(in.wakeR), Events: unix.POLLIN},
		}
		if _, err := unix.Poll(fds, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("console: poll: %w", err)
		}
		if fds[1].Revents != 0 {
			if err := in.woken(); err != nil {
				return err
			}
		}
		if fds[0].Revents == 0 {
			continue
		}
		buf := make([]byte, 256)
		n, err := unix.Read(in.fd, buf)
		switch {
		case errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN):
			continue
		case err != nil || n <= 0:
			return errHangup
		}
		in.pending = append(in.pending, buf[:n]...)
		return nil
	}
}

// readKey reads one key press: a character, or a control key. An escape
// sequence (arrow keys, function keys) reads as one escapeKey.
func (in *input) readKey() (rune, error) {
	b, err := in.next()
	if err != nil {
		return 0, err
	}
	if b == '\n' && in.lastCR {
		if b, err = in.next(); err != nil {
			return 0, err
		}
	}
	in.lastCR = b == '\r'
	switch {
	case b == keyEscape:
		in.skipEscapeSequence()
		return keyEscape, nil
	case b < utf8.RuneSelf:
		return rune(b), nil
	}
	buf := []byte{b}
	for !utf8.FullRune(buf) && len(buf) < utf8.UTFMax {
		c, err := in.next()
		if err != nil {
			return 0, err
		}
		buf = append(buf, c)
	}
	r, _ := utf8.DecodeRune(buf)
	return r, nil
}

// skipEscapeSequence drops the rest of a CSI or SS3 sequence that is already
// buffered after an ESC.
func (in *input) skipEscapeSequence() {
	in.pending = in.pending[escapeSequenceLen(in.pending):]
}

// escapeSequenceLen is the length of the CSI ("[" params final) or SS3
// ("O" final) sequence at the start of b, which follows an ESC; 0 when b
// does not start one. An unfinished sequence counts whole.
func escapeSequenceLen(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	switch b[0] {
	case 'O':
		return min(2, len(b))
	case '[':
		for i := 1; i < len(b); i++ {
			if b[i] >= 0x40 && b[i] <= 0x7e {
				return i + 1
			}
			if b[i] < 0x20 || b[i] > 0x3f && b[i] != 0x7f {
				return i // not a sequence byte: stop before it
			}
		}
		return len(b)
	}
	return 0
}

// readAnswer reads a line typed in answer to a question: printable
// characters are kept (and echoed with echo), Backspace erases one, Ctrl+U
// erases them all, Enter ends the line, Ctrl+C abandons it with
// errInterrupted; other keys are ignored. Answers longer than maxAnswer
// characters are cut.
func readAnswer(readKey func() (rune, error), print func(string), echo bool) (string, error) {
	var line []rune
	for {
		r, err := readKey()
		if err != nil {
			return "", err
		}
		switch {
		case r == '\r' || r == '\n':
			print("\r\n")
			return string(line), nil
		case r == keyCtrlC:
			print("\r\n")
			return "", errInterrupted
		case r == keyBackspace || r == keyDelete:
			if len(line) > 0 {
				line = line[:len(line)-1]
				if echo {
					print("\b \b")
				}
			}
		case r == keyCtrlU:
			if echo {
				for range line {
					print("\b \b")
				}
			}
			line = line[:0]
		case r < ' ' || r == utf8.RuneError:
		default:
			if len(line) >= maxAnswer {
				continue
			}
			line = append(line, r)
			if echo {
				print(string(r))
			}
		}
	}
}

// maxAnswer bounds the answer to a question.
const maxAnswer = 510
