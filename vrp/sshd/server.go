// Package sshd is the SSH (STelnet) front end of a simulated VRP device: an
// SSH server (github.com/gliderlabs/ssh) that authenticates users against the
// device's AAA database and gives each session the device's CLI.
//
// A session with a pty gets the interactive CLI: the login banner, prompts,
// line editing and history, "?" help, Tab completion, Ctrl+Z, Ctrl+C and the
// pager, with the device's plain bytes (vrp/tty is the line discipline). An
// exec request ("ssh host 'display version'") runs its lines as commands and
// prints only their output; its exit status is 1 when a command was refused.
// A shell without a pty ("ssh -T host") reads command lines from its input
// without echo.
//
// The "sftp" subsystem and exec requests "scp -t"/"scp -f" (OpenSSH's
// legacy scp protocol) serve the device's flash to users the device admits
// (vrp.Device.OpenFileService), confined to their directory; uploads replace
// a file only once complete. The device's RSA local key pair, once made, is
// offered beside the host key.
//
// Every Server serves one device and owns its listeners, connections and
// goroutines; Close and Shutdown end them all.
//
// Connections that have not authenticated cannot starve the users. A source
// address may always have MaxPreLoginPerSource of them open (but never more
// than half of MaxConnections); beyond that it gets more only while over half
// of the connection slots stay free, so that one address may use spare slots
// but never those kept for other addresses. A connection that sends nothing
// at all is closed after SilentTimeout, one that does not authenticate and
// open a session after LoginTimeout (the device's "SSH connection timeout:
// 60 seconds").
package sshd

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gliderlabs/ssh"
	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/internal/frontend"
	gossh "golang.org/x/crypto/ssh"
)

// Defaults for the Server's settings.
const (
	// DefaultFailureDelay is how long a refused password attempt waits before
	// the client learns of the refusal.
	DefaultFailureDelay = 2 * time.Second
	// DefaultLoginTimeout is how long a connection may take to authenticate
	// and open a session ("SSH connection timeout: 60 seconds" on the
	// device).
	DefaultLoginTimeout = 60 * time.Second
	// DefaultSilentTimeout is how long a connection may stay without sending
	// anything, not even its version line (a client sends it at once).
	DefaultSilentTimeout = 10 * time.Second
	// DefaultMaxConnections bounds the connections a server holds at once,
	// most of them logging in (a device has 5 VTY lines).
	DefaultMaxConnections = 32
	// DefaultMaxPreLoginPerSource is how many connections not authenticated
	// one source address may always have open (see
	// Server.MaxPreLoginPerSource).
	DefaultMaxPreLoginPerSource = 4
	// MaxAuthTries is how many failed authentication attempts a connection
	// gets ("SSH authentication retries: 3 times").
	MaxAuthTries = 3
	// serverVersion is the identification string, after "SSH-2.0-".
	serverVersion = "HUAWEI-1.5"
)

// ErrServerClosed is returned by Serve and ListenAndServe after Close or
// Shutdown.
var ErrServerClosed = errors.New("sshd: server closed")

// Server serves one device over SSH. Set its fields before the first call to
// Serve or ListenAndServe and do not change them afterwards. Its methods are
// safe for concurrent use.
type Server struct {
	// Device is the device the sessions log in to (required).
	Device *vrp.Device
	// Addr is the address ListenAndServe listens on, "127.0.0.1:22" if empty.
	Addr string
	// HostKey is the server's host key. When nil, the key is loaded from
	// HostKeyPath (created there on first use, see LoadOrCreateHostKey); when
	// that is empty too, a new key is generated for the server's lifetime.
	HostKey     gossh.Signer
	HostKeyPath string
	// FailureDelay delays the answer to a refused password; 0 means
	// DefaultFailureDelay, a negative value no delay. The delay holds only
	// the connection concerned.
	FailureDelay time.Duration
	// LoginTimeout closes a connection that has not authenticated and opened
	// a session in time; 0 means DefaultLoginTimeout.
	LoginTimeout time.Duration
	// SilentTimeout closes a connection that has sent nothing at all in
	// time; 0 means DefaultSilentTimeout.
	SilentTimeout time.Duration
	// MaxConnections bounds the open connections; more are closed at once.
	// 0 means DefaultMaxConnections.
	MaxConnections int
	// MaxPreLoginPerSource is how many connections that have not
	// authenticated a source address may always have (at most half of
	// MaxConnections, at least one); it gets more only while over half of
	// the connection slots stay free, else they are closed at once. 0 means
	// DefaultMaxPreLoginPerSource.
	MaxPreLoginPerSource int
	// Logger receives connection and login events; nil discards them.
	Logger *slog.Logger

	rsa atomic.Pointer[rsaHostKey] // the signer of the device's RSA key pair, made once per key

	paceStall time.Duration // pacedStall when 0; tests set it
	reads     readBufs      // the buffers of reads of the connections

	initOnce sync.Once
	initErr  error
	ssh      *ssh.Server
	log      *slog.Logger

	conns frontend.Group // listeners, connections and sessions
}

