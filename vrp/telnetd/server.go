// Package telnetd is the Telnet front end of a simulated VRP device: a
// Telnet server (RFC 854) whose connections log in through the device's VTY
// lines (vrp.Device.TelnetLogin: "Login authentication", "Username:",
// "Password:") and then get the device's CLI on the line discipline of
// package vrp/tty, as SSH sessions do.
//
// The server negotiates as a VRP device does: it offers to echo (WILL ECHO)
// and to suppress go-ahead (WILL SUPPRESS-GO-AHEAD) and asks for the
// window size (DO NAWS); every other option is refused, and requests are
// answered by RFC 1143's rules so that no negotiation loops. 0xFF in data
// is sent as IAC IAC; a bare CR as CR NUL; CR NUL and CR LF from the client
// are one Enter. The CLI echoes what is typed whatever the client answered
// to WILL ECHO (a client that refuses, such as Python's telnetlib, still
// gets the device's echo, as from the device).
//
// The limits are those of package vrp/sshd: a refused login waits
// FailureDelay and three refusals close the connection; wrong passwords
// count toward the user's lockout from the source address (package aaa);
// connections that have not logged in are bounded per source address (a
// source may always have MaxPreLoginPerSource, more only while over half of
// MaxConnections stay free); a connection that sends nothing at all is
// closed after SilentTimeout, one that has not logged in after
// LoginTimeout.
//
// The device opens and closes the listener ("telnet server enable", "telnet
// server port"); a Server serves what it is given (Serve) and Close ends
// every connection.
package telnetd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/internal/frontend"
)

// Defaults for the Server's settings (those of vrp/sshd).
const (
	DefaultFailureDelay         = 2 * time.Second
	DefaultLoginTimeout         = 60 * time.Second
	DefaultSilentTimeout        = 10 * time.Second
	DefaultMaxConnections       = 32
	DefaultMaxPreLoginPerSource = 4
)

// ErrServerClosed is returned by Serve after Close or Shutdown.
var ErrServerClosed = errors.New("telnetd: server closed")

// Server serves one device over Telnet. Set its fields before the first
// call to Serve and do not change them afterwards. Its methods are safe for
// concurrent use.
type Server struct {
	// Device is the device the connections log in to (required).
	Device *vrp.Device
	// FailureDelay delays the answer to a refused login; 0 means
	// DefaultFailureDelay, a negative value no delay.
	FailureDelay time.Duration
	// LoginTimeout closes a connection that has not logged in in time; 0
	// means DefaultLoginTimeout.
	LoginTimeout time.Duration
	// SilentTimeout closes a connection that has sent nothing at all in
	// time (a Telnet client answers the server's options at once); 0 means
	// DefaultSilentTimeout.
	SilentTimeout time.Duration
	// MaxConnections bounds the open connections; more are closed at once.
	// 0 means DefaultMaxConnections.
	MaxConnections int
	// MaxPreLoginPerSource is how many connections that have not logged in
	// a source address may always have (see the package comment); 0 means
	// DefaultMaxPreLoginPerSource.
	MaxPreLoginPerSource int
	// Logger receives connection and login events; nil discards them.
	Logger *slog.Logger

	conns frontend.Group
}

func (srv *Server) log() *slog.Logger {
	if srv.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return srv.Logger
}

func (srv *Server) failureDelay() time.Duration {
	switch {
	case srv.FailureDelay < 0:
		return 0
	case srv.FailureDelay == 0:
		return DefaultFailureDelay
	}
	return srv.FailureDelay
}

func (srv *Server) loginTimeout() time.Duration {
	if srv.LoginTimeout <= 0 {
		return DefaultLoginTimeout
	}
	return srv.LoginTimeout
}

func (srv *Server) silentTimeout() time.Duration {
	if srv.SilentTimeout <= 0 {
		return min(DefaultSilentTimeout, srv.loginTimeout())
	}
	return min(srv.SilentTimeout, srv.loginTimeout())
}

func (srv *Server) maxConnections() int {
	if srv.MaxConnections <= 0 {
		return DefaultMaxConnections
	}
	return srv.MaxConnections
}

func (srv *Server) maxPreLoginPerSource() int {
	if srv.MaxPreLoginPerSource <= 0 {
		return DefaultMaxPreLoginPerSource
	}
	return srv.MaxPreLoginPerSource
}

// Serve accepts connections on l and serves each in its own goroutine. It
// returns ErrServerClosed after Close or Shutdown, nil when l was closed
// (the device stopped its Telnet server), or the error that stopped
// accepting; l is closed either way.
func (srv *Server) Serve(l net.Listener) error {
	defer l.Close()
	if srv.Device == nil {
		return errors.New("telnetd: Server.Device is nil")
	}
	lim := frontend.Limits{MaxConnections: srv.maxConnections(), MaxPreLoginPerSource: srv.maxPreLoginPerSource()}
	err := srv.conns.Serve(l, lim, func(c net.Conn, why frontend.Refusal) {
		msg := "telnet connection refused: too many connections"
		if why == frontend.TooManyFromSource {
			msg += " from the address"
		}
		srv.log().Info(msg, "remote", c.RemoteAddr().String())
	}, func(fc *frontend.Conn) {
		tc := &conn{Conn: fc, srv: srv, remote: frontend.AddrPort(fc.RemoteAddr())}
		tc.serve(srv.conns.Closing())
		tc.closeGracefully()
	})
	switch {
	case errors.Is(err, frontend.ErrClosed):
		return ErrServerClosed
	case errors.Is(err, net.ErrClosed):
		return nil
	}
	return fmt.Errorf("telnetd: accept: %w", err)
}

// loggedIn notes that c has logged in.
func (srv *Server) loggedIn(c *conn) {
	c.Conn.Used.Store(true)
	srv.conns.LoggedIn(c.Conn)
}

// Close stops accepting, closes every connection and waits for the
// server's goroutines.
func (srv *Server) Close() error { return srv.Shutdown(context.Background()) }

// Shutdown stops accepting, closes every connection (ending their
// sessions) and waits until the server's goroutines have finished or ctx
// is done.
func (srv *Server) Shutdown(ctx context.Context) error {
	return srv.conns.Shutdown(ctx)
}

// lingerTimeout bounds how long a closing connection waits for the
// client's end of the connection.
const lingerTimeout = time.Second

// closeGracefully ends the connection after what was written to it has
// reached the client: it sends FIN first and discards what the client still
// sends until the client closes too (or lingerTimeout passes). Closing with
// unread input would send a reset instead, and a reset can destroy the last
// lines (a refusal's reason) before the client reads them.
func (c *conn) closeGracefully() {
	if tcp, ok := c.Conn.Conn.(*net.TCPConn); ok {
		if tcp.CloseWrite() == nil {
			tcp.SetReadDeadline(time.Now().Add(lingerTimeout))
			io.Copy(io.Discard, tcp)
		}
	}
	c.Close()
}
