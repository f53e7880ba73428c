// Package ftpd implements the embedded FTP server of a simulated VRP device.
//
// The server speaks RFC 959 with the extensions real clients rely on (RFC 2389
// FEAT/OPTS, RFC 2428 EPSV/EPRT, RFC 3659 SIZE/MDTM/REST STREAM/MLST/MLSD and
// RFC 2640 UTF-8 names) and answers with the reply texts of a Huawei VRP device
// where those are known (for example "220 FTP service ready."). Files live in a
// [flash.FS]; every user is confined to a root directory of that file system, which
// the client sees as "/".
//
// Logins go through an [Authenticator] that the device adapts to its AAA users.
// The server itself enforces the protocol-level protections of RFC 2577: no FTP
// bounce (PORT/EPRT only to the client's own address), no data-port stealing
// (passive connections only from the client's address), a delay after each failed
// login, a limit on failed logins per connection, a limit on connections and
// logged-in users, and login and idle timeouts.
//
// Connections that have not logged in cannot starve the users. A source
// address may always have MaxPreLoginPerSource of them open (but never more
// than half of MaxConnections); beyond that it gets more only while over half
// of the connection slots stay free, so that one address (a crowd of clients
// on one host) may use spare slots but never those kept for other addresses.
// A connection that sends no USER within UserTimeout is closed, one that does
// not log in within LoginTimeout too. Every refused PASS waits FailureDelay,
// whatever the reason, and the user limit is checked before the password, so
// the answer does not depend on whether the password was right.
//
// A Server is started with [Server.Serve] on one or more listeners; the address a
// client connected to is the address PASV and EPSV announce. [Server.Shutdown] and
// [Server.Close] stop it and end every goroutine it started; a stopped Server
// cannot be started again ("ftp server enable" after "undo ftp server" makes a new
// one). The idle timeout, the user limit and the client filter change at run time.
//
// Choices where the RFCs leave room:
//   - TYPE A converts line ends both ways (LF to CRLF on RETR, unless already
//     CRLF; CRLF to LF on STOR). REST offsets and SIZE count file bytes in both
//     types, as vsftpd and proftpd do.
//   - DELE removes a file for good; it does not go to the recycle bin.
//   - LIST and NLST include "." and ".." like the device (".." first, "." last).
//   - A command sent during a transfer waits for its end, except ABOR, QUIT,
//     STAT and NOOP.
package ftpd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vrpsim/vrpsim/flash"
)

// Defaults used when the corresponding Config field is zero.
const (
	DefaultIdleTimeout      = 30 * time.Minute // AR V200R007 "Timeout value(in minute) 30"
	DefaultMaxSessions      = 5                // AR "Max user number 5"
	DefaultLoginTimeout     = 60 * time.Second
	DefaultDataTimeout      = 30 * time.Second
	DefaultFailureDelay     = 2 * time.Second
	DefaultMaxLoginFailures = 3
	// DefaultUserTimeout closes a connection that has sent no USER command
	// 20 seconds after connecting: enough to type a name at a client's
	// prompt, short for a connection that only holds a slot.
	DefaultUserTimeout = 20 * time.Second
	// DefaultMaxPreLoginPerSource is how many connections not logged in one
	// source address may always have open (see Config.MaxPreLoginPerSource).
	DefaultMaxPreLoginPerSource = 4
	// MaxLineLength is the longest command line accepted, CRLF included. Longer
	// lines are answered with 500 and discarded; the session goes on.
	MaxLineLength = 4096
)

// Login is the result of a successful authentication.
type Login struct {
	// Root is the user's directory as a flash path ("flash:" or "flash:/test").
	// The client sees it as "/" and cannot leave it.
	Root string
	// ReadOnly refuses every command that changes the file system.
	ReadOnly bool
	// Release frees the session slot the login took (the user's access-limit); the
	// server calls it once when the session ends. It may be nil.
	Release func()
}

// Authenticator checks FTP logins. The device adapts its AAA users to it.
type Authenticator interface {
	// Login checks a user name and password. On success it returns the user's root
	// directory and a release func for the session slot. Every refusal is an error
	// (unknown user, bad password, blocked or locked account, no ftp service, no
	// directory, privilege below 3, access-limit reached, ...): the client sees the
	// same 530 for all of them, and the error text goes into the EventLoginFailed
	// event as the reason. Each refusal should take the same work whether or
	// not the password was right (the device's hashes the password once for
	// every refusal), as the server adds the same delay to each.
	Login(ctx context.Context, user, password string, remote netip.AddrPort) (Login, error)
}

