// Package frontend is the connection keeping that the network front ends of
// a simulated VRP device (vrp/sshd, vrp/telnetd) share: the accept loop,
// which pauses on temporary errors; the bound on open connections; the bound
// on connections that have not logged in, per source address; the timers
// that close a silent connection or one that does not log in; and the
// closing of every listener, connection and goroutine on Shutdown. The
// protocols, the logging and the exported API stay the servers'.
//
// A session's input goes through one reader goroutine (Pump, or a
// protocol's own reader) into an Input, from which the line discipline
// (vrp/tty), the pager and question answers take their bytes in order, with
// the session's idle timeout; an Interrupter sees the bytes as they are read
// and reports Ctrl+C or Ctrl+K typed while a command runs. A Terminal runs
// an interactive session's commands on them.
//
// A source address may always have MaxPreLoginPerSource connections that
// have not logged in (at most half of MaxConnections, at least one); it gets
// more only while over half of the connection slots stay free after the new
// one, so that one address may use spare slots but never those kept for the
// other addresses.
package frontend

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by Group.Serve after Shutdown.
var ErrClosed = errors.New("frontend: closed")

// Limits bound a Group's connections; both are positive.
type Limits struct {
	// MaxConnections bounds the open connections.
	MaxConnections int
	// MaxPreLoginPerSource is how many connections that have not logged
	// in a source address may always have (see the package comment).
	MaxPreLoginPerSource int
}

// perSource is MaxPreLoginPerSource, at most half the connection limit, at
// least one.
func (l Limits) perSource() int {
	return max(min(l.MaxPreLoginPerSource, l.MaxConnections/2), 1)
}

// Refusal tells why Serve refused a connection.
type Refusal int

const (
	// TooMany: MaxConnections are open.
	TooMany Refusal = iota + 1
	// TooManyFromSource: the source address is over its share of the
	// connections that have not logged in.
	TooManyFromSource
)

// Conn is a connection a Group admitted. It counts as not logged in until
// Group.LoggedIn.
type Conn struct {
	net.Conn
	// Src is the source address the connection counts against.
	Src netip.Addr
	// Spoke is set once the client has sent something (by Read).
	Spoke atomic.Bool
	// Used is set by the server once the connection has logged in and
	// opened a session; it stops the login timer.
	Used atomic.Bool

	preLogin bool // counted in Group.preLogin; guarded by Group.mu
}

// Read notes that the client has spoken.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.Spoke.Load() {
		c.Spoke.Store(true)
	}
	return n, err
}

// Watch closes c after silent unless the client has spoken by then, and
// after login unless it is Used by then. The returned func stops the
// timers.
func (c *Conn) Watch(silent, login time.Duration) (stop func()) {
	ts := time.AfterFunc(silent, func() {
		if !c.Spoke.Load() {
			c.Close()
		}
	})
	tl := time.AfterFunc(login, func() {
		if !c.Used.Load() {
			c.Close()
		}
	})
	return func() {
		ts.Stop()
		tl.Stop()
	}
}

// Group owns one server's listeners, connections and goroutines. The zero
// value is ready to use; its methods are safe for concurrent use.
type Group struct {
	mu        sync.Mutex
	closed    bool
	done      chan struct{} // closed by Shutdown
	listeners map[net.Listener]struct{}
	conns     map[*Conn]struct{}
	preLogin  map[netip.Addr]int // connections not logged in, by source address
	wg        sync.WaitGroup     // accept loops, connections and tracked goroutines
}

// Closing returns a channel closed by Shutdown.
func (g *Group) Closing() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.doneLocked()
}

func (g *Group) doneLocked() chan struct{} {
	if g.done == nil {
		g.done = make(chan struct{})
	}
	return g.done
}

