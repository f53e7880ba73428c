package frontend

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// ErrIdle ends reading from a session's Input after its idle timeout.
var ErrIdle = errors.New("idle timeout")

// Keys the Interrupter looks for.
const (
	keyCtrlC = 0x03
	keyCtrlK = 0x0b // aborts a connection attempt of the FTP client
)

// ChunkSize is the most Pump reads at once; it bounds the memory an idle
// session holds.
const ChunkSize = 1024

// MaxAnswer bounds a line read without the line editor (exec and shells
// without a pty); the rest of a longer line is dropped.
const MaxAnswer = 4096

// Pump copies r to out in chunks until r fails or quit is closed, then closes
// out; intr sees each chunk. It is the only reader of a session's channel:
// the line editor, the pager and question answers all take their bytes from
// out (through an Input), in order.
func Pump(r io.Reader, out chan<- []byte, quit <-chan struct{}, intr *Interrupter) {
	defer close(out)
	buf := make([]byte, ChunkSize)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := make([]byte, n)
			copy(chunk, buf[:n])
			intr.See(chunk)
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

// Interrupter reports Ctrl+C and Ctrl+K typed while a command runs (the
// session reads no Input then), so that a transfer can be aborted. The keys
// still reach the Input: the line they end is discarded afterwards.
type Interrupter struct {
	running atomic.Bool
	ch      chan struct{} // buffered: one pending interrupt
}

// NewInterrupter returns an Interrupter, not armed.
func NewInterrupter() *Interrupter { return &Interrupter{ch: make(chan struct{}, 1)} }

// See is called by the reader with each chunk read from the channel.
func (i *Interrupter) See(chunk []byte) {
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

// Start arms the Interrupter for a command, dropping a stale interrupt.
func (i *Interrupter) Start() {
	select {
	case <-i.ch:
	default:
	}
	i.running.Store(true)
}

// C receives an interrupt typed while the Interrupter was armed.
func (i *Interrupter) C() <-chan struct{} { return i.ch }

// Stop disarms the Interrupter once the command has ended.
func (i *Interrupter) Stop() { i.running.Store(false) }

// Input is the consumer side of a reader such as Pump: a byte stream with an
// idle timer. Its methods are called from the session's goroutine only.
type Input struct {
	// Chunks are the bytes read, in order; closed at the end of the input.
	Chunks <-chan []byte
	// Done ends reading (the device closed the session); nil until the
	// session is open.
	Done <-chan struct{}
	// Idle returns the idle timeout (0: none); OnIdle runs when it expires,
	// before reads fail with ErrIdle.
	Idle   func() time.Duration
	OnIdle func()

	pending []byte
	err     error
	lastCR  bool // the last byte consumed was '\r': a '\n' right after it is dropped
}

// fill waits for more bytes. It fails for good once the channel reaches EOF,
// the session ends or it stays idle too long.
func (in *Input) fill() error {
	if in.err != nil {
		return in.err
	}
	var expired <-chan time.Time
	if in.Idle != nil {
		if d := in.Idle(); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			expired = t.C
		}
	}
	select {
	case chunk, ok := <-in.Chunks:
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
	case <-in.Done:
		in.err = io.EOF
	case <-expired:
		in.err = ErrIdle
		if in.OnIdle != nil {
			in.OnIdle()
		}
	}
	return in.err
}

// Read gives the line discipline (vrp/tty) the bytes of the Input as
// they come; it waits as fill does.
func (in *Input) Read(p []byte) (int, error) {
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
func (in *Input) next() (byte, error) {
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
func (in *Input) consume(n int) {
	in.lastCR = n > 0 && in.pending[n-1] == '\r'
	in.pending = in.pending[n:]
	if len(in.pending) == 0 {
		in.pending = nil // let the chunk be collected
	}
}

// ReadKey returns one key press for the pager: a byte, or a UTF-8 character.
// It does not decode escape sequences; the pager ignores their bytes.
func (in *Input) ReadKey() (rune, error) {
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

// ReadLine reads a line ended by "\n", "\r" or "\r\n" (without the ending),
// for sessions without a line editor. A line longer than MaxAnswer is cut.
// At EOF a partial line is returned with a nil error.
func (in *Input) ReadLine() (string, error) {
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
		if room := MaxAnswer - len(line); room > 0 {
			line = append(line, in.pending[:min(i, room)]...)
		}
		if i < len(in.pending) {
			in.consume(i + 1)
			return string(line), nil
		}
		in.consume(i)
	}
}
