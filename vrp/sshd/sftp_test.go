package sshd

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pkg/sftp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp"
	gossh "golang.org/x/crypto/ssh"
)

const (
	backupUser     = "backup"
	backupPassword = "Backup@123"
)

// sftpSetup configures a device for SFTP and SCP the way a lab does: the
// servers on, a level-3 local user with service-type ssh whose SSH user has
// service-type sftp and the directory flash:/backup.
const sftpSetup = `mkdir flash:/backup
system-view
sftp server enable
scp server enable
aaa
local-user backup password cipher Backup@123
local-user backup service-type ssh
local-user backup privilege level 3
quit
ssh user backup authentication-type password
ssh user backup service-type sftp
ssh user backup sftp-directory flash:/backup
return`

// newDeviceOn is newDevice on a given flash.
func newDeviceOn(t testing.TB, fs flash.FS) *vrp.Device {
	t.Helper()
	d, err := vrp.New(vrp.Options{
		Flash: fs,
		Now:   func() time.Time { return testClock },
		AAA:   aaa.Options{KDF: aaa.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}, Now: func() time.Time { return testClock }},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Users().SetPassword(adminUser, adminPassword, aaa.IrreversibleCipher); err != nil {
		t.Fatal(err)
	}
	return d
}

// configure runs lines as admin and fails the test on any refusal.
func configure(t testing.TB, addr, lines string) {
	t.Helper()
	c := mustDial(t, addr)
	out, status := runTB(t, c, lines)
	if status != 0 || strings.Contains(out, "Error") {
		t.Fatalf("configuration refused (status %d):\n%s", status, out)
	}
}

// sftpDevice returns a device set up by sftpSetup and its SSH address.
func sftpDevice(t *testing.T, fs flash.FS) (*vrp.Device, string) { return sftpDeviceOn(t, fs) }

// sftpDeviceB is sftpDevice for benchmarks, on a disk flash in a
// temporary directory.
func sftpDeviceB(b *testing.B) (*vrp.Device, string) {
	fs, err := flash.NewDisk(b.TempDir(), flash.Options{Clock: func() time.Time { return testClock }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if c, ok := fs.(io.Closer); ok {
			c.Close()
		}
	})
	return sftpDeviceOn(b, fs)
}

// newSFTPClient opens an SFTP session on a connection.
func newSFTPClient(c *gossh.Client) (*sftp.Client, error) { return sftp.NewClient(c) }

// runTB runs an exec request and returns its output and exit status.
func runTB(t testing.TB, c *gossh.Client, command string) (string, int) {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := s.CombinedOutput(command)
	var exit *gossh.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitStatus()
	case err != nil:
		t.Fatalf("%q: %v", command, err)
	}
	return string(out), 0
}

func sftpDeviceOn(t testing.TB, fs flash.FS) (*vrp.Device, string) {
	t.Helper()
	if fs == nil {
		fs = flash.NewMemory(flash.Options{Clock: func() time.Time { return testClock }})
	}
	d := newDeviceOn(t, fs)
	_, addr := startServer(t, d)
	configure(t, addr, sftpSetup)
	return d, addr
}

