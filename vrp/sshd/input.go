package sshd

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// errIdle ends reading from a session's input after its idle timeout.
var errIdle = errors.New("sshd: idle timeout")

// Keys the interrupter looks for.
const (
	keyCtrlC = 0x03
	keyCtrlK = 0x0b // aborts a connection attempt of the FTP client
)

// chunkSize is the most a pump reads from the channel at once; it bounds the
// memory an idle session holds.
const chunkSize = 1024

// maxAnswer bounds a line read without the line editor (exec and shells
// without a pty); the rest of a longer line is dropped.
const maxAnswer = 4096

// pump copies r to out in chunks until r fails or quit is closed, then closes
// out. It is the only reader of an SSH channel: the line editor, the pager
// and question answers all take their bytes from out, in order.
func pump(r io.Reader, out chan<- []byte, quit <-chan struct{}, intr *interrupter) {
	defer close(out)
	buf := make([]byte, chunkSize)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := make([]byte, n)
			copy(chunk, buf[:n])
			intr.see(chunk)
			select {
			case out <- chunk:
			case <-quit:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// interrupter reports Ctrl+C and Ctrl+K typed while a command runs (the
// session reads no input then), so that a transfer can be aborted. The keys
// still reach the input: the line they end is discarded afterwards.
type interrupter struct {
	running atomic.Bool
	ch      chan struct{} // buffered: one pending interrupt
}

func newInterrupter() *interrupter { return &interrupter{ch: make(chan struct{}, 1)} }

// see is called by the pump with each chunk read from the channel.
func (i *interrupter) see(chunk []byte) {
	if i == nil || !i.running.Load() {
		return
	}
	if bytes.IndexByte(chunk, keyCtrlC) >= 0 || bytes.IndexByte(chunk, keyCtrlK) >= 0 {
		select {
		case i.ch <- struct{}{}:
		default:
		}
	}
}

// start arms the interrupter for a command, dropping a stale interrupt.
func (i *interrupter) start() {
	select {
	case <-i.ch:
	default:
	}
	i.running.Store(true)
}

func (i *interrupter) stop() { i.running.Store(false) }

// input is the consumer side of a pump: a byte stream with an idle timer.
// Its methods are called from the session's goroutine only.
type input struct {
	chunks <-chan []byte
	// done ends reading (the device closed the session); nil until the
	// session is open.
	done <-chan struct{}
	// idle returns the idle timeout (0: none); onIdle runs when it expires,
	// before reads fail with errIdle.
	idle   func() time.Duration
	onIdle func()

	pending []byte
	err     error
	lastCR  bool // the last byte consumed was '\r': a '\n' right after it is dropped
}

// fill waits for more bytes. It fails for good once the channel reaches EOF,
// the session ends or it stays idle too long.
func (in *input) fill() error {
	if in.err != nil {
		return in.err
	}
	var expired <-chan time.Time
	if in.idle != nil {
		if d := in.idle(); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			expired = t.C
		}
	}
	select {
	case chunk, ok := <-in.chunks:
		if !ok {
			in.err = io.EOF
			return in.err
		}
		if len(in.pending) == 0 {
			in.pending = chunk
		} else {
			in.pending = append(in.pending, chunk...)
		}
		return nil
	case <-in.done:
		in.err = io.EOF
	case <-expired:
		in.err = errIdle
		if in.onIdle != nil {
			in.onIdle()
		}
	}
	return in.err
}

// Read gives the line discipline of a pty session the bytes of the input as
// they come; it waits as fill does.
func (in *input) Read(p []byte) (int, error) {
	for len(in.pending) == 0 {
		if err := in.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, in.pending)
	in.pending = in.pending[n:]
	if len(in.pending) == 0 {
		in.pending = nil // let the chunk be collected
	}
	return n, nil
}

// next returns the next byte without consuming it, dropping the '\n' of a
// "\r\n" pair.
func (in *input) next() (byte, error) {
	for {
		for len(in.pending) == 0 {
			if err := in.fill(); err != nil {
				return 0, err
			}
		}
		if in.lastCR && in.pending[0] == '\n' {
			in.pending = in.pending[1:]
			in.lastCR = false
			continue
		}
		return in.pending[0], nil
	}
}

// consume drops n pending bytes.
func (in *input) consume(n int) {
	in.lastCR = n > 0 && in.pending[n-1] == '\r'
	in.pending = in.pending[n:]
	if len(in.pending) == 0 {
		in.pending = nil // let the chunk be collected
	}
}

// readKey returns one key press for the pager: a byte, or a UTF-8 character.
// It does not decode escape sequences; the pager ignores their bytes.
func (in *input) readKey() (rune, error) {
	c, err := in.next()
	if err != nil {
		return 0, err
	}
	if c < utf8.RuneSelf {
		in.consume(1)
		return rune(c), nil
	}
	for !utf8.FullRune(in.pending) {
		if err := in.fill(); err != nil {
			in.consume(len(in.pending))
			return utf8.RuneError, nil
		}
	}
	r, size := utf8.DecodeRune(in.pending)
	in.consume(size)
	return r, nil
}

// readLine reads a line ended by "\n", "\r" or "\r\n" (without the ending),
// for sessions without a line editor. A line longer than maxAnswer is cut.
// At EOF a partial line is returned with a nil error.
func (in *input) readLine() (string, error) {
	var line []byte
	for {
		if _, err := in.next(); err != nil {
			if len(line) > 0 {
				return string(line), nil
			}
			return "", err
		}
		i := 0
		for i < len(in.pending) && in.pending[i] != '\n' && in.pending[i] != '\r' {
			i++
		}
		if room := maxAnswer - len(line); room > 0 {
			line = append(line, in.pending[:min(i, room)]...)
		}
		if i < len(in.pending) {
			in.consume(i + 1)
			return string(line), nil
		}
		in.consume(i)
	}
}