// AuthenticatorFunc adapts a function to the Authenticator interface.
type AuthenticatorFunc func(ctx context.Context, user, password string, remote netip.AddrPort) (Login, error)

// Login calls f.
func (f AuthenticatorFunc) Login(ctx context.Context, user, password string, remote netip.AddrPort) (Login, error) {
	return f(ctx, user, password, remote)
}

// PortRange is an inclusive range of TCP ports for passive data connections. The
// zero value means any ephemeral port chosen by the system.
type PortRange struct {
	First, Last uint16
}

// Config configures a Server. Only FS and Auth are required.
type Config struct {
	FS   flash.FS
	Auth Authenticator

	// IdleTimeout closes a logged-in session that sends no command for this long
	// (the device's "ftp timeout", in minutes there). Default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// LoginTimeout closes a connection that has not logged in after this long.
	// Default DefaultLoginTimeout.
	LoginTimeout time.Duration
	// UserTimeout closes a connection that has sent no USER command this long
	// after connecting (it never exceeds LoginTimeout). Default
	// DefaultUserTimeout.
	UserTimeout time.Duration
	// MaxPreLoginPerSource is how many connections that have not logged in a
	// source address may always have (at most half the connection limit, at
	// least one); it gets more only while over half of the connection slots
	// stay free, else they are refused with 421. Default
	// DefaultMaxPreLoginPerSource.
	MaxPreLoginPerSource int
	// DataTimeout bounds the wait for a data connection and every read or write
	// on it that makes no progress.
	DataTimeout time.Duration
	// MaxSessions is the number of users logged in at once (the device's "Max user
	// number"). Default DefaultMaxSessions.
	MaxSessions int
	// MaxConnections limits control connections, logged in or not. Default
	// 2*MaxSessions+2.
	MaxConnections int
	// FailureDelay is the pause before the reply to a refused PASS (530, or 421
	// when the user limit is reached), whatever the reason. Negative means none.
	// Default DefaultFailureDelay.
	FailureDelay time.Duration
	// Sleep waits out FailureDelay, returning ctx's error if ctx ends first
	// (tests record the calls). Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxLoginFailures closes the connection after this many failed logins on it.
	MaxLoginFailures int
	// PassivePorts is the range PASV and EPSV listen on.
	PassivePorts PortRange
	// ActiveFromPort20 makes active-mode data connections start from port 20 (RFC
	// 959's L-1). When the process may not bind port 20 the server falls back to an
	// ephemeral port and says so once with an EventActivePortFallback.
	ActiveFromPort20 bool
	// Allow filters clients by address (the device's "ftp acl"); nil allows all.
	Allow func(netip.Addr) bool
	// Banner lines are sent before "220 FTP service ready." as a multi-line
	// greeting, as newer builds do with "Warning: Ftp is not a secure protocol,
	// and it is recommended to use Sftp.". Empty: the one-line banner.
	Banner []string
	// Location is the time zone of LIST times. Default UTC. MDTM and MLST are
	// always UTC.
	Location *time.Location
	// Now returns the current time (tests). Default time.Now.
	Now func() time.Time
	// Log receives events. It is called from session goroutines, so it must be
	// safe for concurrent use and should not block.
	Log func(Event)
	// Trace, when set, receives every command, reply line and data
	// connection of every session (the instructor's ladder diagram); like
	// Log it must be safe for concurrent use and should not block.
	Trace func(Trace)
	// Faults, when set, injects failures (see Faults).
	Faults *Faults
}

// EventKind classifies an Event.
type EventKind int

// Event kinds.
const (
	EventConnect            EventKind = iota + 1 // control connection accepted
	EventRejected                                // connection refused: ACL, connection or user limit
	EventLogin                                   // successful login
	EventLoginFailed                             // failed login; Err holds the reason
	EventLogout                                  // session ended; Reason says why
	EventDownload                                // RETR finished (Err set when it failed)
	EventUpload                                  // STOR/STOU/APPE finished (Err set when it failed)
	EventDelete                                  // DELE or RMD
	EventMkdir                                   // MKD
	EventRename                                  // RNTO; Path is the old, Target the new path
	EventBounceRefused                           // PORT/EPRT to a foreign address refused
	EventPortStealing                            // passive data connection from a foreign address closed
	EventActivePortFallback                      // port 20 could not be bound; active mode uses ephemeral ports
	EventActivePortBusy                          // port 20 was busy for one data connection; Err says why
)

