// Package bench runs vrpsim's benchmarks, the command cmd/vrpbench (started
// by scripts/bench.sh): the device's FTP server against vsftpd ([RunServer]),
// a lab of many devices in one process ([RunLab]) and the device's FTP client
// against curl ([RunClient]).
//
// Each benchmark builds vrpsim (go build ./cmd/vrpsim) and starts it as a
// subprocess in a work directory on tmpfs (/dev/shm), configures it through
// its SSH CLI or a lab file, starts its peers (vsftpd unpacked by
// scripts/ftp-peers.sh, curl as the FTP client, Python's netmiko and
// pyftpdlib for the lab), measures, prints a report on standard output and
// stops everything it started, also when interrupted or out of time.
// Progress goes to standard error.
//
// The arithmetic of the reports is in the package stats, the accounting of
// CPU time and memory from /proc in the package proc.
package bench

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vrpsim/vrpsim/cmd/vrpbench/internal/bench/proc"
)

// Exit statuses of [Main] besides 0 and 1 (a failed run).
const (
	exitUsage       = 2
	exitTimeLimit   = 124 // the time limit ran out, or SIGTERM
	exitInterrupted = 130 // SIGINT
)

// errUsage marks an error in the command line.
var errUsage = errors.New("usage")

// stopCause is why a run's context ended early: a signal or the time limit.
type stopCause struct {
	msg  string
	code int
}

func (c *stopCause) Error() string { return c.msg }

// Main runs vrpbench with args (without the program name) and returns its
// exit status:
//
//	vrpbench [flags]          the FTP server against vsftpd (RunServer)
//	vrpbench lab [flags]      a lab of many devices (RunLab)
//	vrpbench client [flags]   the device's FTP client against curl (RunClient)
//	vrpbench sftp [flags]     the device's SFTP server against OpenSSH (RunSFTP)
//
// "vrpbench reaper" is the child subreaper vsftpd runs under (see
// [RunReaper]); the benchmarks start it themselves.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "reaper" {
		return RunReaper(args[1:], stderr)
	}
	run, name := RunServer, "bench"
	if len(args) > 0 {
		switch args[0] {
		case "lab":
			run, name, args = RunLab, "bench lab", args[1:]
		case "client":
			run, name, args = RunClient, "bench client", args[1:]
		case "sftp":
			run, name, args = RunSFTP, "bench sftp", args[1:]
		}
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case sig := <-sigs:
			if sig == os.Interrupt {
				cancel(&stopCause{"interrupted", exitInterrupted})
			} else {
				cancel(&stopCause{"stopped by SIGTERM", exitTimeLimit})
			}
		case <-ctx.Done():
		}
	}()
	err := run(ctx, args, stdout, stderr)
	var stop *stopCause
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "vrpbench: %v\n", err)
		return exitUsage
	case errors.As(err, &stop):
		logTo(stderr, name, "%s", stop.msg)
		return stop.code
	}
	logTo(stderr, name, "error: %v", err)
	return 1
}

// withLimit bounds a run by its time limit.
func withLimit(ctx context.Context, limit time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, limit,
		&stopCause{fmt.Sprintf("stopped (time limit of %v; -time-limit sets it)", limit), exitTimeLimit})
}

// stopped returns why ctx ended early (a signal, the time limit) in place of
// err, the failure it caused; otherwise err.
func stopped(ctx context.Context, err error) error {
	if c := context.Cause(ctx); c != nil && err != nil {
		return c
	}
	return err
}

// logTo writes one progress line, "15:04:05 NAME: ...", to w.
func logTo(w io.Writer, name, format string, args ...any) {
	fmt.Fprintf(w, "%s %s: %s\n", time.Now().UTC().Format(time.TimeOnly), name, fmt.Sprintf(format, args...))
}

// parseFlags parses args into fl, which prints its usage on -h. Positional
// arguments are refused.
func parseFlags(fl *flag.FlagSet, args []string) error {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v (try -h)", errUsage, err)
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q (try -h)", errUsage, fl.Arg(0))
	}
	return nil
}

