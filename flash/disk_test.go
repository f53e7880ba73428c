package flash

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func newDisk(t *testing.T, dir string, opts Options) FS {
	t.Helper()
	fsys, err := NewDisk(dir, opts)
	if err != nil {
		t.Fatalf("NewDisk: %v", err)
	}
	t.Cleanup(func() { fsys.(io.Closer).Close() })
	return fsys
}

func TestDisk(t *testing.T) {
	testConformance(t, func(t *testing.T, opts Options) FS { return newDisk(t, t.TempDir(), opts) })
}

func TestDiskPersistence(t *testing.T) {
	const capacity = 10000
	dir := t.TempDir()
	opts := Options{Capacity: capacity, Clock: fixedClock}
	fsys := newDisk(t, dir, opts)
	if err := Init(fsys); err != nil {
		t.Fatal(err)
	}
	writeFile(t, fsys, "flash:/vrpcfg.zip", "config")
	writeFile(t, fsys, "flash:/logfile/log.log", "log")
	writeFile(t, fsys, "flash:/dhcp/old.txt", "older")
	if err := fsys.Remove("flash:/dhcp/old.txt", false); err != nil {
		t.Fatal(err)
	}
	_, free := fsys.Usage()
	if _, err := NewDisk(dir, opts); err == nil {
		t.Fatal("a second NewDisk on a directory in use succeeded")
	}
	fsys.(io.Closer).Close()

	fsys = newDisk(t, dir, opts)
	if _, got := fsys.Usage(); got != free || free != capacity-14 {
		t.Errorf("free after restart %d, before %d, want %d", got, free, capacity-14)
	}
	if diff := cmp.Diff([]string{"dhcp/", "logfile/", "vrpcfg.zip 6"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("root after restart (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"[old.txt] flash:/dhcp/old.txt 5"}, binListing(t, fsys, Root)); diff != "" {
		t.Errorf("recycle bin after restart (-want +got):\n%s", diff)
	}
	if err := fsys.Undelete("flash:/dhcp/old.txt"); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, fsys, "flash:/dhcp/old.txt"); got != "older" {
		t.Errorf("undeleted after restart: %q", got)
	}
	fi, err := fsys.Stat("flash:/dhcp/old.txt")
	if err != nil || !fi.ModTime.Equal(testTime) {
		t.Errorf("Stat = %+v, %v; want ModTime %v", fi, err, testTime)
	}
	checkUsage(t, fsys, capacity)
	r, err := fsys.Open("flash:/vrpcfg.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, ok := r.(*os.File); !ok {
		t.Errorf("Open returned %T, want *os.File", r)
	}
}

// TestDiskStartCleanup plants what a crash can leave and checks that NewDisk
// cleans it: temporary files and half-recorded deletions.
func TestDiskStartCleanup(t *testing.T) {
	dir := t.TempDir()
	fsys := newDisk(t, dir, Options{})
	writeFile(t, fsys, "flash:/a", "aaa")
	writeFile(t, fsys, "flash:/b", "bb")
	if err := fsys.Remove("flash:/a", false); err != nil {
		t.Fatal(err)
	}
	fsys.(io.Closer).Close()
	plant := map[string]string{
		".vrpsim/tmp/123-1":                     "half-written upload",
		".vrpsim/bin/0123456789abcdef":          "data without a path",
		".vrpsim/bin/fedcba9876543210" + binExt: "flash:/lost\n",
	}
	for name, data := range plant {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fsys = newDisk(t, dir, Options{})
	for name := range plant {
		if _, err := os.Lstat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s survived the start: %v", name, err)
		}
	}
	if diff := cmp.Diff([]string{"[a] flash:/a 3"}, binListing(t, fsys, Root)); diff != "" {
		t.Errorf("recycle bin (-want +got):\n%s", diff)
	}
	checkUsage(t, fsys, DefaultCapacity)
}

// TestDiskHostFiles checks files put into the directory by other means: names
// matched case-insensitively, sizes counted at start, symbolic links ignored.
func TestDiskHostFiles(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret")
	os.WriteFile(secret, []byte("secret"), 0o644)
	os.Mkdir(filepath.Join(dir, "Sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "VRPCFG.ZIP"), []byte("12345"), 0o644)
	os.WriteFile(filepath.Join(dir, "Sub", "x"), []byte("xyz"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad:name"), []byte("unreachable"), 0o644)
	for name, target := range map[string]string{
		"etc":        "/etc",
		"passwd":     "/etc/passwd",
		"out":        outside,
		"secret":     secret,
		"rel":        "../" + filepath.Base(outside) + "/secret",
		"inside":     "VRPCFG.ZIP",
		"Sub/parent": "..",
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	const capacity = 1000
	fsys := newDisk(t, dir, Options{Capacity: capacity})
	if _, free := fsys.Usage(); free != capacity-5-3-11 {
		t.Errorf("free %d, want %d", free, capacity-5-3-11)
	}
	if diff := cmp.Diff([]string{"Sub/", "VRPCFG.ZIP 5"}, listing(t, fsys, Root)); diff != "" {
		t.Errorf("root (-want +got):\n%s", diff)
	}
	if got := readFile(t, fsys, "flash:/vrpcfg.zip"); got != "12345" {
		t.Errorf("read %q", got)
	}
	fi, err := fsys.Stat("flash:/sub/X")
	if err != nil || fi.Path != "flash:/Sub/x" {
		t.Errorf("Stat = %+v, %v; want path flash:/Sub/x", fi, err)
	}
	for _, p := range []string{
		"flash:/etc/passwd", "flash:/passwd", "flash:/out/secret", "flash:/secret", "flash:/rel",
		"flash:/inside", "flash:/Sub/parent/VRPCFG.ZIP", "flash:/../../../../etc/passwd",
		"flash:/.vrpsim/lock", "flash:/bad:name",
	} {
		r, err := fsys.Open(p)
		if err == nil {
			b, _ := io.ReadAll(r)
			r.Close()
			t.Errorf("Open(%q) read %q, want an error", p, b)
		} else if !errors.Is(err, ErrNotExist) && !errors.Is(err, ErrInvalidPath) {
			t.Errorf("Open(%q): %v, want ErrNotExist or ErrInvalidPath", p, err)
		}
	}
	// Writes through the links fail and change nothing outside.
	for _, p := range []string{"flash:/etc/x", "flash:/out/secret", "flash:/Sub/parent/y"} {
		if w, err := fsys.Create(p, 0); err == nil {
			w.Abort()
			t.Errorf("Create(%q) succeeded", p)
		}
	}
	if err := fsys.Mkdir("flash:/.VRPSIM"); !errors.Is(err, ErrInvalidPath) {
		t.Errorf("Mkdir of the reserved name: %v, want ErrInvalidPath", err)
	}
	if err := fsys.Rename("flash:/Sub", "flash:/.vrpsim"); !errors.Is(err, ErrInvalidPath) {
		t.Errorf("Rename onto the reserved name: %v, want ErrInvalidPath", err)
	}
	// Writing a name a link has does not follow the link.
	writeFile(t, fsys, "flash:/secret", "mine")
	if b, _ := os.ReadFile(secret); string(b) != "secret" {
		t.Errorf("file outside the root changed to %q", b)
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 1 {
		t.Errorf("outside directory has %d entries, want 1", len(entries))
	}
}

// TestDiskCopyFromTCP writes files from a loopback TCP connection, as an FTP
// upload does (io.Copy from the connection: splice on Linux).
func TestDiskCopyFromTCP(t *testing.T) {
	const capacity = 3 << 20
	fsys := newDisk(t, t.TempDir(), Options{Capacity: capacity})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	send := func(data []byte) error {
		go func() {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				return
			}
			c.Write(data)
			c.Close()
		}()
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		defer c.Close()
		w, err := fsys.Create("flash:/upload.bin", 0)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, c); err != nil {
			w.Abort()
			return err
		}
		return w.Commit()
	}
	data := make([]byte, 2<<20+12345)
	for i := range data {
		data[i] = byte(i * 7 / 3)
	}
	if err := send(data); err != nil {
		t.Fatalf("upload: %v", err)
	}
	if got := readFile(t, fsys, "flash:/upload.bin"); got != string(data) {
		t.Errorf("uploaded file differs (%d bytes, want %d)", len(got), len(data))
	}
	// Replacing it needs room for both: this one does not fit and changes nothing.
	if err := send(make([]byte, 1<<20)); !errors.Is(err, ErrNoSpace) {
		t.Errorf("upload beyond capacity: %v, want ErrNoSpace", err)
	}
	if got := readFile(t, fsys, "flash:/upload.bin"); got != string(data) {
		t.Errorf("old file changed by a failed upload (%d bytes)", len(got))
	}
	tmp, _ := os.ReadDir(filepath.Join(fsys.(*diskFS).root.Name(), tmpDir))
	if len(tmp) != 0 {
		t.Errorf("%d temporary files left after a failed upload", len(tmp))
	}
	checkUsage(t, fsys, capacity)
}

// TestDiskReadFromDeadline: an expired read deadline on the socket ends
// ReadFrom but keeps the file; reading on after a new deadline completes it.
func TestDiskReadFromDeadline(t *testing.T) {
	const capacity = 1 << 20
	fsys := newDisk(t, t.TempDir(), Options{Capacity: capacity})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	first, second := bytes.Repeat([]byte("first "), 1000), bytes.Repeat([]byte("second "), 1000)
	resume := make(chan struct{})
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return
		}
		defer c.Close()
		c.Write(first)
		<-resume
		c.Write(second)
	}()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w, err := fsys.Create("flash:/upload.bin", 0)
	if err != nil {
		t.Fatal(err)
	}
	rf := w.(io.ReaderFrom)
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	n, err := rf.ReadFrom(c)
	if !errors.Is(err, os.ErrDeadlineExceeded) || n != int64(len(first)) {
		t.Fatalf("ReadFrom until the deadline: %d, %v; want %d, a deadline error", n, err, len(first))
	}
	close(resume)
	c.SetReadDeadline(time.Time{})
	if n, err := rf.ReadFrom(c); err != nil || n != int64(len(second)) {
		t.Fatalf("ReadFrom after it: %d, %v; want %d, nil", n, err, len(second))
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, fsys, "flash:/upload.bin"); got != string(first)+string(second) {
		t.Errorf("file has %d bytes, want %d: both parts", len(got), len(first)+len(second))
	}
	checkUsage(t, fsys, capacity)
}

// TestDiskMetaDirLink refuses a data directory whose hidden directory is a link.
func TestDiskMetaDirLink(t *testing.T) {
	for _, target := range []string{"/etc", "visible"} {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "visible"), 0o755)
		os.Symlink(target, filepath.Join(dir, metaDir))
		if fsys, err := NewDisk(dir, Options{}); err == nil {
			fsys.(io.Closer).Close()
			t.Errorf("NewDisk accepted %s linked to %s", metaDir, target)
		}
		entries, _ := os.ReadDir(filepath.Join(dir, "visible"))
		if len(entries) != 0 {
			t.Errorf("NewDisk wrote %d entries through the link", len(entries))
		}
	}
}

// TestDiskBinDuplicate: a crash between recording a deletion and dropping the
// older deleted file of the same path leaves two; the newer deletion wins.
func TestDiskBinDuplicate(t *testing.T) {
	dir := t.TempDir()
	fsys := newDisk(t, dir, Options{})
	writeFile(t, fsys, "flash:/f", "first")
	fsys.Remove("flash:/f", false)
	fsys.(io.Closer).Close()
	// Plant an older-looking file deleted later.
	bin := filepath.Join(dir, binDir)
	os.WriteFile(filepath.Join(bin, "later"), []byte("second!"), 0o644)
	os.Chtimes(filepath.Join(bin, "later"), testTime, testTime)
	os.WriteFile(filepath.Join(bin, "later"+binExt), []byte("flash:/F\n"), 0o644)
	future := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(bin, "later"+binExt), future, future)

	fsys = newDisk(t, dir, Options{})
	if diff := cmp.Diff([]string{"[F] flash:/F 7"}, binListing(t, fsys, Root)); diff != "" {
		t.Errorf("recycle bin (-want +got):\n%s", diff)
	}
	entries, _ := os.ReadDir(bin)
	if len(entries) != 2 {
		t.Errorf("bin directory has %d entries, want 2", len(entries))
	}
	checkUsage(t, fsys, DefaultCapacity)
}

// TestDiskSync runs the conformance tests with Sync, which adds flushes.
func TestDiskSync(t *testing.T) {
	testConformance(t, func(t *testing.T, opts Options) FS {
		opts.Sync = true
		return newDisk(t, t.TempDir(), opts)
	})
}

// TestDiskLongNames stores the longest names Resolve accepts.
func TestDiskLongNames(t *testing.T) {
	fsys := newDisk(t, t.TempDir(), Options{})
	mustMkdir(t, fsys, "flash:/dirs")
	for _, name := range []string{strings.Repeat("n", MaxNameLen), strings.Repeat("😀", 63), strings.Repeat("Ж", MaxNameLen)} {
		p, err := Resolve(Root, name)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, fsys, p, name)
		if got := readFile(t, fsys, p); got != name {
			t.Errorf("read %q, want %q", got, name)
		}
		mustMkdir(t, fsys, "flash:/dirs/"+name)
	}
}
