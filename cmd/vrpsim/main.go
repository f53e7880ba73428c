// Command vrpsim runs a simulated Huawei VRP device: an SSH server that
// gives a VRP CLI, whose commands configure an embedded FTP server and use an
// FTP client to move files between the device's flash and remote hosts.
//
// Usage:
//
//	vrpsim [--ssh ADDR:PORT] [--telnet ADDR:PORT] [--data DIR] [--sysname NAME] [--model MODEL] [--admin ADDR:PORT]
//	vrpsim --lab FILE        (many devices, see docs/lab.md)
//	vrpsim --health ADDR:PORT|FILE (exit 0 if the SSH servers answer)
//	vrpsim console [--ssh ADDR:PORT] [--telnet ADDR:PORT] [--data DIR] [--sysname NAME] [--model MODEL]
//
// With console, the terminal vrpsim runs in is the device's console port.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/vrpsim/vrpsim/vrp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run starts the device and serves until ctx ends. It returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "console" {
		return runConsole(ctx, args[1:], stdout, stderr)
	}
	fl := flag.NewFlagSet("vrpsim", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dev := addDeviceFlags(fl, "`ADDR:PORT` of the device's SSH server")
	labFile := fl.String("lab", "", "run the devices of the lab `FILE` (YAML, see docs/lab.md) instead of one device")
	adminAddr := fl.String("admin", "", "serve the instructor's page and API (docs/instructor.md) at the loopback `ADDR:PORT`")
	healthAddr := fl.String("health", "", "only check that an SSH server answers at `ADDR:PORT` (or at every device of a lab file): exit 0 if so, 1 if not")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vrpsim [flags]\n\nRuns a simulated Huawei VRP device reachable by SSH.\n\nFlags:\n")
		fl.PrintDefaults()
	}
	if code, ok := parseArgs(fl, args, stderr); !ok {
		return code
	}
	if *healthAddr != "" {
		return runHealth(ctx, *healthAddr, stdout, stderr)
	}
	if *labFile != "" {
		return runLab(ctx, fl, *labFile, stdout, stderr)
	}
	if err := serve(ctx, dev.settings(), *adminAddr, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "vrpsim: %v\n", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, set deviceSettings, admin string, stdout, stderr io.Writer) error {
	var page *adminPage
	var observe func(string, *vrp.Options)
	if admin != "" {
		var err error
		if page, err = listenAdmin(admin); err != nil {
			return err
		}
		defer page.Close()
		observe = page.rec.Hook
	}
	sd, err := startDevice(set, observe, stdout, stderr)
	if err != nil {
		return err
	}
	defer sd.Close()
	if page != nil {
		if err := page.serve(sd.lab); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Instructor's page (docs/instructor.md):\n\n    http://%s/\n\n", page.ln.Addr())
	}
	fmt.Fprintf(stdout, "Press Ctrl+C to stop (nothing is saved implicitly: use save on the device).\n")
	select {
	case <-ctx.Done():
	case err := <-sd.failed:
		return fmt.Errorf("ssh server: %w", err)
	}
	fmt.Fprintf(stdout, "vrpsim: shutting down\n")
	return nil
}
