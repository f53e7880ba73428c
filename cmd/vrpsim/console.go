package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/vrpsim/vrpsim/vrp/console"
	"golang.org/x/term"
)

// runConsole is "vrpsim console": the device runs as with no subcommand (SSH
// and the services the configuration enables) and the terminal vrpsim runs in
// is its console port. It returns the exit code.
func runConsole(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("vrpsim console", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dev := addDeviceFlags(fl, "`ADDR:PORT` of the device's SSH server (\"\": no SSH)")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vrpsim console [flags]\n\nRuns a simulated Huawei VRP device whose console port is this terminal;\nits SSH server runs too.\n\nFlags:\n")
		fl.PrintDefaults()
	}
	if code, ok := parseArgs(fl, args, stderr); !ok {
		return code
	}
	if err := serveConsole(ctx, dev.settings(), stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "vrpsim: %v\n", err)
		return 1
	}
	return 0
}

func serveConsole(ctx context.Context, set deviceSettings, stdout, stderr io.Writer) error {
	if !term.IsTerminal(int(os.Stdin.Fd())) || !term.IsTerminal(int(os.Stdout.Fd())) {
		return errors.New("console: standard input and output must be a terminal (without one, run vrpsim without console)")
	}
	sd, err := startDevice(set, nil, stdout, stderr)
	if err != nil {
		return err
	}
	defer sd.Close()
	dev := sd.dev
	fmt.Fprintf(stdout, "This terminal is the console port. After quit, press a key to log on again, or Ctrl+C to stop vrpsim (nothing is saved implicitly: use save on the device).\n\n")
	if err := console.Run(ctx, dev); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nvrpsim: shutting down\n")
	return nil
}
