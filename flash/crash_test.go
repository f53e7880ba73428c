//go:build unix

package flash

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// crashDirEnv names the directory the child of TestDiskKilledWriter writes in.
const crashDirEnv = "FLASH_TEST_CRASH_DIR"

// TestDiskKilledWriter kills a process with SIGKILL while it replaces a file and
// checks that the old file is intact and the temporary file is cleaned up.
func TestDiskKilledWriter(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("in the child")
	}
	dir := t.TempDir()
	old := bytes.Repeat([]byte("the old configuration\n"), 1000)
	fsys := newDisk(t, dir, Options{})
	writeFile(t, fsys, "flash:/vrpcfg.cfg", string(old))
	fsys.(interface{ Close() error }).Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestDiskKilledWriterChild$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	started := false
	for lines.Scan() {
		if lines.Text() == "writing" {
			started = true
			break
		}
	}
	if !started {
		cmd.Wait()
		t.Fatal("the child did not start writing")
	}
	// The child is in the middle of a large write: a temporary file exists.
	tmp, _ := os.ReadDir(filepath.Join(dir, tmpDir))
	if len(tmp) == 0 {
		t.Error("no temporary file while the child writes")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, not by SIGKILL", err)
	}

	fsys = newDisk(t, dir, Options{})
	if got := readFile(t, fsys, "flash:/vrpcfg.cfg"); got != string(old) {
		t.Errorf("old file changed: %d bytes, want %d", len(got), len(old))
	}
	if diff := cmp.Diff([]string{fmt.Sprintf("vrpcfg.cfg %d", len(old))}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("root after the crash (-want +got):\n%s", diff)
	}
	tmp, err = os.ReadDir(filepath.Join(dir, tmpDir))
	if err != nil || len(tmp) != 0 {
		t.Errorf("temporary files after restart: %v, %v", tmp, err)
	}
	checkUsage(t, fsys, DefaultCapacity)
}

// TestDiskKilledWriterChild is the child of TestDiskKilledWriter: it replaces
// the file with a large one and never finishes.
func TestDiskKilledWriterChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestDiskKilledWriter")
	}
	fsys, err := NewDisk(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := fsys.Create("flash:/vrpcfg.cfg", 0)
	if err != nil {
		t.Fatal(err)
	}
	chunk := []byte(strings.Repeat("new!", 1<<18)) // 1 MiB
	for i := range 256 {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
		if i == 16 {
			fmt.Println("writing")
		}
	}
	time.Sleep(time.Minute) // wait for the kill
}

// TestDiskKilledReplacer kills a process that keeps replacing a file (and
// deleting and restoring another) and checks that afterwards each file holds
// one complete version, nothing is left over and the space adds up.
func TestDiskKilledReplacer(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("in the child")
	}
	for round := range 3 {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestDiskKilledReplacerChild$")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		for lines.Scan() && lines.Text() != "looping" {
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child ended with %v, not by SIGKILL", round, cmd.ProcessState)
		}

		fsys := newDisk(t, dir, Options{})
		got := readFile(t, fsys, "flash:/f")
		if !slices.Contains(replacerVersions, got) {
			t.Errorf("round %d: flash:/f holds %d bytes that are no complete version", round, len(got))
		}
		_, errLive := fsys.Stat("flash:/g")
		bin, _ := fsys.RecycleBin(Root)
		if (errLive == nil) == (len(bin) == 1) {
			t.Errorf("round %d: flash:/g live: %v, in the bin: %d; want exactly one", round, errLive, len(bin))
		}
		tmp, _ := os.ReadDir(filepath.Join(dir, tmpDir))
		if len(tmp) != 0 {
			t.Errorf("round %d: %d temporary files after restart", round, len(tmp))
		}
		checkUsage(t, fsys, DefaultCapacity)
		fsys.(interface{ Close() error }).Close()
	}
}

// replacerVersions are the contents TestDiskKilledReplacerChild writes.
var replacerVersions = []string{strings.Repeat("A", 100000), strings.Repeat("B", 300000), "C"}

func TestDiskKilledReplacerChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestDiskKilledReplacer")
	}
	fsys, err := NewDisk(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, fsys, "flash:/g", "g")
	deadline := time.Now().Add(time.Minute)
	for i := 0; time.Now().Before(deadline); i++ {
		writeFile(t, fsys, "flash:/f", replacerVersions[i%len(replacerVersions)])
		if err := fsys.Remove("flash:/g", false); err != nil {
			t.Fatal(err)
		}
		if err := fsys.Undelete("flash:/g"); err != nil {
			t.Fatal(err)
		}
		if i == 20 {
			fmt.Println("looping")
		}
	}
}
