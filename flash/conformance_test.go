package flash

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testTime is the clock of the file systems under test.
var testTime = time.Date(2020, 7, 28, 2, 52, 54, 0, time.UTC)

func fixedClock() time.Time { return testTime }

// newFSFunc makes an empty file system for a test.
type newFSFunc func(t *testing.T, opts Options) FS

// testConformance runs the behaviour every FS must have.
func testConformance(t *testing.T, newFS newFSFunc) {
	tests := []struct {
		name string
		run  func(t *testing.T, newFS newFSFunc)
	}{
		{"Init", testInit},
		{"Format", testFormat},
		{"WriteRead", testWriteRead},
		{"CaseInsensitive", testCaseInsensitive},
		{"CommitVisibility", testCommitVisibility},
		{"CommitConflicts", testCommitConflicts},
		{"Resume", testResume},
		{"Errors", testErrors},
		{"RecycleBin", testRecycleBin},
		{"RecycleBinDirs", testRecycleBinDirs},
		{"Capacity", testCapacity},
		{"CapacityCopy", testCapacityCopy},
		{"OldReader", testOldReader},
		{"RenameCopy", testRenameCopy},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ConcurrentMixed", testConcurrentMixed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newFS) })
	}
}

func writeFile(t *testing.T, fsys FS, path, data string) {
	t.Helper()
	w, err := fsys.Create(path, 0)
	if err != nil {
		t.Fatalf("Create(%q): %v", path, err)
	}
	if _, err := io.WriteString(w, data); err != nil {
		w.Abort()
		t.Fatalf("Write(%q): %v", path, err)
	}
	if err := w.Commit(); err != nil {
		t.Fatalf("Commit(%q): %v", path, err)
	}
}

func readFile(t *testing.T, fsys FS, path string) string {
	t.Helper()
	r, err := fsys.Open(path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("Read(%q): %v", path, err)
	}
	return string(b)
}

func mustMkdir(t *testing.T, fsys FS, path string) {
	t.Helper()
	if err := fsys.Mkdir(path); err != nil {
		t.Fatalf("Mkdir(%q): %v", path, err)
	}
}

// listing is a compact view of a directory: "name" for files with their size,
// "name/" for directories, "[name]" for deleted files.
func listing(t *testing.T, fsys FS, dir string) []string {
	t.Helper()
	infos, err := fsys.ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir(%q): %v", dir, err)
	}
	return describe(infos)
}

func describe(infos []FileInfo) []string {
	out := []string{}
	for _, fi := range infos {
		switch {
		case fi.IsDir:
			out = append(out, fi.Name+"/")
		case fi.Deleted:
			out = append(out, fmt.Sprintf("[%s] %s %d", fi.Name, fi.Path, fi.Size))
		default:
			out = append(out, fmt.Sprintf("%s %d", fi.Name, fi.Size))
		}
	}
	return out
}

func binListing(t *testing.T, fsys FS, dir string) []string {
	t.Helper()
	infos, err := fsys.RecycleBin(dir)
	if err != nil {
		t.Fatalf("RecycleBin(%q): %v", dir, err)
	}
	return describe(infos)
}

// used walks the file system and returns the bytes of all files, live and deleted.
func used(t *testing.T, fsys FS) int64 {
	t.Helper()
	var sum int64
	var walk func(dir string)
	walk = func(dir string) {
		infos, err := fsys.ReadDir(dir)
		if err != nil {
			t.Fatalf("ReadDir(%q): %v", dir, err)
		}
		for _, fi := range infos {
			if fi.IsDir {
				walk(fi.Path)
			} else {
				sum += fi.Size
			}
		}
	}
	walk(Root)
	bin, err := fsys.RecycleBin(Root)
	if err != nil {
		t.Fatalf("RecycleBin: %v", err)
	}
	for _, fi := range bin {
		sum += fi.Size
	}
	return sum
}

