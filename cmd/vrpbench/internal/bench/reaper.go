package bench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// RunReaper runs a server under a child subreaper ("vrpbench reaper PIDFILE
// COMMAND [ARG...]") and returns the exit status.
//
// A process's CPU time reaches its parent's counters (cutime and cstime in
// /proc/PID/stat) only when the parent waits for it. vsftpd forks two
// processes per session, and when the session's first process ends before
// the second, the second is re-parented and its CPU time lands nowhere the
// benchmark can see. Under the reaper it is re-parented to the reaper, which
// waits for everything, so the CPU time of the whole server is the reaper's
// cutime+cstime plus what the live server shows.
//
// The reaper starts COMMAND, writes its process ID to PIDFILE (atomically),
// passes SIGTERM and SIGINT on to it, reaps every process that ends below
// it, and exits with COMMAND's status once nothing is left to wait for.
func RunReaper(args []string, stderr io.Writer) int {
	if len(args) < 2 {
		fmt.Fprintln(stderr, "usage: vrpbench reaper PIDFILE COMMAND [ARG...]")
		return exitUsage
	}
	pidfile, argv := args[0], args[1:]
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintf(stderr, "vrpbench reaper: prctl(PR_SET_CHILD_SUBREAPER): %v\n", err)
		return 1
	}
	// Signals are caught before the child exists, so that none is lost.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "vrpbench reaper: %v\n", err)
		return 127
	}
	child := cmd.Process.Pid
	go func() {
		for sig := range sigs {
			syscall.Kill(child, sig.(syscall.Signal))
		}
	}()
	if err := writePIDFile(pidfile, child); err != nil {
		fmt.Fprintf(stderr, "vrpbench reaper: %v\n", err)
		syscall.Kill(child, syscall.SIGTERM)
	}
	// Wait for every process below, not only cmd: cmd.Wait is never called,
	// its child is reaped here.
	code := 0
	for {
		var status unix.WaitStatus
		pid, err := unix.Wait4(-1, &status, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil { // ECHILD: nothing left
			break
		}
		if pid == child {
			switch {
			case status.Exited():
				code = status.ExitStatus()
			case status.Signaled():
				code = 128 + int(status.Signal())
			}
		}
	}
	return code
}

// writePIDFile writes pid to path through a temporary file, so that a
// reader never sees a partial number.
func writePIDFile(path string, pid int) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, fmt.Appendf(nil, "%d\n", pid), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
