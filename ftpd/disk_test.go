package ftpd

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/flash"
)

// newDiskFS returns a disk-backed flash in a temporary directory, closed when
// the test ends (after the server, whose cleanup runs first).
func newDiskFS(t testing.TB) (flash.FS, string) {
	t.Helper()
	dir := t.TempDir()
	fsys, err := flash.NewDisk(dir, flash.Options{Capacity: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, ok := fsys.(io.Closer); ok {
			c.Close()
		}
	})
	return fsys, dir
}

// TestDiskBackend runs transfers over the disk backend (binary RETR goes through
// sendfile from its *os.File) and checks that symbolic links planted in the
// flash directory lead nowhere.
func TestDiskBackend(t *testing.T) {
	fsys, dir := newDiskFS(t)
	if err := fsys.Mkdir("flash:/test"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc", filepath.Join(dir, "etc")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "test", "passwd")); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.FS = fsys })
	data := randomBytes(t, 3<<20+99)
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	c.cmd("TYPE I")
	_, last := c.stor("STOR", "disk.bin", data)
	back, _, last2 := c.retr("disk.bin")
	c.cmd("REST 1000")
	tail, _, _ := c.retr("disk.bin")
	onDisk, _ := os.ReadFile(filepath.Join(dir, "disk.bin"))
	got := []string{last, last2, sha(back), sha(tail), sha(onDisk)}
	want := []string{"226 Transfer complete.", "226 Transfer complete.", sha(data), sha(data[1000:]), sha(data)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("disk transfers (-want +got):\n%s", diff)
	}
	var attacks []string
	for _, line := range []string{"CWD etc", "SIZE etc/passwd", "SIZE test/passwd", "RNFR etc"} {
		attacks = append(attacks, line+" -> "+c.cmd(line))
	}
	_, first, _ := c.retr("test/passwd")
	attacks = append(attacks, "RETR test/passwd -> "+first)
	names, _, _ := c.list("NLST test")
	attacks = append(attacks, "NLST test -> "+names)
	wantAttacks := []string{
		"CWD etc -> 550 etc: No such file or directory.",
		"SIZE etc/passwd -> 550 etc/passwd: No such file or directory.",
		"SIZE test/passwd -> 550 test/passwd: No such file or directory.",
		"RNFR etc -> 550 etc: No such file or directory.",
		"RETR test/passwd -> 550 test/passwd: No such file or directory.",
		"NLST test -> ..\r\n.\r\n",
	}
	if diff := cmp.Diff(wantAttacks, attacks); diff != "" {
		t.Errorf("symlink attacks (-want +got):\n%s", diff)
	}
}

// TestDiskFullFlash: a binary upload to the disk backend (spliced into the
// file by the kernel) that does not fit gets 552 and leaves the old file.
func TestDiskFullFlash(t *testing.T) {
	dir := t.TempDir()
	fsys, err := flash.NewDisk(dir, flash.Options{Capacity: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.(io.Closer).Close() })
	putFile(t, fsys, "flash:/keep.cfg", []byte("previous"))
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.FS = fsys })
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	c.cmd("TYPE I")
	for _, name := range []string{"keep.cfg", "fresh.bin"} {
		d := c.pasv()
		if got := c.cmd("STOR " + name); got[:4] != "150 " {
			t.Fatal(got)
		}
		go func() {
			d.Write(make([]byte, 2<<20))
			d.Close()
		}()
		if got := c.reply(); got != "552 Requested file action aborted. Exceeded storage allocation." {
			t.Errorf("STOR %s on a full flash: %q", name, got)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "keep.cfg")); string(b) != "previous" {
		t.Errorf("keep.cfg = %q after a failed upload", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "fresh.bin")); !os.IsNotExist(err) {
		t.Errorf("partial file after a full flash: %v", err)
	}
	// a fitting upload still works, and the space of the failed ones is free
	data := randomBytes(t, 700<<10)
	if _, last := c.stor("STOR", "fits.bin", data); last != "226 Transfer complete." {
		t.Errorf("STOR that fits: %q", last)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "fits.bin")); sha(b) != sha(data) {
		t.Error("fits.bin differs")
	}
}