var eventKindNames = map[EventKind]string{
	EventConnect: "connect", EventRejected: "rejected", EventLogin: "login",
	EventLoginFailed: "login-failed", EventLogout: "logout", EventDownload: "download",
	EventUpload: "upload", EventDelete: "delete", EventMkdir: "mkdir", EventRename: "rename",
	EventBounceRefused: "bounce-refused", EventPortStealing: "port-stealing",
	EventActivePortFallback: "active-port-fallback", EventActivePortBusy: "active-port-busy",
}

func (k EventKind) String() string {
	if s, ok := eventKindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is something worth logging: logins, failures, logouts, transfers,
// refused attacks.
type Event struct {
	Kind    EventKind
	Time    time.Time
	Session uint64         // session ID (0 for server-wide events)
	User    string         // user name, once given
	Remote  netip.AddrPort // client control address
	Local   netip.AddrPort // server control address
	Path    string         // flash path of the file concerned
	Target  string         // rename destination, or the refused data address
	Bytes   int64          // bytes transferred (file bytes, before ASCII conversion)
	Reason  string         // why a connection was rejected or a session ended
	Err     error          // failure cause
}

// SessionInfo describes a control connection, for "display ftp-users".
type SessionInfo struct {
	ID       uint64
	User     string // empty before login
	LoggedIn bool
	Remote   netip.AddrPort
	Local    netip.AddrPort
	Root     string        // the user's directory as Login returned it, "topdir"
	Cwd      string        // current directory as the client sees it
	Idle     time.Duration // since the last command
	Since    time.Time     // connection time
}

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("ftpd: server closed")

// Server is an FTP server. Its methods are safe for concurrent use.
type Server struct {
	cfg Config // immutable after New, except the atomics below

	idleTimeout atomic.Int64 // time.Duration
	maxSessions atomic.Int64
	allow       atomic.Pointer[func(netip.Addr) bool]
	changed     atomic.Pointer[chan struct{}] // closed and replaced when a setting changes

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc

	mu         sync.Mutex
	closed     bool
	listeners  map[net.Listener]struct{}
	sessions   map[uint64]*session
	preLogin   map[netip.Addr]int // connections not logged in, by source address
	nextID     uint64
	loggedIn   int // user slots taken, by logged-in users and logins in progress
	port20Once sync.Once
	port20Bad  atomic.Bool

	wg sync.WaitGroup // Serve loops and session goroutines
}

// New returns a Server for cfg. It panics if cfg.FS or cfg.Auth is nil.
func New(cfg Config) *Server {
	if cfg.FS == nil || cfg.Auth == nil {
		panic("ftpd: Config.FS and Config.Auth are required")
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.LoginTimeout <= 0 {
		cfg.LoginTimeout = DefaultLoginTimeout
	}
	if cfg.UserTimeout <= 0 {
		cfg.UserTimeout = DefaultUserTimeout
	}
	if cfg.MaxPreLoginPerSource <= 0 {
		cfg.MaxPreLoginPerSource = DefaultMaxPreLoginPerSource
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.DataTimeout <= 0 {
		cfg.DataTimeout = DefaultDataTimeout
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	// MaxConnections 0 keeps following MaxSessions, also when SetMaxSessions
	// changes it (see maxConnections).
	if cfg.FailureDelay == 0 {
		cfg.FailureDelay = DefaultFailureDelay
	}
	if cfg.MaxLoginFailures <= 0 {
		cfg.MaxLoginFailures = DefaultMaxLoginFailures
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		cfg:       cfg,
		listeners: make(map[net.Listener]struct{}),
		sessions:  make(map[uint64]*session),
		preLogin:  make(map[netip.Addr]int),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	changed := make(chan struct{})
	s.changed.Store(&changed)
	s.idleTimeout.Store(int64(cfg.IdleTimeout))
	s.maxSessions.Store(int64(cfg.MaxSessions))
	s.SetAllow(cfg.Allow)
	return s
}

// SetIdleTimeout changes the idle timeout ("ftp timeout"). It applies to every
// session from its next wait for a command on.
func (s *Server) SetIdleTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultIdleTimeout
	}
	s.idleTimeout.Store(int64(d))
	s.notifyChange()
}

// configChanged returns a channel closed at the next change of a setting.
func (s *Server) configChanged() <-chan struct{} { return *s.changed.Load() }

func (s *Server) notifyChange() {
	ch := make(chan struct{})
	close(*s.changed.Swap(&ch))
}

// IdleTimeout returns the current idle timeout.
func (s *Server) IdleTimeout() time.Duration { return time.Duration(s.idleTimeout.Load()) }

// maxConnections is the limit of control connections: Config.MaxConnections,
// or twice the current user limit plus two.
func (s *Server) maxConnections() int {
	if s.cfg.MaxConnections > 0 {
		return s.cfg.MaxConnections
	}
	return 2*s.MaxSessions() + 2
}

// maxPreLoginPerSource is the limit of connections from one source address
// that have not logged in: Config.MaxPreLoginPerSource, at most half the
// connection limit, at least one.
func (s *Server) maxPreLoginPerSource() int {
	return max(min(s.cfg.MaxPreLoginPerSource, s.maxConnections()/2), 1)
}

// admitLocked reports whether src may open another connection: below its
// quota of connections not logged in, or while more than half of the slots
// stay free after this one (see the package comment). The caller holds s.mu
// and has checked the connection limit.
func (s *Server) admitLocked(src netip.Addr) bool {
	if s.preLogin[src] < s.maxPreLoginPerSource() {
		return true
	}
	m := s.maxConnections()
	return m-len(s.sessions)-1 >= (m+1)/2
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SetMaxSessions changes the number of users that may be logged in at once
// (and, unless Config.MaxConnections is set, the connection limit with it).
// Users already logged in stay.
func (s *Server) SetMaxSessions(n int) {
	if n <= 0 {
		n = DefaultMaxSessions
	}
	s.maxSessions.Store(int64(n))
}

// MaxSessions returns the limit of users logged in at once.
func (s *Server) MaxSessions() int { return int(s.maxSessions.Load()) }

// SetAllow replaces the client filter ("ftp acl"); nil allows every client. It
// applies to new connections.
func (s *Server) SetAllow(allow func(netip.Addr) bool) {
	if allow == nil {
		s.allow.Store(nil)
		return
	}
	s.allow.Store(&allow)
}

func (s *Server) allowed(a netip.Addr) bool {
	f := s.allow.Load()
	return f == nil || (*f)(a.Unmap())
}

func (s *Server) log(e Event) {
	if s.cfg.Log == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = s.cfg.Now()
	}
	s.cfg.Log(e)
}

// Serve accepts control connections on l until the server is closed, and closes
// l when it returns. It returns ErrServerClosed after Shutdown or Close, or the
// error that ended the accept loop.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()

	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("ftpd: accept: %w", err)
			}
			// Temporary trouble (such as too many open files): back off.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
				continue
			case <-s.ctx.Done():
				t.Stop()
				return ErrServerClosed
			}
		}
		backoff = 0
		s.accept(c)
	}
}

