package console

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// editorQueue bounds the keys given to the line editor at once: the
// pseudo-terminal's input queue holds 4 KiB, and a write must not block.
const editorQueue = 4000

// relay puts a pseudo-terminal between the line editor and the user's
// terminal: standard input and output (descriptors 0 and 1) become the
// pseudo-terminal while the console runs, and the relay copies the output to
// the user's terminal and decides where each key goes.
//
// reeflective/readline reads standard input itself, at times outside
// Readline too: as it draws the line it asks the terminal for the cursor
// position and reads the answer straight from standard input, dropping the
// keys that arrive in the same read; and it keeps the keys it read past the
// end of a line, which the pager and questions must see first. So the relay
// holds the user's keys and hands them out in order: to the line editor
// (through the pseudo-terminal) only while it reads a line and no cursor
// report is on its way, each report alone; otherwise to the console's own
// reads, through a pipe.
type relay struct {
	master, slave *os.File
	masterFd      int
	slaveFd       int
	savedIn       int    // the user's terminal, as standard input
	savedOut      int    // the user's terminal, as standard output
	terminal      *input // reads the user's terminal
	pipeR, pipeW  int    // keys for the console's own reads

	mu       sync.Mutex
	editor   bool   // the line editor is reading a line
	asked    int    // cursor requests sent to the terminal and not answered
	answered bool   // a report was passed on and the editor has not written since
	held     []byte // keys not handed out yet, in order

	winch    chan os.Signal
	keysDone sync.WaitGroup // copyKeys and followSize
	outDone  sync.WaitGroup // copyOutput
}

// startRelay moves standard input and output to a new pseudo-terminal with
// the user's terminal's size, in raw mode, and starts copying.
func startRelay() (*relay, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("console: pseudo-terminal: %w", err)
	}
	r := &relay{master: master, slave: slave, masterFd: int(master.Fd()), slaveFd: int(slave.Fd()),
		savedIn: -1, savedOut: -1, pipeR: -1, pipeW: -1}
	fail := func(err error) (*relay, error) {
		r.restore()
		for _, fd := range []int{r.savedIn, r.savedOut, r.pipeR, r.pipeW} {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
		if r.terminal != nil {
			r.terminal.close()
		}
		master.Close()
		slave.Close()
		return nil, err
	}
	if _, err := term.MakeRaw(r.slaveFd); err != nil {
		return fail(fmt.Errorf("console: raw mode: %w", err))
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return fail(fmt.Errorf("console: pipe: %w", err))
	}
	r.pipeR, r.pipeW = p[0], p[1]
	if r.savedIn, err = unix.Dup(0); err != nil {
		return fail(fmt.Errorf("console: dup: %w", err))
	}
	unix.CloseOnExec(r.savedIn)
	if r.savedOut, err = unix.Dup(1); err != nil {
		return fail(fmt.Errorf("console: dup: %w", err))
	}
	unix.CloseOnExec(r.savedOut)
	r.copySize()
	if r.terminal, err = newInput(r.savedIn); err != nil {
		return fail(err)
	}
	if err := unix.Dup2(r.slaveFd, 0); err != nil {
		return fail(fmt.Errorf("console: dup2: %w", err))
	}
	if err := unix.Dup2(r.slaveFd, 1); err != nil {
		return fail(fmt.Errorf("console: dup2: %w", err))
	}
	r.winch = make(chan os.Signal, 1)
	signal.Notify(r.winch, syscall.SIGWINCH)
	r.keysDone.Add(2)
	r.outDone.Add(1)
	go r.copyOutput()
	go r.copyKeys()
	go r.followSize()
	return r, nil
}

// keys is the descriptor the console reads keys from while the line editor
// does not read a line.
func (r *relay) keys() int { return r.pipeR }

// toEditor hands the keys to the line editor, which is about to read a
// line; pending are keys the console read ahead and did not use.
func (r *relay) toEditor(pending []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	front := append(pending, drain(r.pipeR)...)
	r.held = append(front, r.held...)
	r.editor = true
	r.passLocked()
}

// fromEditor takes the keys back from the line editor, which has read a
// line; leftover are the keys it read past the end of the line.
func (r *relay) fromEditor(leftover []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.editor = false
	front := append(leftover, bytes.ReplaceAll(r.drainSlave(), []byte(wakeKeys), nil)...)
	r.held = append(front, r.held...)
	r.passLocked()
}

