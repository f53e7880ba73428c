package sshd

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/gliderlabs/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Downloads are paced so that the client never holds more than pacedInFlight
// bytes it has not yet consumed.
//
// SSH flow control (RFC 4254 5.2) lets the server send as much as the
// client's window, 2 MiB for OpenSSH's ssh. A server that fills it keeps the
// client's buffer between the network and sftp (or scp) full, and OpenSSH's
// client pays for a full buffer: it grows it by reallocating and copying in
// 32 KiB steps and moves what is left to its front as sftp drains it. With
// the window full, OpenSSH's sftp spent twice the CPU on a download and ran
// at half the rate (scripts/bench.sh sftp). OpenSSH's own server, slower to
// produce, seldom fills the window on loopback; vrpsim's server always did.
//
// So the server sends while the bytes not yet returned by the client's
// window adjustments stay within pacedInFlight, then waits for the next
// adjustment. golang.org/x/crypto/ssh keeps the window to itself; sendWindow
// reads it (see windowOf). A client that adjusts its window only when more
// than pacedInFlight is outstanding (RFC 4254 leaves that to the client)
// would wait for data the server holds back: after pacedStall without an
// adjustment the channel is sent unpaced.
const (
	pacedInFlight = 512 << 10
	pacedStall    = 50 * time.Millisecond
)

// sendWindow is the send window golang.org/x/crypto/ssh keeps for one
// channel: the bytes the peer still accepts, guarded by the mutex of cond,
// which is broadcast whenever the window grows or the channel closes.
type sendWindow struct {
	cond   *sync.Cond
	win    *uint32
	closed *bool
}

// errWindowLayout means that the channel is not the one windowOf knows.
var errWindowLayout = errors.New("sshd: unknown layout of x/crypto/ssh's channel")

// windowOf finds the send window of a channel of golang.org/x/crypto/ssh,
// which keeps it in an unexported field (remoteWin, a struct of a
// *sync.Cond, win uint32 and closed bool). Every field is looked up by name
// and type; errWindowLayout says that a version of x/crypto/ssh changed
// them (TestWindowOf fails then), and the channel goes unpaced.
func windowOf(ch gossh.Channel) (sendWindow, error) {
	v := reflect.ValueOf(ch)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return sendWindow{}, fmt.Errorf("%w: %T", errWindowLayout, ch)
	}
	rw := v.Elem().FieldByName("remoteWin")
	if rw.Kind() != reflect.Struct {
		return sendWindow{}, fmt.Errorf("%w: no remoteWin in %T", errWindowLayout, ch)
	}
	cond, win, closed := rw.FieldByName("Cond"), rw.FieldByName("win"), rw.FieldByName("closed")
	if !cond.IsValid() || cond.Type() != reflect.TypeFor[*sync.Cond]() || win.Kind() != reflect.Uint32 || closed.Kind() != reflect.Bool {
		return sendWindow{}, fmt.Errorf("%w: remoteWin of %T is %s", errWindowLayout, ch, rw.Type())
	}
	w := sendWindow{
		cond:   *(**sync.Cond)(cond.Addr().UnsafePointer()),
		win:    (*uint32)(win.Addr().UnsafePointer()),
		closed: (*bool)(closed.Addr().UnsafePointer()),
	}
	if w.cond == nil {
		return sendWindow{}, fmt.Errorf("%w: remoteWin of %T has no Cond", errWindowLayout, ch)
	}
	return w, nil
}

// pacer holds a channel's writes while more than limit bytes are in flight:
// sent and not yet given back by the peer's window adjustments.
type pacer struct {
	w     sendWindow
	limit uint32
	stall time.Duration

	// Guarded by w.cond.L.
	full    uint32 // the largest window seen: the peer's window size
	unpaced bool   // a stall turned pacing off
	stalled bool   // the stall timer of the current wait fired
	gen     uint64 // counts stall timers, so that a stale one is ignored
}

func newPacer(w sendWindow, limit uint32, stall time.Duration) *pacer {
	return &pacer{w: w, limit: limit, stall: stall}
}

// wait returns once n more bytes may be sent: when the bytes in flight and
// n stay within the limit, when nothing is in flight, when the channel is
// closed, or when no adjustment came for p.stall (and from then on at once).
func (p *pacer) wait(n int) {
	L := p.w.cond.L
	L.Lock()
	defer L.Unlock()
	var timer *time.Timer
	stopTimer := func() {
		if timer != nil {
			timer.Stop()
			timer = nil
		}
		p.gen++
		p.stalled = false
	}
	defer stopTimer()
	last := *p.w.win
	for !p.unpaced && !*p.w.closed {
		win := *p.w.win
		p.full = max(p.full, win)
		inFlight := uint64(p.full - win)
		if p.full <= p.limit || inFlight == 0 || inFlight+uint64(n) <= uint64(p.limit) {
			return // a window within the limit paces itself
		}
		if win > last { // an adjustment: the stall starts again
			last = win
			stopTimer()
		}
		if p.stalled {
			p.unpaced = true
			return
		}
		if timer == nil {
			gen := p.gen
			timer = time.AfterFunc(p.stall, func() {
				L.Lock()
				defer L.Unlock()
				if p.gen == gen {
					p.stalled = true
					p.w.cond.Broadcast()
				}
			})
		}
		p.w.cond.Wait()
	}
}

// pacedChannel is a session channel whose writes wait for its pacer.
type pacedChannel struct {
	gossh.Channel
	p *pacer
}

// Write sends b in pieces of at most half the pacer's limit, each once the
// pacer lets it go.
func (c *pacedChannel) Write(b []byte) (int, error) {
	var sent int
	for len(b) > 0 {
		piece := b[:min(len(b), int(c.p.limit/2))]
		c.p.wait(len(piece))
		n, err := c.Channel.Write(piece)
		sent += n
		if err != nil {
			return sent, err
		}
		b = b[n:]
	}
	return sent, nil
}

// pacedNewChannel accepts a channel as a pacedChannel, or as it is when
// its window cannot be read.
type pacedNewChannel struct {
	gossh.NewChannel
	stall time.Duration
	log   func(error)
}

func (nc pacedNewChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := nc.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	w, err := windowOf(ch)
	if err != nil {
		nc.log(err)
		return ch, reqs, nil
	}
	return &pacedChannel{Channel: ch, p: newPacer(w, pacedInFlight, nc.stall)}, reqs, nil
}

// pacedSessionHandler is gliderlabs/ssh's session handler over paced
// channels.
func (srv *Server) pacedSessionHandler(s *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	stall := srv.paceStall
	if stall == 0 {
		stall = pacedStall
	}
	ssh.DefaultSessionHandler(s, conn, pacedNewChannel{NewChannel: nc, stall: stall, log: func(err error) {
		srv.log.Warn("ssh channel not paced", "err", err)
	}}, ctx)
}
