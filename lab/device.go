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
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/sshd"
	"github.com/vrpsim/vrpsim/vrp/telnetd"
	gossh "golang.org/x/crypto/ssh"
)

// This file is the one place where a device starts and stops, in a lab file
// or as the one device of vrpsim (OneDevice): its SSH listener, host key,
// flash, vrp.Device and SSH server.

// node is one device of a running lab, across its stops and starts.
type node struct {
	lab  *Lab
	spec Device
	log  *slog.Logger

	ssh     atomic.Pointer[netip.AddrPort] // where the SSH server listens, fixed at the first start; nil without SSH
	ftpPort atomic.Int32                   // the port of the device's FTP port 21, fixed at its first listen when 0 in the file

	mu     sync.Mutex // serializes start and stop
	memFS  flash.FS   // a memory flash, kept across stops as a device keeps its flash
	key    gossh.Signer
	run    *running // nil when stopped
	listen net.Listener
}

// running is the state of a started device.
type running struct {
	dev    *vrp.Device
	srv    *sshd.Server // nil without SSH
	telnet *telnetd.Server
	fs     flash.FS
	served chan struct{}
}

// errorf reports an error of the device: at its line of the lab file, or as
// it is for the device of OneDevice, which has no file.
func (n *node) errorf(format string, a ...any) error {
	err := fmt.Errorf(format, a...)
	if n.lab.file.Name == "" {
		return err
	}
	return &Error{File: n.lab.file.Name, Line: n.spec.Line, Err: fmt.Errorf("device %s: %w", n.spec.Sysname, err)}
}