// checkUsage verifies that Usage agrees with the files there are.
func checkUsage(t *testing.T, fsys FS, capacity int64) {
	t.Helper()
	total, free := fsys.Usage()
	if want := capacity - used(t, fsys); total != capacity || free != want {
		t.Errorf("Usage() = %d, %d; want %d, %d", total, free, capacity, want)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

func testInit(t *testing.T, newFS newFSFunc) {
	fsys := newFS(t, Options{Clock: fixedClock})
	mustMkdir(t, fsys, "flash:/LogFile")
	writeFile(t, fsys, "flash:/dhcp2", "x")
	for range 2 { // idempotent
		if err := Init(fsys); err != nil {
			t.Fatalf("Init: %v", err)
		}
	}
	if diff := cmp.Diff([]string{"dhcp/", "dhcp2 1", "LogFile/"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("root after Init (-want +got):\n%s", diff)
	}
	fi, err := fsys.Stat("flash:/dhcp")
	if err != nil {
		t.Fatal(err)
	}
	want := FileInfo{Name: "dhcp", Path: "flash:/dhcp", ModTime: testTime, IsDir: true}
	if diff := cmp.Diff(want, fi); diff != "" {
		t.Errorf("Stat (-want +got):\n%s", diff)
	}
}

func testWriteRead(t *testing.T, newFS newFSFunc) {
	fsys := newFS(t, Options{Clock: fixedClock, Capacity: 1 << 20})
	mustMkdir(t, fsys, "flash:/a")
	mustMkdir(t, fsys, "flash:/a/b")
	writeFile(t, fsys, "flash:/a/b/vrpcfg.zip", "hello")
	writeFile(t, fsys, "flash:/a/z.txt", "")
	writeFile(t, fsys, "flash:/a/Y.txt", "12")
	if got := readFile(t, fsys, "flash:/a/b/vrpcfg.zip"); got != "hello" {
		t.Errorf("read %q, want %q", got, "hello")
	}
	if diff := cmp.Diff([]string{"b/", "Y.txt 2", "z.txt 0"}, listing(t, fsys, "flash:/a")); diff != "" {
		t.Errorf("ReadDir (-want +got):\n%s", diff)
	}
	fi, err := fsys.Stat("flash:/a/b/vrpcfg.zip")
	if err != nil {
		t.Fatal(err)
	}
	want := FileInfo{Name: "vrpcfg.zip", Path: "flash:/a/b/vrpcfg.zip", Size: 5, ModTime: testTime}
	if diff := cmp.Diff(want, fi); diff != "" {
		t.Errorf("Stat (-want +got):\n%s", diff)
	}
	root, err := fsys.Stat("flash:")
	if err != nil {
		t.Fatal(err)
	}
	if !root.IsDir || root.Path != Root {
		t.Errorf("Stat(flash:) = %+v, want the root directory", root)
	}
	// Replace and seek.
	writeFile(t, fsys, "flash:/a/b/vrpcfg.zip", "hello, world")
	r, err := fsys.Open("flash:/a/b/vrpcfg.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Seek(7, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	if string(b) != "world" {
		t.Errorf("after Seek(7) read %q, want %q", b, "world")
	}
	checkUsage(t, fsys, 1<<20)
	// Directories carry the clock's time too, after every kind of change.
	fsys.Rename("flash:/a/z.txt", "flash:/a/b/z.txt")
	fsys.Remove("flash:/a/Y.txt", false)
	for _, p := range []string{"flash:/a", "flash:/a/b"} {
		if fi, err := fsys.Stat(p); err != nil || !fi.ModTime.Equal(testTime) {
			t.Errorf("Stat(%q) = %v, %v; want ModTime %v", p, fi.ModTime, err, testTime)
		}
	}
}

func testCaseInsensitive(t *testing.T, newFS newFSFunc) {
	fsys := newFS(t, Options{Clock: fixedClock})
	mustMkdir(t, fsys, "flash:/Test")
	writeFile(t, fsys, "flash:/TEST/Config.CFG", "one")
	writeFile(t, fsys, "flash:/test/config.cfg", "two") // replaces, keeps the stored name
	if got := readFile(t, fsys, "FLASH:/tEsT/CONFIG.cfg"); got != "two" {
		t.Errorf("read %q, want %q", got, "two")
	}
	if diff := cmp.Diff([]string{"Config.CFG 3"}, listing(t, fsys, "flash:/test")); diff != "" {
		t.Errorf("ReadDir (-want +got):\n%s", diff)
	}
	fi, err := fsys.Stat("flash:/TEST/CONFIG.CFG")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Path != "flash:/Test/Config.CFG" || fi.Name != "Config.CFG" {
		t.Errorf("Stat = %q %q, want the stored case", fi.Path, fi.Name)
	}
	wantErr(t, "Mkdir(TEST)", fsys.Mkdir("flash:/TEST"), ErrExist)
	// A rename that only changes case is allowed.
	if err := fsys.Rename("flash:/test/config.cfg", "flash:/test/CONFIG.cfg"); err != nil {
		t.Fatalf("case-only Rename: %v", err)
	}
	if diff := cmp.Diff([]string{"CONFIG.cfg 3"}, listing(t, fsys, "flash:/test")); diff != "" {
		t.Errorf("ReadDir after rename (-want +got):\n%s", diff)
	}
}

func testCommitVisibility(t *testing.T, newFS newFSFunc) {
	fsys := newFS(t, Options{Clock: fixedClock, Capacity: 1 << 20})
	writeFile(t, fsys, "flash:/f.txt", "old")
	w, err := fsys.Create("flash:/f.txt", 0)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "new contents")
	if got := readFile(t, fsys, "flash:/f.txt"); got != "old" {
		t.Errorf("before Commit read %q, want %q", got, "old")
	}
	w2, err := fsys.Create("flash:/g.txt", 0)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w2, "never")
	if diff := cmp.Diff([]string{"f.txt 3"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("listing with writes in progress (-want +got):\n%s", diff)
	}
	w2.Abort()
	w2.Abort() // twice is harmless
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "second Commit", w.Commit(), ErrClosed)
	if _, err := w.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Commit: %v, want ErrClosed", err)
	}
	w.Abort() // after Commit: no effect
	if got := readFile(t, fsys, "flash:/f.txt"); got != "new contents" {
		t.Errorf("after Commit read %q", got)
	}
	if diff := cmp.Diff([]string{"f.txt 12"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
	wantErr(t, "Commit after Abort", w2.Commit(), ErrClosed)
	checkUsage(t, fsys, 1<<20)
}

func testResume(t *testing.T, newFS newFSFunc) {
	fsys := newFS(t, Options{Clock: fixedClock, Capacity: 1 << 20})
	writeFile(t, fsys, "flash:/big.bin", "0123456789")
	w, err := fsys.Create("flash:/big.bin", 4)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "abc")
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, fsys, "flash:/big.bin"); got != "0123abc" {
		t.Errorf("resumed file %q, want %q", got, "0123abc")
	}
	w, err = fsys.Create("flash:/big.bin", 7) // append
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "!")
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, fsys, "flash:/big.bin"); got != "0123abc!" {
		t.Errorf("appended file %q, want %q", got, "0123abc!")
	}
	_, err = fsys.Create("flash:/big.bin", 9)
	wantErr(t, "offset beyond size", err, ErrInvalidOffset)
	_, err = fsys.Create("flash:/big.bin", -1)
	wantErr(t, "negative offset", err, ErrInvalidOffset)
	_, err = fsys.Create("flash:/none.bin", 3)
	wantErr(t, "offset in missing file", err, ErrNotExist)
	checkUsage(t, fsys, 1<<20)
}

