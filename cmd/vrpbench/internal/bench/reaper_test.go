package bench

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vrpsim/vrpsim/cmd/vrpbench/internal/bench/proc"
)

// TestMain lets the tests run this test binary as vrpbench (for its reaper).
func TestMain(m *testing.M) {
	if os.Getenv("VRPBENCH_TEST_MAIN") == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// startReaper runs "vrpbench reaper PIDFILE argv..." and returns it with
// the process ID of its child, read from PIDFILE.
func startReaper(t *testing.T, argv ...string) (*exec.Cmd, int) {
	t.Helper()
	pidfile := filepath.Join(t.TempDir(), "pid")
	cmd := exec.Command(os.Args[0], append([]string{"reaper", pidfile}, argv...)...)
	cmd.Env = append(os.Environ(), "VRPBENCH_TEST_MAIN=1")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	child := waitPID(t, pidfile)
	return cmd, child
}

// waitPID waits for a file holding a process ID (the reaper's PIDFILE, or
// the file a shell writes $! to) and returns the ID.
func waitPID(t *testing.T, path string) int {
	t.Helper()
	for range 1000 {
		b, err := os.ReadFile(path)
		if s := strings.TrimSpace(string(b)); err == nil && strings.HasSuffix(string(b), "\n") {
			pid, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("%s holds %q: %v", path, b, err)
			}
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no process ID in %s", path)
	return 0
}

// exitCode waits for cmd and returns its exit status.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode()
}

// TestReaperAdoptsOrphans checks what the CPU accounting of vsftpd relies
// on: a process orphaned below the reaper becomes the reaper's child (and
// is reaped by it, so that its CPU time reaches the reaper's counters), and
// the reaper lives until the last process below it has ended, then exits
// with its command's status.
func TestReaperAdoptsOrphans(t *testing.T) {
	orphanFile := filepath.Join(t.TempDir(), "orphan")
	reaper, sh := startReaper(t, "/bin/sh", "-c", "sleep 60 & echo $! > "+orphanFile+"; exit 3")
	orphan := waitPID(t, orphanFile)
	defer syscall.Kill(orphan, syscall.SIGKILL)
	d := proc.New("/proc")
	var st proc.Stat
	for range 1000 {
		var err error
		if st, err = d.Stat(orphan); err != nil {
			t.Fatal(err)
		}
		if st.PPID != sh {
			break // the shell has exited
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st.PPID != reaper.Process.Pid {
		t.Fatalf("the orphan's parent is %d, want the reaper %d", st.PPID, reaper.Process.Pid)
	}
	if err := syscall.Kill(orphan, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if got := exitCode(t, reaper); got != 3 {
		t.Errorf("reaper exit status %d, want 3 (its command's)", got)
	}
	if _, err := d.Stat(orphan); err == nil {
		t.Error("the orphan is still there (a zombie nobody reaped) after the reaper exited")
	}
}

// TestReaperPassesSIGTERM checks that stopping the reaper stops its command.
func TestReaperPassesSIGTERM(t *testing.T) {
	reaper, _ := startReaper(t, "/bin/sleep", "60")
	if err := reaper.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if got := exitCode(t, reaper); got != 128+int(syscall.SIGTERM) {
		t.Errorf("reaper exit status %d, want %d (its command ended by SIGTERM)", got, 128+int(syscall.SIGTERM))
	}
}