// close gives standard input and output back to the user's terminal, after
// the output written so far has reached it, and stops the relay.
func (r *relay) close() {
	signal.Stop(r.winch)
	close(r.winch)
	r.restore()
	r.terminal.stop()
	r.keysDone.Wait()
	r.slave.Close() // the copy of the output reads what is left, then ends
	r.outDone.Wait()
	r.terminal.close()
	r.master.Close()
	for _, fd := range []int{r.savedIn, r.savedOut, r.pipeR, r.pipeW} {
		unix.Close(fd)
	}
}

// restore puts the user's terminal back as standard input and output.
func (r *relay) restore() {
	if r.savedIn >= 0 {
		unix.Dup2(r.savedIn, 0)
	}
	if r.savedOut >= 0 {
		unix.Dup2(r.savedOut, 1)
	}
}

// copySize gives the pseudo-terminal the user's terminal's size.
func (r *relay) copySize() {
	if ws, err := unix.IoctlGetWinsize(r.savedOut, unix.TIOCGWINSZ); err == nil {
		unix.IoctlSetWinsize(r.masterFd, unix.TIOCSWINSZ, ws)
	}
}

func (r *relay) followSize() {
	defer r.keysDone.Done()
	for range r.winch {
		r.copySize()
	}
}

// copyOutput copies the editor's and the device's output to the user's
// terminal, noting cursor requests.
func (r *relay) copyOutput() {
	defer r.outDone.Done()
	buf := make([]byte, 4096)
	var requests requestCounter
	for {
		n, err := unix.Read(r.masterFd, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n <= 0 {
			return // EIO: the pseudo-terminal's last user closed it
		}
		out := buf[:n]
		asked := requests.count(out)
		r.mu.Lock()
		r.answered = false
		r.asked += asked
		r.mu.Unlock()
		if err := writeAll(r.savedOut, out); err != nil {
			return
		}
		r.mu.Lock()
		r.passLocked()
		r.mu.Unlock()
	}
}

// copyKeys reads the user's terminal: keys are held, cursor reports are
// passed to the editor.
func (r *relay) copyKeys() {
	defer r.keysDone.Done()
	var splitter reportSplitter
	for {
		if err := r.terminal.fill(); err != nil {
			return
		}
		r.mu.Lock()
		keys, reports := splitter.split(r.terminal.takePending(), r.asked > 0)
		r.held = append(r.held, keys...)
		r.mu.Unlock()
		for _, rep := range reports {
			r.answer(rep)
		}
		r.mu.Lock()
		r.passLocked()
		r.mu.Unlock()
	}
}

// answer passes a cursor report to the editor once it has read every key
// before it, so that the report comes alone.
func (r *relay) answer(report []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for range 2000 {
		if r.queued() == 0 {
			break
		}
		r.mu.Unlock()
		time.Sleep(time.Millisecond)
		r.mu.Lock()
	}
	r.asked = max(0, r.asked-1)
	r.answered = true
	writeAll(r.masterFd, report)
}

// wake types keys to the line editor at once, ahead of the held keys, if it
// is reading a line.
func (r *relay) wake(keys string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.editor {
		writeAll(r.masterFd, []byte(keys))
	}
}

// queued is the number of bytes waiting in the editor's input.
func (r *relay) queued() int {
	n, err := unix.IoctlGetInt(r.slaveFd, unix.TIOCINQ)
	if err != nil {
		return 0
	}
	return n
}

// passLocked hands out held keys: to the editor while it reads a line and
// no cursor report is on its way, else to the console's pipe.
func (r *relay) passLocked() {
	if len(r.held) == 0 {
		return
	}
	if !r.editor {
		n, err := unix.Write(r.pipeW, r.held)
		if err == nil && n > 0 {
			r.held = r.held[n:]
		}
		return
	}
	if r.asked > 0 || r.answered {
		return
	}
	n := min(len(r.held), editorQueue-r.queued())
	if n <= 0 {
		return
	}
	writeAll(r.masterFd, r.held[:n])
	r.held = r.held[n:]
}

// drainSlave reads the keys the editor was given and did not read.
func (r *relay) drainSlave() []byte {
	var keys []byte
	for n := r.queued(); n > 0; n = r.queued() {
		buf := make([]byte, n)
		m, err := unix.Read(r.slaveFd, buf)
		if err != nil || m <= 0 {
			break
		}
		keys = append(keys, buf[:m]...)
	}
	return keys
}

// drain reads what a non-blocking descriptor holds.
func drain(fd int) []byte {
	var keys []byte
	buf := make([]byte, 1024)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil || n <= 0 {
			return keys
		}
		keys = append(keys, buf[:n]...)
	}
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
			if errors.Is(err, unix.EAGAIN) {
				time.Sleep(time.Millisecond)
			}
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}