// accept registers a new control connection and starts its session, or refuses it.
func (s *Server) accept(c net.Conn) {
	remote := addrPort(c.RemoteAddr())
	local := addrPort(c.LocalAddr())
	if sc, ok := c.(syscall.Conn); ok {
		setOOBInline(sc) // best effort: without it only urgent ABORs suffer
	}
	refuse := func(reason string) {
		s.log(Event{Kind: EventRejected, Remote: remote, Local: local, Reason: reason})
		c.SetWriteDeadline(time.Now().Add(time.Second))
		fmt.Fprintf(c, "421 Service not available, closing control connection.\r\n")
		c.Close()
	}
	if !s.allowed(remote.Addr()) {
		refuse("denied by ACL")
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return
	}
	if len(s.sessions) >= s.maxConnections() {
		s.mu.Unlock()
		refuse("too many connections")
		return
	}
	src := sourceKey(remote)
	if !s.admitLocked(src) {
		s.mu.Unlock()
		refuse("too many connections from the address")
		return
	}
	s.preLogin[src]++
	s.nextID++
	sess := newSession(s, s.nextID, c, remote, local)
	sess.preLogin = true
	s.sessions[sess.id] = sess
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		sess.serve()
		s.mu.Lock()
		delete(s.sessions, sess.id)
		s.leavePreLoginLocked(sess)
		s.mu.Unlock()
		close(sess.ended)
	}()
}

