package ftpd

import (
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"
)

// TraceKind classifies a Trace.
type TraceKind int

// Trace kinds.
const (
	TraceCommand TraceKind = iota + 1 // a command line from the client (PASS masked)
	TraceReply                        // a reply line to the client
	TraceData                         // a data connection opened, or failed to open
)

func (k TraceKind) String() string {
	switch k {
	case TraceCommand:
		return "command"
	case TraceReply:
		return "reply"
	case TraceData:
		return "data"
	}
	return "unknown"
}

// Trace is one step of a session's dialogue, for a ladder diagram: a
// command, a reply line, or a data connection.
type Trace struct {
	Kind    TraceKind
	Time    time.Time
	Session uint64
	Remote  netip.AddrPort // the client's control address
	Local   netip.AddrPort // the server's control address
	// Line is the command ("PASS ******" for a password) or the reply line,
	// without CRLF.
	Line string
	// Data describes the data connection of a TraceData.
	Data DataConn
}

// DataConn is a data connection as a Trace reports it.
type DataConn struct {
	// Passive: the client opened it (PASV/EPSV); else the server did (PORT/EPRT).
	Passive bool
	// From and To are the opener's and the listener's address; From is
	// invalid when no connection came.
	From, To netip.AddrPort
	// Err is why it could not be opened; nil when it was.
	Err error
}

// Faults inject failures into a server for tests of automation scripts (the
// lab's fault controls). Each field may be nil, and is called for every
// reply or transfer, so it can change while the server runs.
type Faults struct {
	// ReplyDelay, when it returns more than zero, delays every reply so long.
	ReplyDelay func() time.Duration
	// CutAfter, when it returns more than zero, closes a transfer's data
	// connection once that many bytes have moved.
	CutAfter func() int64
}

// maskCommand hides the argument of PASS.
func maskCommand(text string) string {
	if len(text) >= 4 && strings.EqualFold(text[:4], "PASS") {
		return "PASS ******"
	}
	return text
}

func (s *session) trace(t Trace) {
	if s.srv.cfg.Trace == nil {
		return
	}
	t.Session, t.Remote, t.Local = s.id, s.remote, s.local
	if t.Time.IsZero() {
		t.Time = s.srv.cfg.Now()
	}
	s.srv.cfg.Trace(t)
}

func (s *session) traceReply(code int, text string, first bool, last bool) {
	if s.srv.cfg.Trace == nil {
		return
	}
	sep := " "
	if !last {
		sep = "-"
	}
	line := text
	if first || last {
		line = itoa3(code) + sep + text
	}
	s.trace(Trace{Kind: TraceReply, Line: line})
}

func itoa3(code int) string {
	return string([]byte{byte('0' + code/100%10), byte('0' + code/10%10), byte('0' + code%10)})
}

func (s *session) traceData(passive bool, from, to netip.AddrPort, err error) {
	s.trace(Trace{Kind: TraceData, Data: DataConn{Passive: passive, From: from, To: to, Err: err}})
}

// faultDelay waits out the injected reply delay, if any.
func (s *session) faultDelay() {
	f := s.srv.cfg.Faults
	if f == nil || f.ReplyDelay == nil {
		return
	}
	if d := f.ReplyDelay(); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.ctx.Done():
		}
	}
}

// counter counts a transfer's bytes in n and, with a CutAfter fault, closes
// c once the count passes it.
func (s *session) counter(n *atomic.Int64, c net.Conn) interface{ Add(int64) int64 } {
	f := s.srv.cfg.Faults
	if f == nil || f.CutAfter == nil {
		return n
	}
	limit := f.CutAfter()
	if limit <= 0 {
		return n
	}
	return cutCounter{n: n, c: c, limit: limit}
}

type cutCounter struct {
	n     *atomic.Int64
	c     net.Conn
	limit int64
}

func (c cutCounter) Add(d int64) int64 {
	v := c.n.Add(d)
	if v >= c.limit {
		c.c.Close()
	}
	return v
}
