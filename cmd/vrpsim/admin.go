package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/vrpsim/vrpsim/lab"
	"github.com/vrpsim/vrpsim/lab/instructor"
)

// adminPage is the instructor's page of the standalone device (--admin).
type adminPage struct {
	ln   net.Listener
	rec  *instructor.Recorder
	page *instructor.Server
	hs   *http.Server
	err  chan error
}

// listenAdmin listens on addr, which must be a loopback address: the page
// of a device without a lab file has no password.
func listenAdmin(addr string) (*adminPage, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--admin %q: not ADDR:PORT", addr)
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("--admin %q: %s is not a loopback address: the page has no password", addr, host)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--admin: %w", err)
	}
	return &adminPage{ln: ln, rec: instructor.NewRecorder()}, nil
}

// serve serves the page of l.
func (p *adminPage) serve(l *lab.Lab) error {
	srv, err := instructor.New(l, p.rec, instructor.Options{})
	if err != nil {
		return err
	}
	p.page = srv
	p.hs = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	p.err = make(chan error, 1)
	go func() { p.err <- p.hs.Serve(p.ln) }()
	return nil
}

// Close stops the page's server.
func (p *adminPage) Close() {
	if p.hs == nil {
		p.ln.Close()
		return
	}
	p.page.Close() // the live pages' streams
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.hs.Shutdown(ctx)
	<-p.err // http.ErrServerClosed
}
