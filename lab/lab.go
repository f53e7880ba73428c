package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/sshd"
	"github.com/vrpsim/vrpsim/vrp/telnetd"
)

// Errors of StopDevice and StartDevice.
var (
	ErrNoDevice       = errors.New("no such device")
	ErrStopped        = errors.New("device is stopped")
	ErrRunning        = errors.New("device is running")
	ErrLabShutdown    = errors.New("lab is shut down")
	errListenerFailed = errors.New("listener failed")
)

// Options tune how a lab runs its devices.
type Options struct {
	// Logger receives the lab's events (a device starting, stopping, or
	// booting without its startup configuration) and each SSH server's
	// events, with a "device" attribute. nil discards them.
	Logger *slog.Logger
	// Device, when set, adjusts the options of every device before it boots
	// (tests make password hashing cheap). It must not replace Flash, Address
	// or Listen; a Remote it sets is asked after the lab's own mapping.
	Device func(name string, opts *vrp.Options)
	// SSH, when set, adjusts every SSH server before it serves.
	SSH func(name string, srv *sshd.Server)
	// Telnet, when set, adjusts every Telnet server before it serves (it
	// must not set Device).
	Telnet func(name string, srv *telnetd.Server)
	// SSHFailed, when set, is called when a device's SSH server stops by
	// itself (its listener failed), not by StopDevice or Shutdown. The lab
	// logs it in any case.
	SSHFailed func(name string, err error)
}

// Lab is a running lab. Its methods are safe for concurrent use.
type Lab struct {
	file    *File
	opts    Options
	hashing *aaa.HashLimiter // shared by the devices' AAA databases
	log     *slog.Logger
	nodes   []*node
	byName  map[string]*node
	byAddr  map[netip.Addr]*node
	closed  atomic.Bool
}

// Start starts every device of the lab: it first opens every device's SSH
// listener, so that an address or port that cannot be used stops the lab
// before any device serves, then boots the devices in parallel. On error
// nothing is left running.
func Start(f *File, opts Options) (*Lab, error) {
	l := &Lab{file: f, opts: opts, log: opts.Logger, byName: map[string]*node{}, byAddr: map[netip.Addr]*node{}, hashing: aaa.NewHashLimiter(0)}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	for _, d := range f.Devices {
		n := &node{lab: l, spec: d, log: l.log.With("device", d.Sysname)}
		n.ftpPort.Store(int32(d.FTPPort))
		l.nodes = append(l.nodes, n)
		l.byName[d.Sysname] = n
		l.byAddr[d.Address] = n
	}
	for _, n := range l.nodes {
		ln, err := n.openSSH()
		if err != nil {
			l.closeListeners()
			return nil, n.errorf("%w", err)
		}
		n.listen = ln
	}
	errs := make([]error, len(l.nodes))
	l.each(func(i int, n *node) {
		n.mu.Lock()
		defer n.mu.Unlock()
		errs[i] = n.startLocked()
	})
	if err := errors.Join(errs...); err != nil {
		l.Shutdown(context.Background())
		for _, e := range errs {
			if e != nil {
				return nil, e
			}
		}
	}
	return l, nil
}

// remote is every device's vrp.Options.Remote: a device's FTP client
// reaching port 21 of a lab device's address reaches that device's FTP
// server where it really listens (the lab file's ftp-port), so "ftp
// 127.0.1.2" on R1 reaches R2 as the lab guide writes it.
func (l *Lab) remote(network string, dst netip.AddrPort) netip.AddrPort {
	if network != "tcp" || dst.Port() != DefaultFTPPort {
		return netip.AddrPort{}
	}
	n, ok := l.byAddr[dst.Addr().Unmap()]
	if !ok {
		return netip.AddrPort{}
	}
	port := n.ftpPort.Load()
	if port == 0 { // its FTP server never listened
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(dst.Addr().Unmap(), uint16(port))
}

// reachable is every device's vrp.Options.Reachable: ping answers from the
// address of a lab device that runs.
func (l *Lab) reachable(a netip.Addr) bool {
	n, ok := l.byAddr[a.Unmap()]
	if !ok {
		return false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.run != nil
}

// each runs fn for every node, a few at a time.
func (l *Lab) each(fn func(i int, n *node)) {
	workers := min(runtime.GOMAXPROCS(0)*4, len(l.nodes))
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(l.nodes) {
					return
				}
				fn(i, l.nodes[i])
			}
		})
	}
	wg.Wait()
}

func (l *Lab) closeListeners() {
	for _, n := range l.nodes {
		if n.listen != nil {
			n.listen.Close()
			n.listen = nil
		}
	}
}

func (l *Lab) node(name string) (*node, error) {
	n, ok := l.byName[name]
	if !ok {
		for _, o := range l.nodes { // sysnames are unique case-insensitively
			if strings.EqualFold(o.spec.Sysname, name) {
				return o, nil
			}
		}
		return nil, fmt.Errorf("%s: %w", name, ErrNoDevice)
	}
	return n, nil
}

