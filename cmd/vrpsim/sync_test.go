package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	gossh "golang.org/x/crypto/ssh"
)

var (
	traceFsync  = regexp.MustCompile(`^(\d+) +fsync\(\d+<([^>]*)>\) += 0$`)
	traceRename = regexp.MustCompile(`^(\d+) +renameat2?\(\d+<([^>]*)>, "([^"]*)", \d+<([^>]*)>, "([^"]*)"(?:, [A-Z_|]+)?\) += 0$`)
	traceLogin  = regexp.MustCompile(`ssh -p (\d+) admin@(\S+)`)
)

// TestSaveReachesTheDisk: save on a device whose flash is a directory writes
// vrpcfg.zip so that a power failure leaves the old or the new file, never a
// truncated one: the new content is flushed (fsync) before it replaces the
// old file, and the directory after. vrpsim runs under strace, which records
// the flushes and renames. The one device of "vrpsim" once wrote without
// flushing; a disk device of "vrpsim --lab" always flushed.
func TestSaveReachesTheDisk(t *testing.T) {
	need(t, "strace")
	if out, err := exec.Command("strace", "-qq", "-e", "trace=none", "true").CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("strace cannot trace (CI=true): %v %s", err, out)
		}
		t.Skipf("strace cannot trace here: %v %s", err, out)
	}
	tests := []struct {
		name string
		args func(data string) []string
	}{
		{"vrpsim", func(data string) []string {
			return []string{"--ssh", "127.0.0.1:0", "--data", data}
		}},
		{"vrpsim --lab", func(data string) []string {
			text := fmt.Sprintf("devices:\n  - {sysname: S1, address: 127.89.3.1, ssh-port: 0, data: %q}\n", data)
			return []string{"--lab", writeFile(t, t.TempDir(), "lab.yaml", text)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := filepath.EvalSymlinks(t.TempDir()) // as strace shows paths
			if err != nil {
				t.Fatal(err)
			}
			trace := filepath.Join(t.TempDir(), "trace")
			run := tracedRun(t, trace, tt.args(data))
			out, err := run.exec("save", "y\n")
			if err != nil || !strings.Contains(out, "Configuration file had been saved successfully") {
				t.Fatalf("save: %v %q", err, out)
			}
			run.stop()
			flash := filepath.Join(data, "flash")
			got := flushedRename(t, trace, flash, "vrpcfg.zip")
			want := []string{"fsync TMP", "rename TMP vrpcfg.zip", "fsync ."}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the writing of vrpcfg.zip in %s (-want +got):\n%s", flash, diff)
			}
		})
	}
}

// tracedVrpsim is vrpsim running under strace.
type tracedVrpsim struct {
	t      *testing.T
	cmd    *exec.Cmd
	out    syncBuffer
	addr   string // where its (first) device's SSH server listens
	exited chan error
}

// tracedRun runs vrpsim with args under strace, which writes the fsync and
// rename calls of all its threads to trace, and waits for its login hint.
// vrpsim is this test binary as TestConsoleHelperProcess.
func tracedRun(t *testing.T, trace string, args []string) *tracedVrpsim {
	t.Helper()
	cmd := exec.Command("strace", append([]string{"-f", "-qq", "-y", "-e", "signal=none",
		"-e", "trace=fsync,rename,renameat,renameat2", "-o", trace,
		os.Args[0], "-test.run=^TestConsoleHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "VRPSIM_CONSOLE_HELPER=1")
	// In a process group of its own: SIGINT reaches vrpsim, which stops as
	// on Ctrl+C, and strace, which ignores it and exits with vrpsim.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &tracedVrpsim{t: t, cmd: cmd, exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = &p.out, &p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		err := <-p.exited
		p.exited <- err
	})
	for deadline := time.Now().Add(30 * time.Second); p.addr == ""; time.Sleep(20 * time.Millisecond) {
		if m := traceLogin.FindStringSubmatch(p.out.String()); m != nil {
			p.addr = m[2] + ":" + m[1]
		}
		select {
		case err := <-p.exited:
			p.exited <- err
			t.Fatalf("vrpsim exited: %v\n%s", err, p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("vrpsim did not print the ssh command:\n%s", p.out.String())
		}
	}
	return p
}

// exec runs command lines as admin in an SSH exec session, with stdin
// answering the device's questions.
func (p *tracedVrpsim) exec(command, stdin string) (string, error) {
	client, err := gossh.Dial("tcp", p.addr, &gossh.ClientConfig{
		User:            "admin",
		Auth:            []gossh.AuthMethod{gossh.Password("Admin@huawei")},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		return "", err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return "", err
	}
	sess.Stdin = strings.NewReader(stdin)
	out, err := sess.CombinedOutput(command)
	return string(out), err
}

// stop stops vrpsim as Ctrl+C does and waits until it and strace exit.
func (p *tracedVrpsim) stop() {
	p.t.Helper()
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT); err != nil {
		p.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	select {
	case err := <-p.exited:
		p.exited <- err
		if err != nil {
			p.t.Fatalf("vrpsim: %v\n%s", err, p.out.String())
		}
	case <-ctx.Done():
		p.t.Fatalf("vrpsim did not stop:\n%s", p.out.String())
	}
}

// flushedRename reads the strace output in trace and describes how the file
// name came into the directory dir: "fsync TMP" when the temporary file TMP
// was flushed before the (last) rename that put it there, that rename, and
// "fsync ." when dir was flushed after it. (Go may run a goroutine's calls
// on different threads, so the calls are not matched by thread.)
func flushedRename(t *testing.T, trace, dir, name string) []string {
	t.Helper()
	data, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	at, tmp := -1, ""
	for i, l := range lines {
		if m := traceRename.FindStringSubmatch(l); m != nil && m[4] == dir && m[5] == name {
			at, tmp = i, filepath.Join(m[2], m[3])
		}
	}
	if at < 0 {
		t.Fatalf("no rename to %s/%s in the trace:\n%s", dir, name, data)
	}
	flushed := func(lines []string, path string) bool {
		for _, l := range lines {
			if m := traceFsync.FindStringSubmatch(l); m != nil && m[2] == path {
				return true
			}
		}
		return false
	}
	var got []string
	if flushed(lines[:at], tmp) {
		got = append(got, "fsync TMP")
	}
	got = append(got, "rename TMP "+name)
	if flushed(lines[at+1:], dir) {
		got = append(got, "fsync .")
	}
	return got
}
