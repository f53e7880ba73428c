package lab

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vrpsim/vrpsim/aaa"

	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/sshd"
	gossh "golang.org/x/crypto/ssh"
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
	// or Listen.
	Device func(name string, opts *vrp.Options)
	// SSH, when set, adjusts every SSH server before it serves.
	SSH func(name string, srv *sshd.Server)
}

// Lab is a running lab. Its methods are safe for concurrent use.
type Lab struct {
	file    *File
	opts    Options
	hashing *aaa.HashLimiter // shared by the devices' AAA databases
	log     *slog.Logger
	nodes   []*node
	byName  map[string]*node
	closed  atomic.Bool
}

// node is one device of a running lab, across its stops and starts.
type node struct {
	lab  *Lab
	spec Device
	log  *slog.Logger

	sshPort atomic.Int32 // the SSH port, fixed at the first start when 0 in the file
	ftpPort atomic.Int32 // the port of the device's FTP port 21, likewise

	mu     sync.Mutex // serializes start and stop
	memFS  flash.FS   // a memory flash, kept across stops as a device keeps its flash
	key    gossh.Signer
	run    *running // nil when stopped
	listen net.Listener
}

// running is the state of a started device.
type running struct {
	dev    *vrp.Device
	srv    *sshd.Server
	fs     flash.FS
	served chan struct{}
}