// serverCiphers are the ciphers the SSH server offers: AES only, as on a
// VRP device, whose "ssh server cipher" list holds aes128_ctr and aes256_ctr
// (and CBC modes); the GCM modes of later versions are kept.
// chacha20-poly1305@openssh.com, first in x/crypto/ssh's defaults and in
// OpenSSH's client, is left out: VRP has no such cipher, and x/crypto/ssh
// computes it without assembly on amd64, so that OpenSSH's sftp with its
// default cipher got 0.73 of OpenSSH's sftp-server rate; it now picks
// aes128-ctr, as it does with a real device.
var serverCiphers = []string{
	gossh.CipherAES128GCM, gossh.CipherAES256GCM,
	gossh.CipherAES128CTR, gossh.CipherAES192CTR, gossh.CipherAES256CTR,
}

// connKey is the context key of a connection's *trackedConn.
type connKey struct{}

// trackedConn is an accepted connection, closed by Close and Shutdown; its
// Used is set once a session is opened.
type trackedConn = frontend.Conn

func (srv *Server) init() error {
	srv.initOnce.Do(func() {
		if srv.Device == nil {
			srv.initErr = errors.New("sshd: Server.Device is nil")
			return
		}
		srv.log = srv.Logger
		if srv.log == nil {
			srv.log = slog.New(slog.DiscardHandler)
		}
		signer := srv.HostKey
		if signer == nil && srv.HostKeyPath != "" {
			s, err := LoadOrCreateHostKey(srv.HostKeyPath)
			if err != nil {
				srv.initErr = err
				return
			}
			signer = s
		}
		if signer == nil {
			_, priv, err := ed25519.GenerateKey(rand.Reader)
			if err == nil {
				signer, err = gossh.NewSignerFromKey(priv)
			}
			if err != nil {
				srv.initErr = fmt.Errorf("sshd: host key: %w", err)
				return
			}
		}
		srv.ssh = &ssh.Server{
			Handler:         srv.handleSession,
			HostSigners:     []ssh.Signer{signer},
			Version:         serverVersion,
			PasswordHandler: srv.checkPassword,
			ConnCallback: func(ctx ssh.Context, c net.Conn) net.Conn {
				ctx.SetValue(connKey{}, c)
				return newBatchConn(c, &srv.reads)
			},
			ServerConfigCallback: func(ctx ssh.Context) *gossh.ServerConfig {
				cfg := &gossh.ServerConfig{
					Config:       gossh.Config{Ciphers: serverCiphers},
					MaxAuthTries: MaxAuthTries,
					// A client's first request ("none") learns at once
					// when the VTY lines refuse SSH: its session shows
					// why (handleSession), without asking a password.
					NoClientAuth: true,
					NoClientAuthCallback: func(m gossh.ConnMetadata) (*gossh.Permissions, error) {
						if srv.refuseByVTY(ctx, m.User(), addrPort(m.RemoteAddr())) {
							return nil, nil
						}
						return nil, errors.New("sshd: password required")
					},
				}
				if s := srv.rsaSigner(); s != nil {
					cfg.AddHostKey(s)
				}
				return cfg
			},
			ConnectionFailedCallback: func(c net.Conn, err error) {
				srv.log.Debug("ssh handshake failed", "remote", c.RemoteAddr().String(), "err", err)
			},
			ChannelHandlers:   map[string]ssh.ChannelHandler{"session": srv.pacedSessionHandler},
			SubsystemHandlers: map[string]ssh.SubsystemHandler{"sftp": srv.handleSFTP},
		}
	})
	return srv.initErr
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

func (srv *Server) maxConnections() int {
	if srv.MaxConnections <= 0 {
		return DefaultMaxConnections
	}
	return srv.MaxConnections
}

func (srv *Server) silentTimeout() time.Duration {
	if srv.SilentTimeout <= 0 {
		return DefaultSilentTimeout
	}
	return min(srv.SilentTimeout, srv.loginTimeout())
}

func (srv *Server) maxPreLoginPerSource() int {
	if srv.MaxPreLoginPerSource <= 0 {
		return DefaultMaxPreLoginPerSource
	}
	return srv.MaxPreLoginPerSource
}

func (srv *Server) loginTimeout() time.Duration {
	if srv.LoginTimeout <= 0 {
		return DefaultLoginTimeout
	}
	return srv.LoginTimeout
}

// ListenAndServe listens on srv.Addr (TCP) and serves connections from it.
func (srv *Server) ListenAndServe() error {
	addr := srv.Addr
	if addr == "" {
		addr = "127.0.0.1:22"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sshd: %w", err)
	}
	return srv.Serve(l)
}

// Serve accepts connections on l and serves each in its own goroutine. It
// returns ErrServerClosed after Close or Shutdown, or the error that stopped
// accepting; l is closed either way.
func (srv *Server) Serve(l net.Listener) error {
	defer l.Close()
	if err := srv.init(); err != nil {
		return err
	}
	lim := frontend.Limits{MaxConnections: srv.maxConnections(), MaxPreLoginPerSource: srv.maxPreLoginPerSource()}
	err := srv.conns.Serve(l, lim, func(c net.Conn, why frontend.Refusal) {
		msg := "ssh connection refused: too many connections"
		if why == frontend.TooManyFromSource {
			msg += " from the address"
		}
		srv.log.Info(msg, "remote", c.RemoteAddr().String())
	}, srv.serveConn)
	if errors.Is(err, frontend.ErrClosed) {
		return ErrServerClosed
	}
	return fmt.Errorf("sshd: accept: %w", err)
}

func (srv *Server) serveConn(tc *trackedConn) {
	if !srv.Device.SSHServing() {
		// "undo stelnet server enable" with no SFTP or SCP server: as from
		// a device whose SSH port is closed, the connection ends before the
		// version exchange
		srv.log.Info("ssh connection refused: the STelnet, SFTP and SCP servers are disabled", "remote", tc.RemoteAddr().String())
		return
	}
	defer tc.Watch(srv.silentTimeout(), srv.loginTimeout())()
	srv.ssh.HandleConn(tc)
}

// checkPassword authenticates one password attempt. A refused attempt waits
// FailureDelay (only this connection waits) and counts toward the user's
// lockout in the device's AAA database.
func (srv *Server) checkPassword(ctx ssh.Context, password string) bool {
	remote := addrPort(ctx.RemoteAddr())
	if srv.refuseByVTY(ctx, ctx.User(), remote) {
		return true // the session only shows the refusal
	}
	err := srv.Device.AuthenticateSSH(ctx.User(), password, remote)
	if err == nil {
		srv.log.Info("ssh login", "user", ctx.User(), "remote", remote.String())
		if tc, ok := ctx.Value(connKey{}).(*trackedConn); ok {
			// Authenticated: no longer counts against the address's limit.
			srv.conns.LoggedIn(tc)
		}
		return true
	}
	srv.log.Info("ssh login refused", "user", ctx.User(), "remote", remote.String())
	if d := srv.failureDelay(); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		case <-srv.conns.Closing():
		}
	}
	return false
}