// Serve accepts connections on l and calls serve for each one it admits, in
// its own goroutine; when serve returns, the connection is closed and
// forgotten. A connection over the limits is passed to refused (which may
// log it; nil ignores it) and closed at once. Serve returns ErrClosed after
// Shutdown, else the error that stopped accepting (net.ErrClosed when l was
// closed); l is closed either way.
func (g *Group) Serve(l net.Listener, lim Limits, refused func(net.Conn, Refusal), serve func(*Conn)) error {
	defer l.Close()
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return ErrClosed
	}
	if g.listeners == nil {
		g.listeners = map[net.Listener]struct{}{}
	}
	g.listeners[l] = struct{}{}
	g.wg.Add(1)
	done := g.doneLocked()
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.listeners, l)
		g.mu.Unlock()
		g.wg.Done()
	}()

	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			select {
			case <-done:
				return ErrClosed
			default:
			}
			if isTemporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				select {
				case <-time.After(backoff):
				case <-done:
					return ErrClosed
				}
				continue
			}
			return err
		}
		backoff = 0
		fc := &Conn{Conn: c, Src: AddrPort(c.RemoteAddr()).Addr().WithZone("")}
		g.mu.Lock()
		var why Refusal
		switch {
		case g.closed:
			g.mu.Unlock()
			c.Close()
			continue
		case len(g.conns) >= lim.MaxConnections:
			why = TooMany
		case !g.admitLocked(fc.Src, lim):
			why = TooManyFromSource
		}
		if why != 0 {
			g.mu.Unlock()
			if refused != nil {
				refused(c, why)
			}
			c.Close()
			continue
		}
		if g.conns == nil {
			g.conns = map[*Conn]struct{}{}
			g.preLogin = map[netip.Addr]int{}
		}
		g.conns[fc] = struct{}{}
		g.preLogin[fc.Src]++
		fc.preLogin = true
		g.wg.Add(1)
		g.mu.Unlock()
		go func() {
			defer g.wg.Done()
			serve(fc)
			fc.Close()
			g.mu.Lock()
			delete(g.conns, fc)
			g.leavePreLoginLocked(fc)
			g.mu.Unlock()
		}()
	}
}

// isTemporary reports accept errors worth retrying after a pause (out of
// file descriptors, timeouts).
func isTemporary(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// admitLocked reports whether src may open another connection: below its
// quota of connections not logged in, or while more than half of the slots
// stay free after this one. The caller holds g.mu and has checked the
// connection limit.
func (g *Group) admitLocked(src netip.Addr, lim Limits) bool {
	if g.preLogin[src] < lim.perSource() {
		return true
	}
	m := lim.MaxConnections
	return m-len(g.conns)-1 >= (m+1)/2
}

// LoggedIn stops counting c against its source address's connections not
// logged in.
func (g *Group) LoggedIn(c *Conn) {
	g.mu.Lock()
	g.leavePreLoginLocked(c)
	g.mu.Unlock()
}

func (g *Group) leavePreLoginLocked(c *Conn) {
	if !c.preLogin {
		return
	}
	c.preLogin = false
	if g.preLogin[c.Src]--; g.preLogin[c.Src] <= 0 {
		delete(g.preLogin, c.Src)
	}
}

// Track registers a goroutine that Shutdown waits for; it reports false
// once the group is shut down. A goroutine tracked calls Untrack when it
// ends.
func (g *Group) Track() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	return true
}

// Untrack ends a goroutine registered by Track.
func (g *Group) Untrack() { g.wg.Done() }

// Shutdown stops accepting, closes every connection and waits until the
// group's goroutines have finished or ctx is done. It returns the first
// error closing a listener, or ctx's error.
func (g *Group) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.doneLocked())
	}
	var err error
	for l := range g.listeners {
		if cerr := l.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) && err == nil {
			err = cerr
		}
	}
	for c := range g.conns {
		c.Close()
	}
	g.mu.Unlock()

	finished := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// AddrPort converts a TCP address, an IPv4-mapped address to IPv4; other
// addresses give the zero value.
func AddrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		ap := t.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}