// Start starts every device of the lab: it first opens every device's SSH
// listener, so that an address or port that cannot be used stops the lab
// before any device serves, then boots the devices in parallel. On error
// nothing is left running.
func Start(f *File, opts Options) (*Lab, error) {
	l := &Lab{file: f, opts: opts, log: opts.Logger, byName: map[string]*node{}, hashing: aaa.NewHashLimiter(0)}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	for _, d := range f.Devices {
		n := &node{lab: l, spec: d, log: l.log.With("device", d.Sysname)}
		n.sshPort.Store(int32(d.SSHPort))
		n.ftpPort.Store(int32(d.FTPPort))
		l.nodes = append(l.nodes, n)
		l.byName[d.Sysname] = n
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

// errorf reports an error of the device at its line of the lab file.
func (n *node) errorf(format string, a ...any) error {
	return &Error{File: n.lab.file.Name, Line: n.spec.Line,
		Err: fmt.Errorf("device %s: "+format, append([]any{n.spec.Sysname}, a...)...)}
}

// openSSH listens on the device's SSH address.
func (n *node) openSSH() (net.Listener, error) {
	addr := netip.AddrPortFrom(n.spec.Address, uint16(n.sshPort.Load()))
	ln, err := net.Listen("tcp", addr.String())
	if err != nil {
		return nil, err
	}
	if n.sshPort.Load() == 0 {
		n.sshPort.Store(int32(ln.Addr().(*net.TCPAddr).Port))
	}
	return ln, nil
}

// listenDevice opens the device's listeners (its FTP server): the device's
// FTP port 21 is served on the lab's ftp-port.
func (n *node) listenDevice(network, address string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	mapped := port == strconv.Itoa(DefaultFTPPort)
	if mapped {
		address = net.JoinHostPort(host, strconv.Itoa(int(n.ftpPort.Load())))
	}
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	if mapped && n.ftpPort.Load() == 0 {
		n.ftpPort.Store(int32(ln.Addr().(*net.TCPAddr).Port))
	}
	return ln, nil
}

// startLocked boots the device on its flash and serves SSH on n.listen.
func (n *node) startLocked() (err error) {
	if n.listen == nil {
		return n.errorf("%w", errListenerFailed)
	}
	defer func() {
		if err != nil && n.listen != nil {
			n.listen.Close()
			n.listen = nil
		}
	}()
	fs, err := n.openFlash()
	if err != nil {
		return n.errorf("flash: %w", err)
	}
	closeFS := func() {
		if c, ok := fs.(io.Closer); ok && n.memFS == nil {
			c.Close()
		}
	}
	if n.key == nil {
		if n.key, err = n.hostKey(); err != nil {
			closeFS()
			return n.errorf("host key: %w", err)
		}
	}
	vopts := vrp.Options{}
	// one bound on password hashing for the whole lab: each hash holds
	// megabytes, and a class logging in at once must not multiply that by
	// the number of devices
	vopts.AAA.Hashing = n.lab.hashing
	if n.lab.opts.Device != nil {
		n.lab.opts.Device(n.spec.Sysname, &vopts)
	}
	vopts.Sysname = n.spec.Sysname
	vopts.Flash = fs
	vopts.Address = n.spec.Address
	vopts.Listen = n.listenDevice
	dev, err := vrp.New(vopts)
	if err != nil {
		closeFS()
		return n.errorf("%w", err)
	}
	if err := dev.BootError(); err != nil {
		n.log.Warn("booted the default configuration", "reason", err)
	}
	srv := &sshd.Server{Device: dev, HostKey: n.key, Logger: n.log}
	if n.lab.opts.SSH != nil {
		n.lab.opts.SSH(n.spec.Sysname, srv)
		srv.Device, srv.HostKey = dev, n.key
	}
	r := &running{dev: dev, srv: srv, fs: fs, served: make(chan struct{})}
	ln := n.listen
	n.listen = nil
	go func() {
		defer close(r.served)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, sshd.ErrServerClosed) {
			n.log.Error("ssh server stopped", "err", err)
		}
	}()
	n.run = r
	n.log.Debug("device started", "ssh", n.sshAddr().String())
	return nil
}

// openFlash opens the device's flash: its memory flash (kept across stops)
// or its data directory. A flash without a startup configuration gets the
// lab's.
func (n *node) openFlash() (flash.FS, error) {
	var fs flash.FS
	if n.spec.Flash == FlashMemory {
		if n.memFS != nil {
			return n.memFS, nil
		}
		fs = flash.NewMemory(flash.Options{})
	} else {
		var err error
		fs, err = flash.NewDisk(filepath.Join(n.spec.Data, "flash"), flash.Options{Sync: true})
		if err != nil {
			return nil, err
		}
	}
	if n.spec.Startup != "" {
		text, err := n.lab.file.startupText(n.spec.Startup)
		if err == nil {
			_, err = vrp.SeedStartup(fs, text)
		}
		if err != nil {
			if c, ok := fs.(io.Closer); ok {
				c.Close()
			}
			return nil, fmt.Errorf("startup configuration: %w", err)
		}
	}
	if n.spec.Flash == FlashMemory {
		n.memFS = fs
	}
	return fs, nil
}

// hostKey is the device's SSH host key: kept in its data directory, or
// generated for the process's lifetime for a memory device.
func (n *node) hostKey() (gossh.Signer, error) {
	if n.spec.Flash == FlashDisk {
		return sshd.LoadOrCreateHostKey(filepath.Join(n.spec.Data, "ssh_host_ed25519_key"))
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return gossh.NewSignerFromKey(priv)
}

func (n *node) sshAddr() netip.AddrPort {
	return netip.AddrPortFrom(n.spec.Address, uint16(n.sshPort.Load()))
}

// stopLocked ends the device's sessions and servers and closes its flash
// without saving anything.
func (n *node) stopLocked(ctx context.Context) error {
	r := n.run
	if r == nil {
		return nil
	}
	n.run = nil
	err := r.srv.Shutdown(ctx)
	select {
	case <-r.served:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	r.dev.Close()
	if c, ok := r.fs.(io.Closer); ok && n.memFS == nil {
		if cerr := c.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	n.log.Debug("device stopped")
	return err
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
	// SSH is where its SSH server listens (also while it is stopped: where it
	// will listen again).
	SSH netip.AddrPort
	// FTP is where its FTP server listens; invalid when the device is stopped
	// or its FTP server is disabled.
	FTP     netip.AddrPort
	Running bool
	Flash   string
	Data    string // data directory of a disk device
	Line    int    // the device's line in the lab file
}

// Status returns the state of every device, in the order of the lab file.
func (l *Lab) Status() []Status {
	out := make([]Status, 0, len(l.nodes))
	for _, n := range l.nodes {
		s := Status{Sysname: n.spec.Sysname, Address: n.spec.Address, SSH: n.sshAddr(),
			Flash: n.spec.Flash, Data: n.spec.Data, Line: n.spec.Line}
		n.mu.Lock()
		if n.run != nil {
			s.Running = true
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