func testErrors(t *testing.T, newFS newFSFunc) {
	fsys := newFS(t, Options{Clock: fixedClock})
	mustMkdir(t, fsys, "flash:/d")
	mustMkdir(t, fsys, "flash:/d/e")
	writeFile(t, fsys, "flash:/f", "x")
	create := func(p string) error {
		w, err := fsys.Create(p, 0)
		if err == nil {
			w.Abort()
		}
		return err
	}
	open := func(p string) error {
		r, err := fsys.Open(p)
		if err == nil {
			r.Close()
		}
		return err
	}
	stat := func(p string) error { _, err := fsys.Stat(p); return err }
	readDir := func(p string) error { _, err := fsys.ReadDir(p); return err }
	bin := func(p string) error { _, err := fsys.RecycleBin(p); return err }
	tests := []struct {
		what string
		err  error
		want error
	}{
		{"Open missing", open("flash:/nope"), ErrNotExist},
		{"Open dir", open("flash:/d"), ErrIsDir},
		{"Open under file", open("flash:/f/x"), ErrNotDir},
		{"Open relative", open("d/e"), ErrInvalidPath},
		{"Open bad name", open("flash:/a*b"), ErrInvalidPath},
		{"Stat missing", stat("flash:/d/nope"), ErrNotExist},
		{"Stat in missing dir", stat("flash:/nope/x"), ErrNotExist},
		{"ReadDir file", readDir("flash:/f"), ErrNotDir},
		{"ReadDir missing", readDir("flash:/x"), ErrNotExist},
		{"Create in missing dir", create("flash:/x/y"), ErrNotExist},
		{"Create on dir", create("flash:/D"), ErrIsDir},
		{"Create root", create("flash:/"), ErrInvalidPath},
		{"Create under file", create("flash:/f/y"), ErrNotDir},
		{"Mkdir exists", fsys.Mkdir("flash:/d"), ErrExist},
		{"Mkdir over file", fsys.Mkdir("flash:/F"), ErrExist},
		{"Mkdir root", fsys.Mkdir("flash:/"), ErrExist},
		{"Mkdir missing parent", fsys.Mkdir("flash:/x/y"), ErrNotExist},
		{"Rmdir not empty", fsys.Rmdir("flash:/d"), ErrNotEmpty},
		{"Rmdir file", fsys.Rmdir("flash:/f"), ErrNotDir},
		{"Rmdir missing", fsys.Rmdir("flash:/x"), ErrNotExist},
		{"Rmdir root", fsys.Rmdir("flash:/"), ErrInvalidPath},
		{"Remove dir", fsys.Remove("flash:/d/e", false), ErrIsDir},
		{"Remove missing", fsys.Remove("flash:/x", true), ErrNotExist},
		{"Undelete missing", fsys.Undelete("flash:/x"), ErrNotExist},
		{"Purge missing", fsys.Purge("flash:/f"), ErrNotExist},
		{"RecycleBin file", bin("flash:/f"), ErrNotDir},
		{"RecycleBin missing", bin("flash:/x"), ErrNotExist},
		{"Rename missing", fsys.Rename("flash:/x", "flash:/y"), ErrNotExist},
		{"Rename onto file", fsys.Rename("flash:/d", "flash:/f"), ErrExist},
		{"Rename onto dir", fsys.Rename("flash:/f", "flash:/D"), ErrExist},
		{"Rename into itself", fsys.Rename("flash:/d", "flash:/d/e/d"), ErrInvalidPath},
		{"Rename to missing dir", fsys.Rename("flash:/f", "flash:/x/f"), ErrNotExist},
		{"Rename root", fsys.Rename("flash:/", "flash:/r"), ErrInvalidPath},
		{"Copy dir", fsys.Copy("flash:/d", "flash:/d2"), ErrIsDir},
		{"Copy onto dir", fsys.Copy("flash:/f", "flash:/d"), ErrIsDir},
		{"Copy missing", fsys.Copy("flash:/x", "flash:/y"), ErrNotExist},
	}
	for _, tt := range tests {
		wantErr(t, tt.what, tt.err, tt.want)
		var pe *PathError
		if tt.err != nil && !errors.As(tt.err, &pe) {
			t.Errorf("%s: error %T is not a *PathError", tt.what, tt.err)
		}
	}
	if diff := cmp.Diff([]string{"d/", "f 1"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("failed calls changed the root (-want +got):\n%s", diff)
	}
}

func testRecycleBin(t *testing.T, newFS newFSFunc) {
	const capacity = 1000
	fsys := newFS(t, Options{Clock: fixedClock, Capacity: capacity})
	mustMkdir(t, fsys, "flash:/dir")
	writeFile(t, fsys, "flash:/A.txt", "aaaa")
	writeFile(t, fsys, "flash:/dir/b.txt", "bb")
	writeFile(t, fsys, "flash:/dir/c.txt", "ccc")
	for _, p := range []string{"flash:/a.TXT", "flash:/dir/b.txt", "flash:/dir/c.txt"} {
		if err := fsys.Remove(p, false); err != nil {
			t.Fatalf("Remove(%q): %v", p, err)
		}
	}
	if _, free := fsys.Usage(); free != capacity-9 {
		t.Errorf("free %d after delete, want %d (deleted files keep their space)", free, capacity-9)
	}
	if diff := cmp.Diff([]string{"dir/"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("root (-want +got):\n%s", diff)
	}
	wantAll := []string{"[A.txt] flash:/A.txt 4", "[b.txt] flash:/dir/b.txt 2", "[c.txt] flash:/dir/c.txt 3"}
	if diff := cmp.Diff(wantAll, binListing(t, fsys, Root)); diff != "" {
		t.Errorf("RecycleBin(root) (-want +got):\n%s", diff)
	}
	wantDir := []string{"[b.txt] flash:/dir/b.txt 2", "[c.txt] flash:/dir/c.txt 3"}
	if diff := cmp.Diff(wantDir, binListing(t, fsys, "flash:/DIR")); diff != "" {
		t.Errorf("RecycleBin(dir) (-want +got):\n%s", diff)
	}
	bin, _ := fsys.RecycleBin("flash:/dir")
	if !bin[0].ModTime.Equal(testTime) {
		t.Errorf("deleted file ModTime %v, want %v", bin[0].ModTime, testTime)
	}

	if err := fsys.Undelete("flash:/DIR/B.TXT"); err != nil {
		t.Fatalf("Undelete: %v", err)
	}
	if got := readFile(t, fsys, "flash:/dir/b.txt"); got != "bb" {
		t.Errorf("undeleted file %q, want %q", got, "bb")
	}
	// A new file where a deleted one was: both exist; undelete refuses.
	writeFile(t, fsys, "flash:/a.txt", "new")
	wantErr(t, "Undelete over a file", fsys.Undelete("flash:/A.txt"), ErrExist)
	// Deleting it again replaces the older deleted copy.
	if err := fsys.Remove("flash:/a.txt", false); err != nil {
		t.Fatal(err)
	}
	want := []string{"[a.txt] flash:/a.txt 3", "[c.txt] flash:/dir/c.txt 3"}
	if diff := cmp.Diff(want, binListing(t, fsys, Root)); diff != "" {
		t.Errorf("RecycleBin after second delete (-want +got):\n%s", diff)
	}
	checkUsage(t, fsys, capacity)

	if err := fsys.Purge("flash:/dir/c.txt"); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	if err := fsys.Remove("flash:/dir/b.txt", true); err != nil {
		t.Fatalf("Remove unreserved: %v", err)
	}
	if diff := cmp.Diff([]string{"[a.txt] flash:/a.txt 3"}, binListing(t, fsys, Root)); diff != "" {
		t.Errorf("RecycleBin after purge (-want +got):\n%s", diff)
	}
	if _, free := fsys.Usage(); free != capacity-3 {
		t.Errorf("free %d, want %d", free, capacity-3)
	}
	checkUsage(t, fsys, capacity)
}

func testRecycleBinDirs(t *testing.T, newFS newFSFunc) {
	const capacity = 1000
	fsys := newFS(t, Options{Clock: fixedClock, Capacity: capacity})
	mustMkdir(t, fsys, "flash:/old")
	mustMkdir(t, fsys, "flash:/old/sub")
	writeFile(t, fsys, "flash:/old/sub/x", "xx")
	if err := fsys.Remove("flash:/old/sub/x", false); err != nil {
		t.Fatal(err)
	}
	// Deleted files move with their directory.
	if err := fsys.Rename("flash:/OLD", "flash:/New"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"[x] flash:/New/sub/x 2"}, binListing(t, fsys, Root)); diff != "" {
		t.Errorf("RecycleBin after rename (-want +got):\n%s", diff)
	}
	if err := fsys.Undelete("flash:/new/sub/x"); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, fsys, "flash:/New/sub/x"); got != "xx" {
		t.Errorf("read %q", got)
	}
	// Removing a directory drops its deleted files for good.
	if err := fsys.Remove("flash:/new/sub/x", false); err != nil {
		t.Fatal(err)
	}
	if err := fsys.Rmdir("flash:/new/sub"); err != nil {
		t.Fatalf("Rmdir of a directory with only deleted files: %v", err)
	}
	if diff := cmp.Diff([]string{}, binListing(t, fsys, Root)); diff != "" {
		t.Errorf("RecycleBin after rmdir (-want +got):\n%s", diff)
	}
	mustMkdir(t, fsys, "flash:/new/sub")
	wantErr(t, "Undelete after rmdir", fsys.Undelete("flash:/new/sub/x"), ErrNotExist)
	checkUsage(t, fsys, capacity)
}