// sftpClient opens an SFTP session as user.
func sftpClient(t *testing.T, addr, user, password string) (*sftp.Client, *gossh.Client) {
	t.Helper()
	c, err := dial(t, addr, user, password)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sc, err := sftp.NewClient(c)
	if err != nil {
		t.Fatalf("sftp session: %v", err)
	}
	t.Cleanup(func() { sc.Close() })
	return sc, c
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func readFlash(t testing.TB, fs flash.FS, path string) []byte {
	t.Helper()
	f, err := fs.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFlash(t testing.TB, fs flash.FS, path string, data []byte) {
	t.Helper()
	w, err := fs.Create(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestSFTPRoundTrip: a file put and got back is byte-identical, it lands
// in the user's directory on the flash, and the listing shows it.
func TestSFTPRoundTrip(t *testing.T) {
	d, addr := sftpDevice(t, nil)
	sc, _ := sftpClient(t, addr, backupUser, backupPassword)
	data := randomBytes(t, 3<<20+17)

	f, err := sc.Create("/r1.zip")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadFrom(bytes.NewReader(data)); err != nil { // concurrent, out-of-order writes
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := sha256.Sum256(readFlash(t, d.Flash(), "flash:/backup/r1.zip")), sha256.Sum256(data); got != want {
		t.Fatalf("flash:/backup/r1.zip has SHA-256 %x, want %x", got, want)
	}
	g, err := sc.Open("r1.zip")
	if err != nil {
		t.Fatal(err)
	}
	var back bytes.Buffer
	if _, err := g.WriteTo(&back); err != nil {
		t.Fatal(err)
	}
	g.Close()
	if got, want := sha256.Sum256(back.Bytes()), sha256.Sum256(data); got != want {
		t.Fatalf("downloaded SHA-256 %x, want %x", got, want)
	}
	if err := sc.Mkdir("/cfg"); err != nil {
		t.Fatal(err)
	}
	if err := sc.Rename("/r1.zip", "/cfg/r1-old.zip"); err != nil {
		t.Fatal(err)
	}
	list, err := sc.ReadDir("/cfg")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fi := range list {
		names = append(names, fi.Name())
		if fi.Size() != int64(len(data)) {
			t.Errorf("%s: size %d, want %d", fi.Name(), fi.Size(), len(data))
		}
	}
	if diff := cmp.Diff([]string{"r1-old.zip"}, names); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
	if wd, err := sc.Getwd(); err != nil || wd != "/" {
		t.Errorf("Getwd = %q, %v; want /", wd, err)
	}
	if err := sc.Remove("/cfg/r1-old.zip"); err != nil {
		t.Fatal(err)
	}
	if err := sc.RemoveDirectory("/cfg"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Flash().Stat("flash:/backup/cfg"); !errors.Is(err, flash.ErrNotExist) {
		t.Errorf("flash:/backup/cfg after rmdir: %v", err)
	}
	sc.Close()
	wantLog := []string{
		"SSH/5/SSH_USER_LOGIN: The SSH user succeeded in logging in. (ServiceType=sftp, UserName=backup, IPAddress=127.0.0.1, VPNInstanceName=)",
		"SSH/5/SFTP_FILE_TRANSFER: The file was transferred through SFTP. (UserName=backup, OperateType=upload, File=flash:/backup/r1.zip, Bytes=3145745, IpAddress=127.0.0.1, ErrCode=0)",
		"SSH/5/SFTP_FILE_TRANSFER: The file was transferred through SFTP. (UserName=backup, OperateType=download, File=flash:/backup/r1.zip, Bytes=3145745, IpAddress=127.0.0.1, ErrCode=0)",
		"SSH/5/SFTP_FILE_OPERATE: The user operated a file through SFTP. (UserName=backup, Operation=mkdir, File=flash:/backup/cfg, Result=Success, IpAddress=127.0.0.1)",
		"SSH/5/SFTP_FILE_OPERATE: The user operated a file through SFTP. (UserName=backup, Operation=rename, File=flash:/backup/r1.zip -> flash:/backup/cfg/r1-old.zip, Result=Success, IpAddress=127.0.0.1)",
		"SSH/5/SFTP_FILE_OPERATE: The user operated a file through SFTP. (UserName=backup, Operation=delete, File=flash:/backup/cfg/r1-old.zip, Result=Success, IpAddress=127.0.0.1)",
		"SSH/5/SFTP_FILE_OPERATE: The user operated a file through SFTP. (UserName=backup, Operation=rmdir, File=flash:/backup/cfg, Result=Success, IpAddress=127.0.0.1)",
		"SSH/5/SSH_USER_LOGOUT: The SSH user logged out. (ServiceType=sftp, LogoutReason=User logout, UserName=backup, UserAddress=127.0.0.1, VPNInstanceName=)",
	}
	if diff := cmp.Diff(wantLog, waitLog(t, d, "SSH_USER_LOGOUT", "SSH/5/S")); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

// logSeq is the sequence mark of a log line's brief ("(l)[3]:").
var logSeq = regexp.MustCompile(`\(l\)\[\d+\]:`)

// waitLog waits until the device log has a line containing until, and
// returns the lines containing match, without their time stamps.
func waitLog(t *testing.T, d *vrp.Device, until, match string) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		lines := d.Log()
		found := false
		var out []string
		for _, l := range lines {
			if strings.Contains(l, until) {
				found = true
			}
			if i := strings.Index(l, match); i >= 0 {
				out = append(out, logSeq.ReplaceAllString(strings.TrimSpace(l[i:]), ": "))
			}
		}
		if found {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log:\n%s", until, strings.Join(lines, "\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSFTPConfinement: the user cannot leave the directory: "..", device
// paths and links are refused or stay inside.
func TestSFTPConfinement(t *testing.T) {
	d, addr := sftpDevice(t, nil)
	writeFlash(t, d.Flash(), "flash:/secret.cfg", []byte("secret"))
	sc, _ := sftpClient(t, addr, backupUser, backupPassword)

	for _, p := range []string{"../secret.cfg", "/../secret.cfg", "/../../secret.cfg", "flash:/secret.cfg", "/flash:/secret.cfg", `..\secret.cfg`} {
		if f, err := sc.Open(p); err == nil {
			b, _ := io.ReadAll(f)
			f.Close()
			t.Errorf("Open(%q) read %q outside the directory", p, b)
		}
	}
	f, err := sc.Create("../../escape.txt")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("x"))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Flash().Stat("flash:/escape.txt"); !errors.Is(err, flash.ErrNotExist) {
		t.Errorf("../../escape.txt reached the flash root: %v", err)
	}
	if _, err := d.Flash().Stat("flash:/backup/escape.txt"); err != nil {
		t.Errorf("../../escape.txt did not land in the user's root: %v", err)
	}
	if err := sc.Symlink("/../secret.cfg", "/link"); !errors.Is(err, os.ErrPermission) {
		t.Errorf("Symlink: %v, want permission denied", err)
	}
	if err := sc.Link("/escape.txt", "/hard"); err == nil {
		t.Error("Link succeeded")
	}
	if err := sc.Rename("/escape.txt", "flash:/escape.txt"); err == nil {
		t.Error("Rename to a device path succeeded")
	}
	if err := sc.RemoveDirectory("/"); err == nil {
		t.Error("the user's root was removed")
	}
	list, err := sc.ReadDir("/..")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name() != "escape.txt" {
		t.Errorf("ReadDir(/..) lists %v, want the user's own directory", list)
	}
}

// TestSFTPAtomicUpload: an upload cut short by a dead connection leaves
// the good file as it was; a complete one replaces it.
func TestSFTPAtomicUpload(t *testing.T) {
	d, addr := sftpDevice(t, nil)
	good := []byte("good configuration\n")
	writeFlash(t, d.Flash(), "flash:/backup/vrpcfg.zip", good)

	c, err := dial(t, addr, backupUser, backupPassword)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sftp.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	f, err := sc.Create("/vrpcfg.zip")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(randomBytes(t, 256<<10)); err != nil {
		t.Fatal(err)
	}
	// Kill the transfer: the TCP connection goes away mid-upload.
	c.Close()
	waitLog(t, d, "SSH_USER_LOGOUT", "")
	if got := readFlash(t, d.Flash(), "flash:/backup/vrpcfg.zip"); !bytes.Equal(got, good) {
		t.Fatalf("after a killed upload the file has %d bytes, want the good %d", len(got), len(good))
	}
	if lines := waitLog(t, d, "SSH_USER_LOGOUT", "OperateType=upload"); len(lines) != 1 || !strings.HasSuffix(lines[0], "ErrCode=1)") {
		t.Errorf("upload log: %q, want one failed upload", lines)
	}
	list, _ := d.Flash().ReadDir("flash:/backup")
	if len(list) != 1 {
		t.Errorf("flash:/backup holds %d entries, want only vrpcfg.zip: %v", len(list), list)
	}

	sc2, _ := sftpClient(t, addr, backupUser, backupPassword)
	newer := randomBytes(t, 100000)
	g, err := sc2.Create("/vrpcfg.zip")
	if err != nil {
		t.Fatal(err)
	}
	g.Write(newer)
	if got := readFlash(t, d.Flash(), "flash:/backup/vrpcfg.zip"); !bytes.Equal(got, good) {
		t.Fatal("the file changed before the upload was closed")
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readFlash(t, d.Flash(), "flash:/backup/vrpcfg.zip"); !bytes.Equal(got, newer) {
		t.Fatal("a complete upload did not replace the file")
	}
}

// TestSFTPFlashFull: an upload that does not fit fails with the device's
// message and leaves the old file and the free space as they were.
func TestSFTPFlashFull(t *testing.T) {
	fs := flash.NewMemory(flash.Options{Capacity: 2 << 20, Clock: func() time.Time { return testClock }})
	_, addr := sftpDevice(t, fs)
	writeFlash(t, fs, "flash:/backup/big.bin", []byte("old"))
	sc, _ := sftpClient(t, addr, backupUser, backupPassword)
	f, err := sc.Create("/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	_, werr := f.Write(randomBytes(t, 3<<20))
	cerr := f.Close()
	err = errors.Join(werr, cerr)
	var se *sftp.StatusError
	if !errors.As(err, &se) || se.FxCode() != sftp.ErrSSHFxFailure || !strings.Contains(err.Error(), "The space of the flash is insufficient") {
		t.Errorf("upload error %v, want SSH_FX_FAILURE with the device's message", err)
	}
	if got := readFlash(t, fs, "flash:/backup/big.bin"); string(got) != "old" {
		t.Errorf("the old file became %d bytes", len(got))
	}
	if total, free := fs.Usage(); total-free != storedBytes(t, fs, flash.Root) {
		t.Errorf("used space %d after the failed upload, want the %d bytes of the files", total-free, storedBytes(t, fs, flash.Root))
	}
}

// TestSFTPRefused: who may not use SFTP does not get the subsystem, and an
// SSH user with service-type sftp does not get the CLI.
func TestSFTPRefused(t *testing.T) {
	d, addr := sftpDevice(t, nil)
	tryOpen := func(user, password string) error {
		c, err := dial(t, addr, user, password)
		if err != nil {
			return err
		}
		defer c.Close()
		sc, err := sftp.NewClient(c)
		if err == nil {
			sc.Close()
		}
		return err
	}
	// admin's SSH user has service-type stelnet.
	if err := tryOpen(adminUser, adminPassword); err == nil {
		t.Error("an SSH user with service-type stelnet got SFTP")
	}
	// backup cannot have the CLI.
	c, err := dial(t, addr, backupUser, backupPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := s.CombinedOutput("display version")
	if diff := cmp.Diff(msgRefused, string(out)); diff != "" {
		t.Errorf("exec as an sftp-only user (-want +got):\n%s", diff)
	}
	steps := []struct{ config, why string }{
		{"system-view\naaa\nlocal-user backup privilege level 2", "level below 3"},
		{"system-view\naaa\nlocal-user backup privilege level 3\nquit\nssh user backup sftp-directory flash:/nothere", "directory missing"},
		{"system-view\nssh user backup sftp-directory flash:/backup\nundo sftp server", "server disabled"},
	}
	for _, s := range steps {
		configure(t, addr, s.config)
		if err := tryOpen(backupUser, backupPassword); err == nil {
			t.Errorf("%s: SFTP opened", s.why)
		}
	}
	wantLog := []string{
		"SSH/5/SSH_USER_LOGIN_FAIL: The SSH user failed to login. (ServiceType=sftp, FailedReason=the service type of SSH user admin is not sftp or all, UserName=admin, IPAddress=127.0.0.1, VPNInstanceName=)",
		"SSH/5/SSH_USER_LOGIN_FAIL: The SSH user failed to login. (ServiceType=sftp, FailedReason=the user level is lower than 3, UserName=backup, IPAddress=127.0.0.1, VPNInstanceName=)",
		"SSH/5/SSH_USER_LOGIN_FAIL: The SSH user failed to login. (ServiceType=sftp, FailedReason=the directory flash:/nothere does not exist, UserName=backup, IPAddress=127.0.0.1, VPNInstanceName=)",
		"SSH/5/SSH_USER_LOGIN_FAIL: The SSH user failed to login. (ServiceType=sftp, FailedReason=the SFTP server is disabled, UserName=backup, IPAddress=127.0.0.1, VPNInstanceName=)",
	}
	if diff := cmp.Diff(wantLog, waitLog(t, d, "SFTP server is disabled", "SSH/5/SSH_USER_LOGIN_FAIL")); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	configure(t, addr, "system-view\nsftp server enable")
	if err := tryOpen(backupUser, backupPassword); err != nil {
		t.Errorf("after the refusals were undone: %v", err)
	}
	// With STelnet off, SSH logins are still taken for SFTP, but nobody
	// gets the CLI.
	configure(t, addr, "system-view\nundo stelnet server enable")
	if err := tryOpen(backupUser, backupPassword); err != nil {
		t.Errorf("SFTP with STelnet off: %v", err)
	}
	c2, err := dial(t, addr, adminUser, adminPassword)
	if err != nil {
		t.Fatalf("admin's login with STelnet off but SFTP on: %v", err)
	}
	defer c2.Close()
	s2, err := c2.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := s2.CombinedOutput("display version"); string(out) != msgRefused {
		t.Errorf("the CLI with STelnet off: %q", out)
	}
}

// storedBytes sums the sizes of the files under dir and in the recycle bin.
func storedBytes(t *testing.T, fs flash.FS, dir string) int64 {
	t.Helper()
	var walk func(string) int64
	walk = func(dir string) int64 {
		list, err := fs.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, fi := range list {
			if fi.IsDir {
				n += walk(fi.Path)
			} else {
				n += fi.Size
			}
		}
		return n
	}
	n := walk(dir)
	bin, err := fs.RecycleBin(flash.Root)
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range bin {
		n += fi.Size
	}
	return n
}

// TestUndoSFTPServerEndsSessions: undo sftp server disconnects the SFTP
// users, as undo ftp server does the FTP users; an upload in progress is
// discarded.
func TestUndoSFTPServerEndsSessions(t *testing.T) {
	d, addr := sftpDevice(t, nil)
	sc, _ := sftpClient(t, addr, backupUser, backupPassword)
	f, err := sc.Create("/half.bin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(randomBytes(t, 100000)); err != nil {
		t.Fatal(err)
	}
	configure(t, addr, "system-view\nundo sftp server")
	waitLog(t, d, "SSH_USER_LOGOUT", "")
	if _, err := sc.ReadDir("/"); err == nil {
		t.Error("the SFTP session still answers after undo sftp server")
	}
	f.Close()
	if _, err := d.Flash().Stat("flash:/backup/half.bin"); !errors.Is(err, flash.ErrNotExist) {
		t.Errorf("the cut upload left flash:/backup/half.bin: %v", err)
	}
}
