package console

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Errors that end reading from the terminal.
var (
	errStopped = errors.New("console: stopped")
	errIdle    = errors.New("console: idle timeout")
	errEnded   = errors.New("console: the session ended")
	errHangup  = errors.New("console: the terminal closed")
)

// input is the byte source of the console's line discipline: it reads the
// terminal, and a read waits for the terminal, for stop, for the end of the
// session being served, or for the session's idle timeout, whichever comes
// first. Nothing else reads the terminal, so no key is lost or reordered.
type input struct {
	fd           int // the terminal
	wakeR, wakeW int // a pipe written to by stop and wake

	// The session being served, set by the console's goroutine between
	// reads: its idle timeout (nil or 0: none) and its end.
	idle     func() time.Duration
	done     <-chan struct{}
	timedOut bool // the idle timeout expired: reads fail until the session ends

	mu      sync.Mutex
	stopped bool
}

// newInput reads the terminal open as fd; it does not close fd.
func newInput(fd int) (*input, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, fmt.Errorf("console: wake pipe: %w", err)
	}
	return &input{fd: fd, wakeR: p[0], wakeW: p[1]}, nil
}

func (in *input) close() {
	unix.Close(in.wakeR)
	unix.Close(in.wakeW)
}

// stop makes every read, current and future, fail with errStopped. It may
// be called from any goroutine.
func (in *input) stop() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.stopped {
		return
	}
	in.stopped = true
	unix.Write(in.wakeW, []byte{0})
}

// wake makes a waiting read look again at why it might end (the session
// ended). It may be called from any goroutine.
func (in *input) wake() { unix.Write(in.wakeW, []byte{0}) }

func (in *input) isStopped() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.stopped
}

// serve makes reads end with the session's idle timeout and its end.
func (in *input) serve(idle func() time.Duration, done <-chan struct{}) {
	in.idle, in.done, in.timedOut = idle, done, false
}

// endSession forgets the session.
func (in *input) endSession() { in.serve(nil, nil) }

// Read waits for keys and reads them.
func (in *input) Read(p []byte) (int, error) {
	var deadline time.Time
	if in.idle != nil {
		if d := in.idle(); d > 0 {
			deadline = time.Now().Add(d)
		}
	}
	for {
		if in.isStopped() {
			return 0, errStopped
		}
		if in.timedOut {
			return 0, errIdle
		}
		select {
		case <-in.done: // nil between sessions: never
			return 0, errEnded
		default:
		}
		timeout := -1
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				in.timedOut = true
				return 0, errIdle
			}
			timeout = int(min(left.Milliseconds()+1, math.MaxInt32))
		}
		fds := []unix.PollFd{
			{Fd: int32(in.fd), Events: unix.POLLIN},
			{Fd: int32(in.wakeR), Events: unix.POLLIN},
		}
		if _, err := unix.Poll(fds, timeout); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return 0, fmt.Errorf("console: poll: %w", err)
		}
		if fds[1].Revents != 0 {
			in.drainWake()
			continue
		}
		if fds[0].Revents == 0 {
			continue
		}
		n, err := unix.Read(in.fd, p)
		switch {
		case errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN):
			continue
		case err != nil || n <= 0:
			return 0, errHangup
		}
		return n, nil
	}
}

// drainWake empties the wake pipe; why it was written to is checked next.
func (in *input) drainWake() {
	var buf [16]byte
	for {
		if n, err := unix.Read(in.wakeR, buf[:]); n <= 0 || err != nil {
			return
		}
	}
}