// StopDevice stops one device, as switching it off would: its sessions end,
// its servers close, its running configuration is lost (nothing is saved)
// and its flash is kept. The other devices keep serving.
func (l *Lab) StopDevice(ctx context.Context, name string) error {
	n, err := l.node(name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.run == nil {
		return fmt.Errorf("%s: %w", n.spec.Sysname, ErrStopped)
	}
	if err := n.stopLocked(ctx); err != nil {
		return fmt.Errorf("stop %s: %w", n.spec.Sysname, err)
	}
	n.log.Info("device stopped")
	return nil
}

// StartDevice starts a stopped device again on the same address and ports:
// it boots from its flash, as switching it on would.
func (l *Lab) StartDevice(name string) error {
	n, err := l.node(name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if l.closed.Load() {
		return ErrLabShutdown
	}
	if n.run != nil {
		return fmt.Errorf("%s: %w", n.spec.Sysname, ErrRunning)
	}
	ln, err := n.openSSH()
	if err != nil {
		return fmt.Errorf("start %s: %w", n.spec.Sysname, err)
	}
	n.listen = ln
	if err := n.startLocked(); err != nil {
		return fmt.Errorf("start %s: %w", n.spec.Sysname, err)
	}
	n.log.Info("device started", "ssh", n.sshAddr().String())
	return nil
}

// Device returns the running device named name, or nil when it is stopped
// or unknown.
func (l *Lab) Device(name string) *vrp.Device {
	n, err := l.node(name)
	if err != nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.run == nil {
		return nil
	}
	return n.run.dev
}

// Status describes one device of a running lab.
type Status struct {
	Sysname string
	Address netip.Addr
	// Listen is where its servers listen when not on Address (invalid
	// otherwise).
	Listen netip.Addr
	// SSH is where its SSH server listens (also while it is stopped: where it
	// will listen again); invalid for a device without SSH.
	SSH netip.AddrPort
	// FTP is where its FTP server listens; invalid when the device is stopped
	// or its FTP server is disabled.
	FTP     netip.AddrPort
	Running bool
	// InitialPassword: the device runs and its user admin still has the
	// initial password every new device has (Admin@huawei).
	InitialPassword bool
	Flash           string
	Data            string // data directory of a disk device
	Line            int    // the device's line in the lab file
}

// LoginCommand is the OpenSSH command that logs in to the device as admin
// (an SSH server listening on every address is reached on 127.0.0.1).
func (s Status) LoginCommand() string {
	addr := s.SSH.Addr()
	if addr.IsUnspecified() {
		addr = netip.MustParseAddr("127.0.0.1")
	}
	return fmt.Sprintf("ssh -p %d admin@%s", s.SSH.Port(), addr)
}

// Exposed reports whether anyone who reaches the device can log in as admin
// with the initial password: its SSH server listens beyond loopback while
// admin still has that password.
func (s Status) Exposed() bool {
	listen := s.SSH.Addr()
	if s.Listen.IsValid() {
		listen = s.Listen
	}
	return s.SSH.IsValid() && !listen.IsLoopback() && s.InitialPassword
}

// Status returns the state of every device, in the order of the lab file.
func (l *Lab) Status() []Status {
	out := make([]Status, 0, len(l.nodes))
	for _, n := range l.nodes {
		s := Status{Sysname: n.spec.Sysname, Address: n.spec.Address, Listen: n.spec.Listen, SSH: n.sshAddr(),
			Flash: n.spec.Flash, Data: n.spec.Data, Line: n.spec.Line}
		n.mu.Lock()
		if n.run != nil {
			s.Running = true
			s.InitialPassword = n.run.dev.InitialPassword()
			if a, ok := n.run.dev.FTPAddr().(*net.TCPAddr); ok {
				ap := a.AddrPort()
				s.FTP = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
			}
		}
		n.mu.Unlock()
		out = append(out, s)
	}
	return out
}

// File returns the lab file the lab runs.
func (l *Lab) File() *File { return l.file }

// Shutdown stops every device, as StopDevice does, and waits until their
// goroutines have ended or ctx is done. Nothing is saved. A device cannot be
// started afterwards.
func (l *Lab) Shutdown(ctx context.Context) error {
	l.closed.Store(true)
	errs := make([]error, len(l.nodes))
	l.each(func(i int, n *node) {
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.listen != nil {
			n.listen.Close()
			n.listen = nil
		}
		if err := n.stopLocked(ctx); err != nil {
			errs[i] = fmt.Errorf("stop %s: %w", n.spec.Sysname, err)
		}
		if n.memFS != nil {
			if c, ok := n.memFS.(io.Closer); ok {
				c.Close()
			}
		}
	})
	return errors.Join(errs...)
}
