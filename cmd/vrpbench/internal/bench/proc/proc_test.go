package proc

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testdata/proc is a small /proc tree: systemd (1); a reaper (500) with
// vsftpd's listener (501) below it, a session (502) and the session's child
// (503, whose smaps_rollup is gone: it ended between two reads); a process
// whose command name holds ") " and "(" (600) with a child (601); an
// unrelated process (700); a process directory without stat (800, ended
// while listed) and /proc/sys, not a process.
var testProc = New("testdata/proc")

func TestStat(t *testing.T) {
	got, err := testProc.Stat(600)
	if err != nil {
		t.Fatal(err)
	}
	want := Stat{PID: 600, Comm: "my) prog (x", State: 'S', PPID: 1, UTime: 1234, STime: 567}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stat(600) (-want +got):\n%s", diff)
	}
	got, err = testProc.Stat(501)
	if err != nil {
		t.Fatal(err)
	}
	want = Stat{PID: 501, Comm: "vsftpd", State: 'S', PPID: 500, UTime: 3, STime: 5, CUTime: 100, CSTime: 200}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stat(501) (-want +got):\n%s", diff)
	}
	if got.OwnTicks() != 8 || got.ReapedTicks() != 300 {
		t.Errorf("OwnTicks, ReapedTicks = %d, %d; want 8, 300", got.OwnTicks(), got.ReapedTicks())
	}
	if _, err := testProc.Stat(800); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of an ended process: error %v, want one that is fs.ErrNotExist", err)
	}
}

// TestStatSelf parses this process's own stat: the format of the running
// kernel, not only the copy in testdata.
func TestStatSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here:", err)
	}
	got, err := New("/proc").Stat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if got.PID != os.Getpid() || got.PPID != os.Getppid() {
		t.Errorf("Stat(self): PID %d, PPID %d; want %d, %d", got.PID, got.PPID, os.Getpid(), os.Getppid())
	}
	m, err := New("/proc").Memory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.Processes != 1 || m.RSS <= 0 || m.PSS <= 0 || m.PSS > m.RSS {
		t.Errorf("Memory(self) = %+v, want one process with 0 < PSS <= RSS", m)
	}
}

func TestParseStatErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "no (command name)"},
		{"12 (x S 1", "no (command name)"},
		{"x (sh) S 1 1 1 0 -1 0 0 0 0 0 1 2 3 4", "process ID"},
		{"12 (sh) S 1 1 1", "4 fields after the command name"},
		{"12 (sh) S 1 1 1 0 -1 0 0 0 0 0 1 2 x 4", "field 16"},
	} {
		_, err := ParseStat([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseStat(%q): error %v, want one containing %q", tc.in, err, tc.want)
		}
	}
}

func TestDescendants(t *testing.T) {
	parents, err := testProc.Parents()
	if err != nil {
		t.Fatal(err)
	}
	wantParents := map[int]int{1: 0, 500: 1, 501: 500, 502: 501, 503: 502, 600: 1, 601: 600, 700: 1}
	if diff := cmp.Diff(wantParents, parents); diff != "" {
		t.Errorf("Parents (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		pid  int
		want []int
	}{
		{500, []int{500, 501, 502, 503}},
		{502, []int{502, 503}},
		{700, []int{700}},
		{800, nil},
	} {
		got, err := testProc.Descendants(tc.pid)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Descendants(%d) (-want +got):\n%s", tc.pid, diff)
		}
	}
}

func TestMemory(t *testing.T) {
	got, err := testProc.Memory(501, 502, 503)
	if err != nil {
		t.Fatal(err)
	}
	// 503 has ended: not counted.
	want := Memory{PSS: 350 + 420, RSS: 1688 + 1700, Processes: 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Memory(501, 502, 503) (-want +got):\n%s", diff)
	}
}

func TestParseSmapsRollupErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Rss: 10 kB\n", "without Pss: and Rss:"},
		{"Rss: 10 kB\nPss: 3 MB\n", "want NAME: N kB"},
		{"Rss: 10 kB\nPss: x kB\n", "invalid syntax"},
	} {
		_, err := ParseSmapsRollup([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSmapsRollup(%q): error %v, want one containing %q", tc.in, err, tc.want)
		}
	}
}

func TestVmRSS(t *testing.T) {
	got, err := testProc.VmRSS(600)
	if err != nil {
		t.Fatal(err)
	}
	if got != 40960 {
		t.Errorf("VmRSS(600) = %d KiB, want 40960", got)
	}
	if _, err := ParseVmRSS([]byte("Name:\tkthreadd\nState:\tS (sleeping)\n")); err == nil {
		t.Error("ParseVmRSS of a kernel thread's status: no error")
	}
}

func TestSeconds(t *testing.T) {
	if got := Seconds(250); got != 2.5 {
		t.Errorf("Seconds(250) = %v, want 2.5", got)
	}
}

// vanishingFS is testdata/proc where reading the files of some processes
// fails as procfs fails for a process that ended after the file was
// opened: ESRCH, not ENOENT.
type vanishingFS struct {
	fs.FS
	gone map[string]bool // process IDs
}

func (v vanishingFS) Open(name string) (fs.File, error) {
	if pid, _, ok := strings.Cut(name, "/"); ok && v.gone[pid] {
		return nil, &fs.PathError{Op: "read", Path: name, Err: syscall.ESRCH}
	}
	return v.FS.Open(name)
}

// TestProcessEndsWhileRead: a process that ends between being listed and
// its files being read (ESRCH) is left out, as one whose directory is gone
// (the benchmark's memory test of vsftpd's 400 processes met it).
func TestProcessEndsWhileRead(t *testing.T) {
	d := Dir{fsys: vanishingFS{FS: os.DirFS("testdata/proc"), gone: map[string]bool{"700": true, "502": true}}}
	parents, err := d.Parents()
	if err != nil {
		t.Fatalf("Parents: %v", err)
	}
	if _, ok := parents[700]; ok {
		t.Errorf("Parents lists process 700, which ended")
	}
	got, err := d.Memory(501, 502)
	if err != nil {
		t.Fatalf("Memory: %v", err)
	}
	if want := (Memory{PSS: 350, RSS: 1688, Processes: 1}); got != want {
		t.Errorf("Memory(501, 502) = %+v, want %+v", got, want)
	}
}
