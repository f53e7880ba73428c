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
	"github.com/vrpsim/vrpsim/vrp/console"
	"github.com/vrpsim/vrpsim/vrp/sshd"
	"golang.org/x/term"
)

// runConsole is "vrpsim console": the device runs as with no subcommand (SSH
// and the services the configuration enables) and the terminal vrpsim runs in
// is its console port. It returns the exit code.
func runConsole(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("vrpsim console", flag.ContinueOnError)
	fl.SetOutput(stderr)
	sshAddr := fl.String("ssh", "127.0.0.1:2222", "`ADDR:PORT` of the device's SSH server (\"\": no SSH)")
	dataDir := fl.String("data", "./vrpsim-data", "`DIR` holding the device's flash and SSH host key")
	sysname := fl.String("sysname", "Huawei", "device `NAME` when the configuration sets none")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vrpsim console [flags]\n\nRuns a simulated Huawei VRP device whose console port is this terminal;\nits SSH server runs too.\n\nFlags:\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "vrpsim console: unexpected argument %q\n", fl.Arg(0))
		fl.Usage()
		return 2
	}
	if err := serveConsole(ctx, *sshAddr, *dataDir, *sysname, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "vrpsim: %v\n", err)
		return 1
	}
	return 0
}

func serveConsole(ctx context.Context, sshAddr, dataDir, sysname string, stdout, stderr io.Writer) error {
	if !term.IsTerminal(int(os.Stdin.Fd())) || !term.IsTerminal(int(os.Stdout.Fd())) {
		return errors.New("console: standard input and output must be a terminal (without one, run vrpsim without console)")
	}
	devAddr := netip.MustParseAddr("127.0.0.1")
	if sshAddr != "" {
		host, _, err := net.SplitHostPort(sshAddr)
		if err != nil {
			return fmt.Errorf("--ssh %q: %w", sshAddr, err)
		}
		if ip, err := netip.ParseAddr(host); err == nil && !ip.IsUnspecified() {
			devAddr = ip
		}
	}
	if err := os.MkdirAll(filepath.Join(dataDir, "flash"), 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	fs, err := flash.NewDisk(filepath.Join(dataDir, "flash"), flash.Options{})
	if err != nil {
		return fmt.Errorf("flash: %w", err)
	}
	if c, ok := fs.(io.Closer); ok {
		defer c.Close()
	}
	dev, err := vrp.New(vrp.Options{Sysname: sysname, Flash: fs, Address: devAddr})
	if err != nil {
		return err
	}
	defer dev.Close()

	fmt.Fprintf(stdout, "vrpsim: device %s is up (data in %s).\n", dev.Sysname(), dataDir)
	if sshAddr != "" {
		key, err := sshd.LoadOrCreateHostKey(filepath.Join(dataDir, "ssh_host_ed25519_key"))
		if err != nil {
			return fmt.Errorf("host key: %w", err)
		}
		l, err := net.Listen("tcp", sshAddr)
		if err != nil {
			return err
		}
		srv := &sshd.Server{Device: dev, HostKey: key}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(l) }()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
			<-served
		}()
		addr := l.Addr().(*net.TCPAddr)
		ip := addr.IP.String()
		if addr.IP.IsUnspecified() {
			ip = "127.0.0.1"
		}
		fmt.Fprintf(stdout, "SSH: user admin, password Admin@huawei:\n\n    ssh -p %d admin@%s\n\n", addr.Port, ip)
		if !addr.IP.IsLoopback() && dev.InitialPassword() {
			fmt.Fprintf(stderr, "Warning: the SSH server listens on %s, beyond loopback, and user admin still has its initial password. Change it: system-view, aaa, local-user admin password irreversible-cipher NEW-PASSWORD, then save.\n", l.Addr())
		}
	}
	fmt.Fprintf(stdout, "This terminal is the console port. After quit, press a key to log on again, or Ctrl+C to stop vrpsim (nothing is saved implicitly: use save on the device).\n\n")
	if err := console.Run(ctx, dev); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nvrpsim: shutting down\n")
	return nil
}
