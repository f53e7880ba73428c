package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/sshd"
	gossh "golang.org/x/crypto/ssh"
)

// standalone is the one device of "vrpsim" and "vrpsim console": its flash
// and host key in a data directory, its SSH server when sshAddr is set.
type standalone struct {
	dev    *vrp.Device
	fs     flash.FS
	srv    *sshd.Server
	served chan error // the SSH server's end
}

// startDevice boots the device and starts its SSH server; it prints how to
// log in, and warns when the server listens beyond loopback while admin
// still has its initial password. What can stop the start (the host key, the
// flash, the SSH address) is checked before the device says it is up.
func startDevice(sshAddr, dataDir, sysname string, stdout, stderr io.Writer) (*standalone, error) {
	devAddr := netip.MustParseAddr("127.0.0.1")
	var key gossh.Signer
	if sshAddr != "" {
		host, _, err := net.SplitHostPort(sshAddr)
		if err != nil {
			return nil, fmt.Errorf("--ssh %q: %w", sshAddr, err)
		}
		if ip, err := netip.ParseAddr(host); err == nil && !ip.IsUnspecified() {
			devAddr = ip
		}
		if key, err = sshd.LoadOrCreateHostKey(filepath.Join(dataDir, "ssh_host_ed25519_key")); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Join(dataDir, "flash"), 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	fs, err := flash.NewDisk(filepath.Join(dataDir, "flash"), flash.Options{})
	if err != nil {
		return nil, fmt.Errorf("flash: %w", err)
	}
	sd := &standalone{fs: fs}
	sd.dev, err = vrp.New(vrp.Options{Sysname: sysname, Flash: fs, Address: devAddr})
	if err != nil {
		sd.Close()
		return nil, err
	}
	var l net.Listener
	if sshAddr != "" {
		if l, err = net.Listen("tcp", sshAddr); err != nil {
			sd.Close()
			return nil, err
		}
	}
	fmt.Fprintf(stdout, "vrpsim: device %s is up (data in %s).\n", sd.dev.Sysname(), dataDir)
	if l == nil {
		return sd, nil
	}
	sd.srv = &sshd.Server{Device: sd.dev, HostKey: key}
	sd.served = make(chan error, 1)
	go func() { sd.served <- sd.srv.Serve(l) }()
	addr := l.Addr().(*net.TCPAddr)
	ip := addr.IP.String()
	if addr.IP.IsUnspecified() {
		ip = "127.0.0.1"
	}
	initial := sd.dev.InitialPassword()
	if initial {
		fmt.Fprintf(stdout, "Log in with user admin, password Admin@huawei:\n\n    ssh -p %d admin@%s\n\n", addr.Port, ip)
	} else {
		fmt.Fprintf(stdout, "Log in with user admin and its password:\n\n    ssh -p %d admin@%s\n\n", addr.Port, ip)
	}
	if !addr.IP.IsLoopback() && initial {
		fmt.Fprintf(stderr, "Warning: the SSH server listens on %s, beyond loopback, and user admin still has its initial password. Change it: system-view, aaa, local-user admin password irreversible-cipher NEW-PASSWORD, then save.\n", l.Addr())
	}
	return sd, nil
}

// Close stops the SSH server, then the device, then its flash. Nothing is
// saved: as on a device, only save writes the configuration.
func (sd *standalone) Close() {
	if sd.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		sd.srv.Shutdown(ctx)
		cancel()
		<-sd.served
	}
	if sd.dev != nil {
		sd.dev.Close()
	}
	if c, ok := sd.fs.(io.Closer); ok {
		c.Close()
	}
}

// deviceFlags are the flags that place the standalone device.
type deviceFlags struct{ ssh, data, sysname *string }

func addDeviceFlags(fl *flag.FlagSet, sshUsage string) deviceFlags {
	return deviceFlags{
		ssh:     fl.String("ssh", "127.0.0.1:2222", sshUsage),
		data:    fl.String("data", "./vrpsim-data", "`DIR` holding the device's flash and SSH host key"),
		sysname: fl.String("sysname", "Huawei", "device `NAME` when the configuration sets none"),
	}
}

// parseArgs parses a command's flags; it takes no arguments. When the
// command must not go on, it returns false and the exit code.
func parseArgs(fl *flag.FlagSet, args []string, stderr io.Writer) (code int, ok bool) {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fl.Name(), fl.Arg(0))
		fl.Usage()
		return 2, false
	}
	return 0, true
}
