package ftpd

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"time"
)

// listenPassive opens a passive-mode listener on the device address the client
// connected to, with a port from the configured range.
func (s *session) listenPassive() (net.Listener, error) {
	s.closeData()
	host := s.local.Addr()
	pr := s.srv.cfg.PassivePorts
	if pr.First == 0 || pr.Last < pr.First {
		return net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(host, 0)))
	}
	n := int(pr.Last) - int(pr.First) + 1
	start := rand.IntN(n)
	var lastErr error
	for i := 0; i < n && i < 200; i++ {
		port := uint16(int(pr.First) + (start+i)%n)
		l, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(host, port)))
		if err == nil {
			return l, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("no free passive port in %d-%d: %w", pr.First, pr.Last, lastErr)
}

// errNoDataConn means neither PORT/EPRT nor PASV/EPSV came before a transfer.
var errNoDataConn = errors.New("no data connection prepared")

// dataReady reports whether PORT/EPRT or PASV/EPSV prepared a data connection.
func (s *session) dataReady() bool {
	return s.pasv != nil || s.active.IsValid()
}

// openData establishes the data connection prepared by PASV/EPSV or PORT/EPRT.
// A passive connection from an address other than the client's is closed (port
// stealing) and the wait goes on until the data timeout.
func (s *session) openData(ctx context.Context) (*net.TCPConn, error) {
	timeout := s.srv.cfg.DataTimeout
	if l := s.pasv; l != nil {
		tl := l.(*net.TCPListener)
		tl.SetDeadline(time.Now().Add(timeout))
		stop := context.AfterFunc(ctx, func() { tl.Close() })
		defer stop()
		for {
			c, err := tl.AcceptTCP()
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				err = fmt.Errorf("accept data connection: %w", err)
				s.traceData(true, netip.AddrPort{}, addrPort(l.Addr()), err)
				return nil, err
			}
			peer := addrPort(c.RemoteAddr())
			if peer.Addr() == s.remote.Addr() {
				s.traceData(true, peer, addrPort(c.LocalAddr()), nil)
				return c, nil
			}
			c.Close()
			s.event(Event{Kind: EventPortStealing, Target: peer.String()})
		}
	}
	if !s.active.IsValid() {
		return nil, errNoDataConn
	}
	c, err := s.dialActive(ctx, s.active, timeout)
	if err != nil {
		err = fmt.Errorf("connect to %s: %w", s.active, err)
		s.traceData(false, netip.AddrPortFrom(s.local.Addr(), 0), s.active, err)
		return nil, err
	}
	s.traceData(false, addrPort(c.LocalAddr()), s.active, nil)
	return c, nil
}

// dialActive connects to the client for active mode, from port 20 when
// configured and allowed, otherwise from an ephemeral port.
func (s *session) dialActive(ctx context.Context, to netip.AddrPort, timeout time.Duration) (*net.TCPConn, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	local := s.local.Addr()
	if s.srv.cfg.ActiveFromPort20 && !s.srv.port20Bad.Load() {
		d := net.Dialer{
			LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(local, 20)),
			Control:   reuseAddr,
		}
		c, err := d.DialContext(ctx, "tcp", to.String())
		if err == nil {
			return c.(*net.TCPConn), nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		if isPermission(err) {
			s.srv.port20Once.Do(func() {
				s.srv.port20Bad.Store(true)
				s.srv.log(Event{Kind: EventActivePortFallback, Err: err})
			})
		} else {
			// Busy (a TIME_WAIT of the same pair, say): this transfer only.
			s.srv.log(Event{Kind: EventActivePortBusy, Session: s.id, User: s.user, Remote: s.remote, Target: to.String(), Err: err})
		}
		// Busy or not allowed: use any port.
	}
	d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(local, 0))}
	c, err := d.DialContext(ctx, "tcp", to.String())
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}
