package flash

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDiskHardLinks plants hard links in the data directory, one to a file
// outside it (as `ln /etc/shadow data/flash/x` would) and one between two
// files inside: files with other names are ignored as symbolic links are, so
// nothing of their contents can be read, copied, resumed from or counted.
func TestDiskHardLinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the link count of a file is not read on Windows")
	}
	dir := t.TempDir()
	outside := t.TempDir()
	secret := filepath.Join(outside, "shadow")
	if err := os.WriteFile(secret, []byte("root:secret-hash"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(secret, filepath.Join(dir, "x")); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	if err := os.Link(secret, filepath.Join(dir, "sub", "Y")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a"), []byte("twin"), 0o644)
	if err := os.Link(filepath.Join(dir, "a"), filepath.Join(dir, "b")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "plain"), []byte("plain"), 0o644)

	const capacity = 1000
	fsys := newDisk(t, dir, Options{Capacity: capacity})
	if diff := cmp.Diff([]string{"plain 5", "sub/"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("root (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{}, listing(t, fsys, "flash:/sub")); diff != "" {
		t.Errorf("sub (-want +got):\n%s", diff)
	}
	if total, free := fsys.Usage(); total != capacity || free != capacity-5 {
		t.Errorf("Usage() = %d, %d; want %d, %d", total, free, capacity, capacity-5)
	}
	for _, p := range []string{"flash:/x", "flash:/X", "flash:/sub/Y", "flash:/sub/y", "flash:/a", "flash:/b"} {
		if r, err := fsys.Open(p); err == nil {
			b, _ := io.ReadAll(r)
			r.Close()
			t.Errorf("Open(%q) read %q, want ErrNotExist", p, b)
		} else {
			wantErr(t, "Open "+p, err, ErrNotExist)
		}
		_, err := fsys.Stat(p)
		wantErr(t, "Stat "+p, err, ErrNotExist)
		wantErr(t, "Copy "+p, fsys.Copy(p, "flash:/copy"), ErrNotExist)
		if w, err := fsys.Create(p, 4); err == nil { // a resumed upload copies the first bytes
			w.Abort()
			t.Errorf("Create(%q, 4) succeeded", p)
		}
	}
	// What lookup saw is checked again on the file opened.
	if f, err := fsys.(*diskFS).openFile([]string{"x"}); err == nil {
		f.Close()
		t.Error("openFile opened a file with two names")
	}
	// Writing the name replaces the link; the file outside stays as it was.
	writeFile(t, fsys, "flash:/x", "mine")
	if got := readFile(t, fsys, "flash:/x"); got != "mine" {
		t.Errorf("read %q after writing, want %q", got, "mine")
	}
	if b, err := os.ReadFile(secret); err != nil || string(b) != "root:secret-hash" {
		t.Errorf("file outside: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(outside, "copy")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a copy appeared outside: %v", err)
	}
	checkUsage(t, fsys, capacity)
}

// TestDiskHostChanges changes the directory behind the device's back: the free
// space follows what is there, never above the capacity, and writes see it.
func TestDiskHostChanges(t *testing.T) {
	const capacity = 1000
	dir := t.TempDir()
	fsys := newDisk(t, dir, Options{Capacity: capacity})
	writeFile(t, fsys, "flash:/mine", "0123456789")
	free := func() int64 {
		t.Helper()
		total, free := fsys.Usage()
		if total != capacity {
			t.Errorf("total %d, want %d", total, capacity)
		}
		return free
	}
	plant := func(name string, size int) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	plant("big", 600)
	if got := free(); got != capacity-10-600 {
		t.Errorf("free %d after a file was added, want %d", got, capacity-10-600)
	}
	if err := fsys.Remove("flash:/big", true); err != nil {
		t.Fatal(err)
	}
	if got := free(); got != capacity-10 {
		t.Errorf("free %d after the added file was deleted, want %d", got, capacity-10)
	}
	// Added behind the back, then deleted by the device before it counted:
	// the free space does not go above what is there.
	plant("big", 600)
	if err := fsys.Remove("flash:/big", true); err != nil {
		t.Fatal(err)
	}
	if got := free(); got != capacity-10 {
		t.Errorf("free %d after an uncounted file was deleted, want %d", got, capacity-10)
	}
	plant("mine", 20) // grown
	if err := fsys.Remove("flash:/mine", false); err != nil {
		t.Fatal(err)
	}
	if got := free(); got != capacity-20 {
		t.Errorf("free %d with the grown file in the recycle bin, want %d", got, capacity-20)
	}
	plant("gone", 30)
	if err := os.Remove(filepath.Join(dir, "gone")); err != nil {
		t.Fatal(err)
	}
	if got := free(); got != capacity-20 {
		t.Errorf("free %d after a file came and went, want %d", got, capacity-20)
	}
	// A write refused for want of space counts again first: a file removed
	// behind the device's back leaves room for it.
	writeFile(t, fsys, "flash:/filler", string(make([]byte, 900)))
	if err := copyIn(fsys, "flash:/new", string(make([]byte, 100))); !errors.Is(err, ErrNoSpace) {
		t.Errorf("write of 100 bytes with %d free: %v, want ErrNoSpace", capacity-920, err)
	}
	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	if err := copyIn(fsys, "flash:/new", string(make([]byte, 100))); err != nil {
		t.Errorf("write of 100 bytes after the filler went: %v", err)
	}
	f, err := fsys.Create("flash:/new2", 0) // the same through ReadFrom
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, fsys, "flash:/filler", string(make([]byte, 800)))
	os.Remove(filepath.Join(dir, "filler"))
	if n, err := f.(io.ReaderFrom).ReadFrom(strings.NewReader(string(make([]byte, 700)))); err != nil || n != 700 {
		t.Errorf("ReadFrom of 700 bytes after the filler went: %d, %v", n, err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	checkUsage(t, fsys, capacity)
}

// BenchmarkCount measures what counting the files costs Usage and each write,
// on flashes of 100 and 1000 files in 10 directories.
func BenchmarkCount(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			dir := b.TempDir()
			for i := range n {
				sub := filepath.Join(dir, "d"+strconv.Itoa(i%10))
				os.MkdirAll(sub, 0o755)
				os.WriteFile(filepath.Join(sub, "f"+strconv.Itoa(i)), []byte("x"), 0o644)
			}
			fsys, err := NewDisk(dir, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer fsys.(io.Closer).Close()
			for b.Loop() {
				fsys.Usage()
			}
		})
	}
}
