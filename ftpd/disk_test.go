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