func testCapacity(t *testing.T, newFS newFSFunc) {
	const capacity = 1000
	fsys := newFS(t, Options{Clock: fixedClock, Capacity: capacity})
	if total, free := fsys.Usage(); total != capacity || free != capacity {
		t.Fatalf("Usage() = %d, %d; want %d, %d", total, free, capacity, capacity)
	}
	writeFile(t, fsys, "flash:/keep.cfg", strings.Repeat("k", 600))
	// A write beyond the capacity fails and leaves the old file.
	w, err := fsys.Create("flash:/keep.cfg", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 300)); err != nil {
		t.Fatalf("first 300 bytes: %v", err)
	}
	n, err := w.Write(make([]byte, 101))
	if n != 0 || !errors.Is(err, ErrNoSpace) {
		t.Errorf("Write beyond capacity = %d, %v; want 0, ErrNoSpace", n, err)
	}
	wantErr(t, "Commit after ErrNoSpace", w.Commit(), ErrClosed)
	w.Abort()
	if got := readFile(t, fsys, "flash:/keep.cfg"); got != strings.Repeat("k", 600) {
		t.Errorf("old file changed: %d bytes", len(got))
	}
	if diff := cmp.Diff([]string{"keep.cfg 600"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
	if _, free := fsys.Usage(); free != 400 {
		t.Errorf("free %d after failed write, want 400", free)
	}
	wantErr(t, "Copy beyond capacity", fsys.Copy("flash:/keep.cfg", "flash:/copy.cfg"), ErrNoSpace)
	_, err = fsys.Create("flash:/keep.cfg", 500)
	wantErr(t, "resume beyond capacity", err, ErrNoSpace)
	// Exactly full is fine.
	writeFile(t, fsys, "flash:/fill", strings.Repeat("f", 400))
	if _, free := fsys.Usage(); free != 0 {
		t.Errorf("free %d, want 0", free)
	}
	// Deleted files keep their space until purged.
	if err := fsys.Remove("flash:/fill", false); err != nil {
		t.Fatal(err)
	}
	w, _ = fsys.Create("flash:/x", 0)
	if _, err := w.Write([]byte("x")); !errors.Is(err, ErrNoSpace) {
		t.Errorf("write with a full recycle bin: %v, want ErrNoSpace", err)
	}
	w.Abort()
	if err := fsys.Purge("flash:/fill"); err != nil {
		t.Fatal(err)
	}
	if err := fsys.Copy("flash:/keep.cfg", "flash:/copy.cfg"); !errors.Is(err, ErrNoSpace) {
		t.Errorf("Copy of 600 into 400 free: %v, want ErrNoSpace", err)
	}
	writeFile(t, fsys, "flash:/small", "s")
	if err := fsys.Copy("flash:/small", "flash:/small2"); err != nil {
		t.Errorf("Copy: %v", err)
	}
	checkUsage(t, fsys, capacity)
	if diff := cmp.Diff([]string{"keep.cfg 600", "small 1", "small2 1"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
}

func testOldReader(t *testing.T, newFS newFSFunc) {
	fsys := newFS(t, Options{Clock: fixedClock})
	old := strings.Repeat("old!", 10000)
	writeFile(t, fsys, "flash:/f", old)
	r, err := fsys.Open("flash:/f")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	head := make([]byte, 4)
	io.ReadFull(r, head)
	writeFile(t, fsys, "flash:/f", "new")
	if err := fsys.Remove("flash:/f", true); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(head) + string(rest); got != old {
		t.Errorf("reader of the replaced file read %d bytes, not the old contents", len(got))
	}
}

func testRenameCopy(t *testing.T, newFS newFSFunc) {
	const capacity = 1000
	fsys := newFS(t, Options{Clock: fixedClock, Capacity: capacity})
	mustMkdir(t, fsys, "flash:/d")
	writeFile(t, fsys, "flash:/d/a", "aaa")
	if err := fsys.Rename("flash:/d/a", "flash:/b"); err != nil {
		t.Fatal(err)
	}
	if err := fsys.Copy("flash:/b", "flash:/d/c"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, fsys, "flash:/e", "eeeeeeee")
	if err := fsys.Copy("flash:/B", "flash:/E"); err != nil { // replaces, keeps the name
		t.Fatal(err)
	}
	if err := fsys.Rename("flash:/d", "flash:/D2"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b 3", "D2/", "e 3"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("root (-want +got):\n%s", diff)
	}
	for _, p := range []string{"flash:/b", "flash:/e", "flash:/d2/c"} {
		if got := readFile(t, fsys, p); got != "aaa" {
			t.Errorf("%s: %q, want %q", p, got, "aaa")
		}
	}
	if err := fsys.Copy("flash:/b", "flash:/b"); err != nil {
		t.Errorf("Copy onto itself: %v", err)
	}
	if got := readFile(t, fsys, "flash:/b"); got != "aaa" {
		t.Errorf("after Copy onto itself: %q", got)
	}
	checkUsage(t, fsys, capacity)
}

func testConcurrentWriters(t *testing.T, newFS newFSFunc) {
	const writers, size = 8, 64 << 10
	fsys := newFS(t, Options{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			for range 5 {
				w, err := fsys.Create("flash:/same.bin", 0)
				if err != nil {
					t.Error(err)
					return
				}
				chunk := bytes.Repeat([]byte{byte('a' + i)}, 1024)
				for range size / len(chunk) {
					if _, err := w.Write(chunk); err != nil {
						t.Error(err)
						w.Abort()
						return
					}
				}
				if err := w.Commit(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	// Readers see one writer's complete file or nothing.
	for range 2 {
		wg.Go(func() {
			for range 50 {
				r, err := fsys.Open("flash:/same.bin")
				if errors.Is(err, ErrNotExist) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				b, err := io.ReadAll(r)
				r.Close()
				if err != nil {
					t.Error(err)
					return
				}
				if len(b) != size || strings.Trim(string(b), string(b[:1])) != "" {
					t.Errorf("reader saw a mixed or partial file (%d bytes)", len(b))
				}
			}
		})
	}
	wg.Wait()
	b := readFile(t, fsys, "flash:/same.bin")
	if len(b) != size || strings.Trim(b, b[:1]) != "" {
		t.Errorf("final file is not one writer's contents (%d bytes)", len(b))
	}
	checkUsage(t, fsys, DefaultCapacity)
}

func testConcurrentMixed(t *testing.T, newFS newFSFunc) {
	const capacity = 64 << 10
	fsys := newFS(t, Options{Capacity: capacity})
	mustMkdir(t, fsys, "flash:/d")
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			name := fmt.Sprintf("flash:/d/f%d", i%3)
			for j := range 40 {
				switch j % 5 {
				case 0, 1:
					if w, err := fsys.Create(name, 0); err == nil {
						if _, err := w.Write(make([]byte, 1000*(j%7+1))); err == nil {
							w.Commit()
						}
						w.Abort()
					}
				case 2:
					fsys.Copy(name, name+"c")
				case 3:
					fsys.Remove(name, j%2 == 0)
				case 4:
					fsys.Undelete(name)
					fsys.Purge(name + "c")
					fsys.Remove(name+"c", false)
				}
				fsys.ReadDir("flash:/d")
				fsys.RecycleBin(Root)
			}
		})
	}
	wg.Wait()
	checkUsage(t, fsys, capacity)
}

// onlyReader hides every method but Read, so io.Copy uses the writer's ReadFrom.
type onlyReader struct{ io.Reader }

// copyIn writes data to path with io.Copy, as a network transfer does.
func copyIn(fsys FS, path string, data string) error {
	w, err := fsys.Create(path, 0)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, onlyReader{strings.NewReader(data)}); err != nil {
		w.Abort()
		return err
	}
	return w.Commit()
}

func testCapacityCopy(t *testing.T, newFS newFSFunc) {
	const capacity = 1000
	fsys := newFS(t, Options{Clock: fixedClock, Capacity: capacity})
	writeFile(t, fsys, "flash:/a", strings.Repeat("a", 600))
	if err := copyIn(fsys, "flash:/b", strings.Repeat("b", 401)); !errors.Is(err, ErrNoSpace) {
		t.Errorf("io.Copy of 401 bytes into 400 free: %v, want ErrNoSpace", err)
	}
	if err := copyIn(fsys, "flash:/a", strings.Repeat("c", 500)); !errors.Is(err, ErrNoSpace) {
		t.Errorf("io.Copy of 500 bytes over a file into 400 free: %v, want ErrNoSpace", err)
	}
	if diff := cmp.Diff([]string{"a 600"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("after failed copies (-want +got):\n%s", diff)
	}
	if _, free := fsys.Usage(); free != 400 {
		t.Errorf("free %d after failed copies, want 400", free)
	}
	if err := copyIn(fsys, "flash:/b", strings.Repeat("b", 400)); err != nil {
		t.Errorf("io.Copy of exactly the free space: %v", err)
	}
	if got := readFile(t, fsys, "flash:/b"); got != strings.Repeat("b", 400) {
		t.Errorf("copied file has %d bytes", len(got))
	}
	if err := copyIn(fsys, "flash:/empty", ""); err != nil {
		t.Errorf("io.Copy of nothing into a full flash: %v", err)
	}
	if diff := cmp.Diff([]string{"a 600", "b 400", "empty 0"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
	checkUsage(t, fsys, capacity)
}

func testFormat(t *testing.T, newFS newFSFunc) {
	const capacity = 1000
	fsys := newFS(t, Options{Clock: fixedClock, Capacity: capacity})
	mustMkdir(t, fsys, "flash:/a")
	mustMkdir(t, fsys, "flash:/a/b")
	writeFile(t, fsys, "flash:/a/b/c", "ccc")
	writeFile(t, fsys, "flash:/a/d", "dd")
	writeFile(t, fsys, "flash:/e", "e")
	if err := fsys.Remove("flash:/a/d", false); err != nil {
		t.Fatal(err)
	}
	if err := Format(fsys); err != nil {
		t.Fatalf("Format: %v", err)
	}
	if diff := cmp.Diff([]string{"dhcp/", "logfile/"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("root after Format (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{}, binListing(t, fsys, Root)); diff != "" {
		t.Errorf("recycle bin after Format (-want +got):\n%s", diff)
	}
	if total, free := fsys.Usage(); total != capacity || free != capacity {
		t.Errorf("Usage() = %d, %d after Format; want %d, %d", total, free, capacity, capacity)
	}
}

// testCommitConflicts changes the tree under a write in progress.
func testCommitConflicts(t *testing.T, newFS newFSFunc) {
	const capacity = 1000
	fsys := newFS(t, Options{Clock: fixedClock, Capacity: capacity})
	mustMkdir(t, fsys, "flash:/d")
	w, err := fsys.Create("flash:/d/f", 0)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "data")
	if err := fsys.Rmdir("flash:/d"); err != nil {
		t.Fatalf("Rmdir with a write in progress: %v", err)
	}
	wantErr(t, "Commit into a removed directory", w.Commit(), ErrNotExist)

	w, err = fsys.Create("flash:/x", 0)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "data")
	mustMkdir(t, fsys, "flash:/X")
	wantErr(t, "Commit onto a new directory", w.Commit(), ErrIsDir)
	if diff := cmp.Diff([]string{"X/"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("root (-want +got):\n%s", diff)
	}
	checkUsage(t, fsys, capacity)
}