// sourceKey is the source address a connection counts against.
func sourceKey(remote netip.AddrPort) netip.Addr { return remote.Addr().Unmap().WithZone("") }

// leavePreLoginLocked stops counting sess as a connection that has not
// logged in. The caller holds s.mu.
func (s *Server) leavePreLoginLocked(sess *session) {
	if !sess.preLogin {
		return
	}
	sess.preLogin = false
	src := sourceKey(sess.remote)
	if s.preLogin[src]--; s.preLogin[src] <= 0 {
		delete(s.preLogin, src)
	}
}

// claimLogin takes a logged-in user slot for a login about to be checked,
// reporting false when all are taken.
func (s *Server) claimLogin(sess *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loggedIn >= s.MaxSessions() {
		return false
	}
	s.loggedIn++
	sess.countedLogin = true
	return true
}

// unclaimLogin gives back the slot of a refused login.
func (s *Server) unclaimLogin(sess *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess.countedLogin {
		s.loggedIn--
		sess.countedLogin = false
	}
}

// loggedInNow records that sess logged in: it no longer counts against its
// address's limit of connections not logged in.
func (s *Server) loggedInNow(sess *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.leavePreLoginLocked(sess)
}

// Sessions lists the control connections, logged in or not, by ID.
func (s *Server) Sessions() []SessionInfo {
	s.mu.Lock()
	list := make([]*session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		list = append(list, sess)
	}
	s.mu.Unlock()
	now := time.Now()
	infos := make([]SessionInfo, 0, len(list))
	for _, sess := range list {
		infos = append(infos, sess.info(now))
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].ID < infos[j].ID })
	return infos
}

// UserCount reports how many users are logged in ("User count").
func (s *Server) UserCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loggedIn
}

// kickWait bounds how long Kick waits for a session to end.
const kickWait = 5 * time.Second

// Kick closes the session with the given ID ("free ftp"), telling the client
// with a 421 reply, and waits (a few seconds at most) until the session has
// ended, so that the user no longer counts as logged in. It reports whether
// such a session existed.
func (s *Server) Kick(id uint64) bool {
	s.mu.Lock()
	sess := s.sessions[id]
	s.mu.Unlock()
	if sess == nil {
		return false
	}
	sess.kick("kicked by administrator")
	t := time.NewTimer(kickWait)
	defer t.Stop()
	select {
	case <-sess.ended:
	case <-t.C:
	}
	return true
}

// KickUser closes every session logged in as user (compared case-insensitively,
// like AAA user names) and returns how many there were.
func (s *Server) KickUser(user string) int {
	n := 0
	for _, info := range s.Sessions() {
		if info.LoggedIn && equalFold(info.User, user) && s.Kick(info.ID) {
			n++
		}
	}
	return n
}

// Shutdown stops accepting connections, then waits for the sessions to end on
// their own until ctx is done, when it closes them. It returns ctx's error in
// that case. Every goroutine of the server has ended when it returns.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopListening()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.Close()
		<-done
		return ctx.Err()
	}
}

// Close stops the server at once: listeners and every session are closed (the
// clients get a 421 reply). It returns when every goroutine has ended.
func (s *Server) Close() error {
	s.stopListening()
	s.mu.Lock()
	list := make([]*session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		list = append(list, sess)
	}
	s.mu.Unlock()
	for _, sess := range list {
		sess.kick("server closed")
	}
	s.cancel()
	s.wg.Wait()
	return nil
}

func (s *Server) stopListening() {
	s.mu.Lock()
	s.closed = true
	ls := make([]net.Listener, 0, len(s.listeners))
	for l := range s.listeners {
		ls = append(ls, l)
	}
	s.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// addrPort converts a net.Addr of a TCP connection to a netip.AddrPort.
func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	if a == nil {
		return netip.AddrPort{}
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}