// isSet reports whether the command line set the flag name.
func isSet(fl *flag.FlagSet, name string) bool {
	set := false
	fl.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// job is one benchmark run: its work directory, its progress log, and what
// must be undone at its end.
type job struct {
	name     string // in progress lines: "bench", "bench lab", ...
	stdout   io.Writer
	stderr   io.Writer
	repo     string // the vrpsim module's directory
	work     string // the work directory, on tmpfs
	keep     bool   // leave the work directory in place
	proc     proc.Dir
	cleanups []func()
	ports    map[int]bool // ports handed out by freePort
}

// newJob finds the repository, checks the tools the run needs and makes the
// work directory (mode 0755: vsftpd's sessions run as another user and must
// reach their root in it).
func newJob(ctx context.Context, name string, stdout, stderr io.Writer, keep bool, tools ...string) (*job, error) {
	for _, tool := range append([]string{"go"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s is missing (scripts/test.sh installs the Debian packages)", tool)
		}
	}
	repo, err := moduleDir(ctx)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat("/dev/shm"); err != nil || !st.IsDir() {
		return nil, errors.New("/dev/shm (tmpfs) is missing")
	}
	work, err := os.MkdirTemp("/dev/shm", "vrpbench.")
	if err != nil {
		return nil, fmt.Errorf("work directory: %w (is /dev/shm writable?)", err)
	}
	if err := os.Chmod(work, 0o755); err != nil {
		os.RemoveAll(work)
		return nil, fmt.Errorf("work directory: %w", err)
	}
	return &job{name: name, stdout: stdout, stderr: stderr, repo: repo, work: work, keep: keep,
		proc: proc.New("/proc"), ports: make(map[int]bool)}, nil
}

// moduleDir returns the directory of the vrpsim module the command runs in.
func moduleDir(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	b, err := os.ReadFile(gomod)
	if gomod == "" || gomod == os.DevNull || err != nil || !bytes.HasPrefix(b, []byte("module github.com/vrpsim/vrpsim\n")) {
		return "", errors.New("run vrpbench inside the vrpsim repository (scripts/bench.sh does)")
	}
	return filepath.Dir(gomod), nil
}

func (j *job) logf(format string, args ...any) { logTo(j.stderr, j.name, format, args...) }

// path returns a path in the work directory.
func (j *job) path(elem ...string) string { return filepath.Join(append([]string{j.work}, elem...)...) }

// onCleanup registers f to run at the end of the job, last registered first.
func (j *job) onCleanup(f func()) { j.cleanups = append(j.cleanups, f) }

// finish stops what the job started and removes its work directory: all of
// it after a success or an interruption; after a failure only bulky (test
// files, binaries), so that the logs stay to be read; nothing with keep.
func (j *job) finish(ctx context.Context, err error, bulky ...string) {
	for i := len(j.cleanups) - 1; i >= 0; i-- {
		j.cleanups[i]()
	}
	j.cleanups = nil
	switch {
	case j.keep:
		j.logf("work directory kept: %s (remove it with rm -rf)", j.work)
	case err != nil && context.Cause(ctx) == nil:
		for _, b := range bulky {
			os.RemoveAll(j.path(b))
		}
		j.logf("logs kept in %s (remove it with rm -rf)", j.work)
	default:
		os.RemoveAll(j.work)
	}
}

// create creates a file in the work directory, for a log; it is closed at
// the end of the job.
func (j *job) create(name string) (*os.File, error) {
	f, err := os.OpenFile(j.path(name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	j.onCleanup(func() { f.Close() })
	return f, nil
}

// buildVrpsim builds cmd/vrpsim into the work directory.
func (j *job) buildVrpsim(ctx context.Context) (string, error) {
	j.logf("building vrpsim")
	bin := j.path("vrpsim")
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/vrpsim")
	cmd.Dir = j.repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/vrpsim: %w\n%s", err, out)
	}
	return bin, nil
}

// process is a program the job started and stops at its end.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when it has exited and been waited for
	err  error         // its exit, once done is closed
}

// start starts cmd and registers its stop (SIGTERM, then SIGKILL after
// grace) for the end of the job.
func (j *job) start(name string, cmd *exec.Cmd, grace time.Duration) (*process, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	j.onCleanup(func() { p.stop(grace) })
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, waits up to grace for the process to end, then kills
// it; it returns once the process has been waited for.
func (p *process) stop(grace time.Duration) {
	if p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// sleep waits d, or less when ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// poll calls ready every interval until it returns true, for up to limit.
// It fails when p (if not nil) ends first, when limit passes (with what in
// the message) or when ready fails.
func poll(ctx context.Context, p *process, interval, limit time.Duration, what string, ready func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := ready()
		if err != nil || ok {
			return err
		}
		if p != nil && p.exited() {
			return fmt.Errorf("%s exited (%v) before %s", p.name, p.err, what)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not within %v", what, limit)
		}
		if err := sleep(ctx, interval); err != nil {
			return err
		}
	}
}

// fileHas returns a poll condition: the file holds a match of pattern.
func fileHas(path string, match func([]byte) bool) func() (bool, error) {
	return func() (bool, error) {
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return err == nil && match(b), err
	}
}

// tail returns the last lines of a log file, for an error message.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// freePort returns a port of host nobody listens on and that the job has not
// handed out before, below Linux's ephemeral range (32768-), so that the
// clients' own ports never take it.
func (j *job) freePort(host string) (int, error) {
	for range 200 {
		p := 20000 + rand.IntN(12000)
		if j.ports[p] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			continue
		}
		l.Close()
		j.ports[p] = true
		return p, nil
	}
	return 0, errors.New("no free port found")
}

// portOpen reports whether something accepts connections at addr.
func portOpen(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// waitPort waits up to limit for addr to accept connections.
func waitPort(ctx context.Context, p *process, addr string, limit time.Duration) error {
	return poll(ctx, p, 100*time.Millisecond, limit, addr+" accepting connections", func() (bool, error) {
		return portOpen(addr), nil
	})
}

// loadAverage returns the three load averages of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if err != nil || len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
