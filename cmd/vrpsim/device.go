package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/lab"
	"github.com/vrpsim/vrpsim/vrp"
)

// standalone is the one device of "vrpsim" and "vrpsim console": a lab of
// one device (lab.OneDevice) built from the flags.
type standalone struct {
	lab    *lab.Lab
	dev    *vrp.Device
	failed chan error // the SSH server's failure
}

// startDevice starts the device and prints that it is up, how to log in
// (with the initial password while admin still has it) and a warning when
// its SSH server listens beyond loopback while admin has that password.
// What can stop the start (the SSH address, the host key, the flash) stops
// it before the device says it is up.
//
// observe, when set, is the lab's Options.Device (the instructor's recorder).
func startDevice(set deviceSettings, observe func(string, *vrp.Options), stdout, stderr io.Writer) (*standalone, error) {
	prof, err := vrp.LookupProfile(set.model)
	if err != nil {
		return nil, fmt.Errorf("--model: %w", err)
	}
	sysname := set.sysname
	if sysname == "" {
		sysname = prof.Sysname
	}
	f, err := lab.OneDevice(sysname, set.ssh, set.data)
	if err != nil {
		return nil, fmt.Errorf("--ssh %q: %w", set.ssh, err)
	}
	if set.telnet != "" {
		if _, _, err := net.SplitHostPort(set.telnet); err != nil {
			return nil, fmt.Errorf("--telnet %q: %w", set.telnet, err)
		}
		f.Devices[0].TelnetListen = set.telnet
	}
	f.Devices[0].Model = prof.Model
	sd := &standalone{failed: make(chan error, 1)}
	sd.lab, err = lab.Start(f, lab.Options{Device: observe, SSHFailed: func(_ string, err error) {
		select {
		case sd.failed <- err:
		default:
		}
	}})
	if err != nil {
		return nil, err
	}
	st := sd.lab.Status()[0]
	sd.dev = sd.lab.Device(st.Sysname)
	fmt.Fprintf(stdout, "vrpsim: device %s is up (data in %s).\n", sd.dev.Sysname(), set.data)
	if host, _, _ := net.SplitHostPort(set.telnet); set.telnet != "" && !isLoopback(host) {
		fmt.Fprintf(stderr, "Warning: --telnet %s is reachable beyond loopback, and Telnet carries passwords in clear text once the device runs telnet server enable.\n", set.telnet)
	}
	if !st.SSH.IsValid() {
		return sd, nil
	}
	if st.InitialPassword {
		fmt.Fprintf(stdout, "Log in with user admin, password Admin@huawei:\n\n    %s\n\n", st.LoginCommand())
	} else {
		fmt.Fprintf(stdout, "Log in with user admin and its password:\n\n    %s\n\n", st.LoginCommand())
	}
	if st.Exposed() {
		fmt.Fprintf(stderr, "Warning: the SSH server listens on %s, beyond loopback, and user admin still has its initial password. Change it: system-view, aaa, local-user admin password irreversible-cipher NEW-PASSWORD, then save.\n", st.SSH)
	}
	return sd, nil
}

// isLoopback reports whether host is a loopback address (a name is not).
func isLoopback(host string) bool {
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// Close stops the SSH server, then the device, then its flash. Nothing is
// saved: as on a device, only save writes the configuration.
func (sd *standalone) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sd.lab.Shutdown(ctx)
}

// deviceFlags are the flags that place the standalone device.
type deviceFlags struct{ ssh, telnet, data, sysname, model *string }

// deviceSettings are the standalone device's settings, from its flags.
type deviceSettings struct{ ssh, telnet, data, sysname, model string }

// settings reads the parsed flags.
func (f deviceFlags) settings() deviceSettings {
	return deviceSettings{ssh: *f.ssh, telnet: *f.telnet, data: *f.data, sysname: *f.sysname, model: *f.model}
}

func addDeviceFlags(fl *flag.FlagSet, sshUsage string) deviceFlags {
	return deviceFlags{
		ssh:     fl.String("ssh", "127.0.0.1:2222", sshUsage),
		telnet:  fl.String("telnet", "", "`ADDR:PORT` where the device's Telnet port 23 is served once it runs telnet server enable (\"\": port 23 itself)"),
		data:    fl.String("data", "./vrpsim-data", "`DIR` holding the device's flash and SSH host key"),
		sysname: fl.String("sysname", "", "device `NAME` when the configuration sets none (default the model's: Huawei, or HUAWEI on the S5720)"),
		model:   fl.String("model", vrp.ModelAR2220, "device `MODEL`: "+strings.Join(vrp.Models(), " or ")),
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