// refusedKey is the context key of the message of a login the VTY lines
// refuse (vrp.Device.SSHRefusal).
type refusedKey struct{}

// refuseByVTY reports whether the VTY lines refuse SSH logins; the message
// is kept in ctx for the session, which shows it and ends. Such a login is
// "accepted" only to show the message: its session never reaches the CLI.
func (srv *Server) refuseByVTY(ctx ssh.Context, user string, remote netip.AddrPort) bool {
	if _, ok := ctx.Value(refusedKey{}).(string); ok {
		return true
	}
	msg := srv.Device.SSHRefusal(user, remote)
	if msg == "" {
		return false
	}
	ctx.SetValue(refusedKey{}, msg)
	return true
}

// addrPort converts a TCP address; other addresses give the zero value.
func addrPort(a net.Addr) netip.AddrPort { return frontend.AddrPort(a) }

// Close stops accepting, closes every connection (ending their sessions) and
// waits for the server's goroutines to finish.
func (srv *Server) Close() error {
	return srv.Shutdown(context.Background())
}

// Shutdown stops accepting, closes every connection (ending their sessions:
// the device is going away) and waits until the server's goroutines have
// finished or ctx is done.
func (srv *Server) Shutdown(ctx context.Context) error {
	return srv.conns.Shutdown(ctx)
}

// startSession begins serving a session channel, for every channel
// handler: it registers the handler's goroutine, notes that the connection
// is in use (which stops its login timer) and answers a connection the VTY
// lines refuse (refusedByVTY). It reports false, and the handler returns at
// once, when the server is closed or the connection refused; else the
// handler calls end when it returns.
func (srv *Server) startSession(ss ssh.Session) (end func(), ok bool) {
	if !srv.conns.Track() {
		return nil, false
	}
	if tc, ok := ss.Context().Value(connKey{}).(*trackedConn); ok {
		tc.Used.Store(true)
	}
	if refusedByVTY(ss) {
		srv.conns.Untrack()
		return nil, false
	}
	return srv.conns.Untrack, true
}
