package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/lab"
	"github.com/vrpsim/vrpsim/lab/instructor"
)

// labTableMax is the largest lab whose devices are listed at start.
const labTableMax = 100

// runLab runs the devices of a lab file until ctx ends. It returns the exit
// code. fl holds the parsed flags: the single-device ones do not apply.
func runLab(ctx context.Context, fl *flag.FlagSet, path string, stdout, stderr io.Writer) int {
	conflict := ""
	fl.Visit(func(f *flag.Flag) {
		if f.Name != "lab" && conflict == "" {
			conflict = f.Name
		}
	})
	if conflict != "" {
		fmt.Fprintf(stderr, "vrpsim: --%s does not apply to --lab: the lab file describes every device\n", conflict)
		return 2
	}
	if err := serveLab(ctx, path, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "vrpsim: %v\n", err)
		return 1
	}
	return 0
}

func serveLab(ctx context.Context, path string, stdout, stderr io.Writer) error {
	began := time.Now()
	f, err := lab.Load(path)
	if err != nil {
		return err
	}
	// The admin endpoint listens first, so that nothing starts when it cannot.
	var al net.Listener
	if f.Admin != "" {
		if al, err = net.Listen("tcp", f.Admin); err != nil {
			return &lab.Error{File: f.Name, Line: f.AdminLine, Err: fmt.Errorf("admin: %w", err)}
		}
		defer al.Close()
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	rec := instructor.NewRecorder()
	l, err := lab.Start(f, lab.Options{Logger: logger, Device: rec.Hook})
	if err != nil {
		return err
	}
	elapsed := time.Since(began)
	defer func() {
		fmt.Fprintf(stdout, "vrpsim: shutting down the lab\n")
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := l.Shutdown(sctx); err != nil {
			fmt.Fprintf(stderr, "vrpsim: %v\n", err)
		}
	}()

	var adminErr chan error
	if al != nil {
		page, err := instructor.New(l, rec, instructor.Options{})
		if err != nil {
			return &lab.Error{File: f.Name, Line: f.Instructor.Line, Err: err}
		}
		hs := &http.Server{Handler: page.Handler(), ReadHeaderTimeout: 10 * time.Second}
		adminErr = make(chan error, 1)
		go func() { adminErr <- hs.Serve(al) }()
		defer func() {
			page.Close() // the live pages' streams
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			hs.Shutdown(sctx)
			<-adminErr
		}()
	}

	st := l.Status()
	fmt.Fprintf(stdout, "vrpsim: lab %s: %d devices up in %v.\n", path, len(st), elapsed.Round(time.Millisecond))
	if len(st) <= labTableMax {
		fmt.Fprintf(stdout, "\n%s\n", l.StatusText())
	}
	first := st[0]
	fmt.Fprintf(stdout, "Log in to a device with its startup configuration's users (admin, password Admin@huawei by default), e.g.:\n\n    %s\n\n", first.LoginCommand())
	if al != nil {
		base := "http://" + al.Addr().String()
		fmt.Fprintf(stdout, "Instructor's page (docs/instructor.md):\n\n    %s/\n\n", base)
		curl := "curl"
		if f.Instructor.PasswordHash != "" {
			curl = "curl -u instructor:PASSWORD"
		}
		fmt.Fprintf(stdout, "Admin endpoint:\n\n    %[1]s %[2]s/devices\n    %[1]s -X POST %[2]s/devices/%[3]s/stop\n    %[1]s -X POST %[2]s/devices/%[3]s/start\n\n", curl, base, first.Sysname)
	}
	var exposed []string
	for _, s := range st {
		if s.Exposed() {
			exposed = append(exposed, s.Sysname)
		}
	}
	if len(exposed) > 0 {
		fmt.Fprintf(stderr, "Warning: device(s) %s listen beyond loopback and user admin still has its initial password. Give them a startup configuration with other passwords.\n", strings.Join(exposed, ", "))
	}
	fmt.Fprintf(stdout, "Press Ctrl+C to stop (nothing is saved implicitly: use save on each device).\n")

	select {
	case <-ctx.Done():
		return nil
	case err := <-adminErr:
		adminErr <- err // for the deferred shutdown
		return fmt.Errorf("admin endpoint: %w", err)
	}
}

// runHealth checks, for container health checks, that an SSH server answers
// with its identification line at target: an ADDR:PORT, or every running
// device of a lab file. A lab file with an admin endpoint is asked there
// which devices run (GET /health), so that a device the instructor stopped
// does not count, and the check fails when the lab does not answer; without
// one every device is dialed (devices on port 0 are skipped). It returns 0
// if they all answer, 1 if not.
func runHealth(ctx context.Context, target string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := healthTargets(ctx, target)
	if err != nil {
		fmt.Fprintf(stderr, "vrpsim: health: %v\n", err)
		return 1
	}
	code := 0
	for _, addr := range addrs {
		id, err := sshIdentification(ctx, addr)
		if err != nil {
			fmt.Fprintf(stderr, "vrpsim: health %s: %v\n", addr, err)
			code = 1
			continue
		}
		fmt.Fprintf(stdout, "%s: %s\n", addr, id)
	}
	return code
}

// healthTargets returns the addresses a health check dials.
func healthTargets(ctx context.Context, target string) ([]string, error) {
	if host, _, err := net.SplitHostPort(target); err == nil {
		if _, err := netip.ParseAddr(host); err == nil || host == "localhost" {
			return []string{target}, nil
		}
	}
	data, err := os.ReadFile(target)
	if err != nil {
		return nil, fmt.Errorf("%q is neither ADDR:PORT nor a readable lab file: %w", target, err)
	}
	f, err := lab.Parse(target, data)
	if err != nil {
		return nil, err
	}
	var addrs []string
	if f.Admin != "" {
		running, err := adminHealth(ctx, f.Admin)
		if err != nil {
			return nil, fmt.Errorf("admin endpoint %s: %w", f.Admin, err)
		}
		for _, ap := range running {
			addrs = append(addrs, ap.String())
		}
		return addrs, nil
	}
	for _, d := range f.Devices {
		if d.SSHPort != 0 {
			addrs = append(addrs, d.DialSSHAddr().String())
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%s: no device with a fixed SSH port", target)
	}
	return addrs, nil
}

// adminHealth asks a lab's admin endpoint for its running devices.
func adminHealth(ctx context.Context, admin string) ([]netip.AddrPort, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+admin+"/health", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /health: %s", resp.Status)
	}
	return lab.ParseHealth(string(body))
}

func sshIdentification(ctx context.Context, addr string) (string, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	// RFC 4253 4.2: lines before the identification may come first.
	r := bufio.NewReaderSize(io.LimitReader(c, 8<<10), 512)
	for {
		line, err := r.ReadString('\n')
		if strings.HasPrefix(line, "SSH-") {
			return strings.TrimRight(line, "\r\n"), nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("closed before an SSH identification")
			}
			return "", err
		}
	}
}