// openSSH listens on the device's SSH address: the first time where the
// device says (a port of 0 is any free one), then on the same address and
// port. A device without SSH has no listener.
func (n *node) openSSH() (net.Listener, error) {
	if n.spec.NoSSH {
		return nil, nil
	}
	if ap := n.ssh.Load(); ap != nil {
		return net.Listen("tcp", ap.String())
	}
	addr := n.spec.SSHListen
	if addr == "" {
		addr = netip.AddrPortFrom(n.spec.ListenAddr(), uint16(n.spec.SSHPort)).String()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	bound := ln.Addr().(*net.TCPAddr).AddrPort()
	bound = netip.AddrPortFrom(bound.Addr().Unmap(), bound.Port())
	if n.spec.SSHListen == "" {
		bound = netip.AddrPortFrom(n.spec.Address, bound.Port())
	}
	n.ssh.Store(&bound)
	return ln, nil
}

// sshAddr is where the device's SSH server listens (invalid without SSH).
func (n *node) sshAddr() netip.AddrPort {
	if ap := n.ssh.Load(); ap != nil {
		return *ap
	}
	return netip.AddrPort{}
}

// listenDevice opens the device's listeners (its FTP server): on its
// listening address when it has one, and the device's FTP port 21 on the
// lab's ftp-port.
func (n *node) listenDevice(network, address string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	if n.spec.Listen.IsValid() && host == n.spec.Address.String() {
		host = n.spec.Listen.String()
		address = net.JoinHostPort(host, port)
	}
	if port == strconv.Itoa(vrp.DefaultTelnetPort) {
		// the device's Telnet port 23, where the lab serves it
		switch {
		case n.spec.TelnetListen != "":
			return net.Listen(network, n.spec.TelnetListen)
		case n.spec.TelnetPort != 0:
			return net.Listen(network, net.JoinHostPort(host, strconv.Itoa(n.spec.TelnetPort)))
		}
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

// startLocked boots the device and serves SSH on n.listen: it loads its host
// key, opens its flash, boots the device from it and starts the SSH server.
// On error nothing of the device is left open. The caller holds n.mu.
func (n *node) startLocked() (err error) {
	if n.listen == nil && !n.spec.NoSSH {
		return n.errorf("%w", errListenerFailed)
	}
	defer func() {
		if err != nil && n.listen != nil {
			n.listen.Close()
			n.listen = nil
		}
	}()
	if n.key == nil && !n.spec.NoSSH {
		if n.key, err = n.hostKey(); err != nil {
			return n.errorf("%w", err)
		}
	}
	fs, err := n.openFlash()
	if err != nil {
		return err
	}
	closeFS := func() {
		if c, ok := fs.(io.Closer); ok && n.memFS == nil {
			c.Close()
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
	vopts.Model = n.spec.Model
	vopts.Flash = fs
	vopts.Address = n.spec.Address
	vopts.Source = n.spec.Listen
	if n.spec.Config != "" {
		vopts.Saved = func(_, text string) error {
			if err := writeConfig(n.spec.Config, text); err != nil {
				n.log.Error("save: the configuration file was not written", "file", n.spec.Config, "err", err)
				return err
			}
			return nil
		}
	}
	vopts.Listen = n.listenDevice
	// the Telnet server serves the listeners the device opens
	// ("telnet server enable"); it learns its device once the device has
	// booted
	tsrv := &telnetd.Server{Logger: n.log}
	if n.lab.opts.Telnet != nil {
		n.lab.opts.Telnet(n.spec.Sysname, tsrv)
	}
	booted := make(chan struct{})
	vopts.ServeTelnet = func(ln net.Listener) {
		<-booted
		if err := tsrv.Serve(ln); err != nil && !errors.Is(err, telnetd.ErrServerClosed) {
			n.log.Error("telnet server stopped", "err", err)
		}
	}
	if own := vopts.Remote; own != nil {
		vopts.Remote = func(network string, dst netip.AddrPort) netip.AddrPort {
			if r := n.lab.remote(network, dst); r.IsValid() {
				return r
			}
			return own(network, dst)
		}
	} else {
		vopts.Remote = n.lab.remote
	}
	if own := vopts.Reachable; own != nil {
		vopts.Reachable = func(a netip.Addr) bool { return n.lab.reachable(a) || own(a) }
	} else {
		vopts.Reachable = n.lab.reachable
	}
	if n.spec.Flash == FlashDisk { // kept beside the ed25519 host key
		vopts.RSAKeyPath = filepath.Join(n.spec.Data, "rsa_local_key_pair")
	}
	dev, err := vrp.New(vopts)
	if err != nil {
		close(booted)
		closeFS()
		return n.errorf("%w", err)
	}
	tsrv.Device = dev
	close(booted)
	if err := dev.BootError(); err != nil {
		n.log.Warn("booted the default configuration", "reason", err)
	}
	r := &running{dev: dev, telnet: tsrv, fs: fs, served: make(chan struct{})}
	if n.spec.NoSSH {
		close(r.served)
		n.run = r
		n.log.Debug("device started")
		return nil
	}
	r.srv = &sshd.Server{Device: dev, HostKey: n.key, Logger: n.log}
	if n.lab.opts.SSH != nil {
		n.lab.opts.SSH(n.spec.Sysname, r.srv)
		r.srv.Device, r.srv.HostKey = dev, n.key
	}
	ln := n.listen
	n.listen = nil
	go func() {
		defer close(r.served)
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, sshd.ErrServerClosed) {
			n.log.Error("ssh server stopped", "err", err)
			if n.lab.opts.SSHFailed != nil {
				n.lab.opts.SSHFailed(n.spec.Sysname, err)
			}
		}
	}()
	n.run = r
	n.log.Debug("device started", "ssh", n.sshAddr().String())
	return nil
}

// openFlash opens the device's flash: its memory flash (kept across stops)
// or its data directory, where every file written reaches the disk before it
// replaces the old one (flash.Options.Sync): a device's save survives a power
// failure of the host as it survives one of a router. A flash without a
// startup configuration gets the lab's.
func (n *node) openFlash() (flash.FS, error) {
	var fs flash.FS
	if n.spec.Flash == FlashMemory {
		if n.memFS != nil {
			return n.memFS, nil
		}
		fs = flash.NewMemory(flash.Options{})
	} else {
		dir := filepath.Join(n.spec.Data, "flash")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, n.errorf("data directory: %w", err)
		}
		var err error
		if fs, err = flash.NewDisk(dir, flash.Options{Sync: true}); err != nil {
			return nil, n.errorf("flash: %w", err)
		}
	}
	text, err := n.seedText()
	if err == nil && text != "" {
		_, err = vrp.SeedStartup(fs, text)
	}
	if err != nil {
		if c, ok := fs.(io.Closer); ok {
			c.Close()
		}
		return nil, n.errorf("flash: %w", err)
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
		// its errors name the key file and what to do
		return sshd.LoadOrCreateHostKey(filepath.Join(n.spec.Data, "ssh_host_ed25519_key"))
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	return gossh.NewSignerFromKey(priv)
}

// stopLocked ends the device's sessions and servers and closes its flash
// without saving anything. The caller holds n.mu.
func (n *node) stopLocked(ctx context.Context) error {
	r := n.run
	if r == nil {
		return nil
	}
	n.run = nil
	var err error
	if r.srv != nil {
		err = r.srv.Shutdown(ctx)
	}
	select {
	case <-r.served:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	if terr := r.telnet.Shutdown(ctx); terr != nil && err == nil {
		err = terr
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
