package vrp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/ftpc"
)

// newDiskDevice is a device on a disk flash in dir whose FTP server takes any
// free loopback port.
func newDiskDevice(t *testing.T, dir string) *Device {
	t.Helper()
	fs, err := flash.NewDisk(dir, flash.Options{Clock: testClockFn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.(io.Closer).Close() })
	d, err := New(Options{
		Flash: fs, Now: testClockFn,
		AAA:             aaa.Options{KDF: cheapKDF, Now: testClockFn},
		FTPFailureDelay: -1,
		Listen: func(network, addr string) (net.Listener, error) {
			return net.Listen(network, "127.0.0.1:0")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestHardLinkNotServed plants a hard link to a file outside the data
// directory (as `ln /etc/shadow vrpsim-data/flash/x` does): the CLI and a
// jailed FTP user see no such file, and nothing of it is read or copied.
func TestHardLinkNotServed(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the link count of a file is not read on Windows")
	}
	dir, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "shadow")
	const content = "root:$6$secret-hash:20000:0:99999:7:::\n"
	if err := os.WriteFile(secret, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	d := newDiskDevice(t, dir)
	if err := os.Link(secret, filepath.Join(dir, "x.txt")); err != nil {
		t.Fatal(err)
	}
	golden := "<Huawei>dir\n" +
		"Directory of flash:/\n" +
		"\n" +
		dirHeader +
		"    0  -rw-             84  Nov 24 2026 10:30:00   ar2220E-V200R007C00SPC600.cc\n" +
		"    1  drw-              -  Nov 24 2026 10:30:00   dhcp\n" +
		"    2  drw-              -  Nov 24 2026 10:30:00   logfile\n" +
		"\n" +
		"1,090,732 KB total (1,090,731 KB free)\n" +
		"<Huawei>more x.txt\n" +
		"Error: File can't be found.\n" +
		"<Huawei>copy x.txt y.txt\n" +
		"Error: File can't be found.\n" +
		"<Huawei>\n"
	if diff := cmp.Diff(golden, runTranscript(t, d, vtyAdmin, golden)); diff != "" {
		t.Errorf("CLI (-want +got):\n%s", diff)
	}

	run(t, d, "system-view", "ftp server enable", "aaa", "local-user jail password cipher Jail@1234",
		"local-user jail service-type ftp", "local-user jail privilege level 3", "local-user jail ftp-directory flash:")
	ctx := context.Background()
	c, err := ftpc.Dial(ctx, d.FTPAddr().String(), ftpc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Login(ctx, "jail", "Jail@1234"); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	_, err = c.Retr(ctx, "x.txt", &got, 0)
	var re *ftpc.ReplyError
	if !errors.As(err, &re) || re.Reply.Code != 550 {
		t.Errorf("RETR x.txt: %v, want a 550 reply", err)
	}
	var names bytes.Buffer
	if _, err := c.NameList(ctx, "", &names); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("..\nar2220E-V200R007C00SPC600.cc\ndhcp\nlogfile\n.\n", names.String()); diff != "" {
		t.Errorf("NLST (-want +got):\n%s", diff)
	}
	if bytes.Contains(got.Bytes(), []byte("secret")) {
		t.Errorf("RETR sent %q", got.String())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "y.txt")); len(b) > 0 {
		t.Errorf("copy wrote %q", b)
	}
}

// TestFreeSpaceAfterHostChanges: a file put on the flash behind the device's
// back (a sparse one, so the test uses no disk) and then deleted by the device
// leaves the free space at what the flash holds, never above its capacity.
func TestFreeSpaceAfterHostChanges(t *testing.T) {
	dir := t.TempDir()
	d := newDiskDevice(t, dir)
	big := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 500<<20); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(big, testClock, testClock)
	golden := "<Huawei>dir\n" +
		"Directory of flash:/\n" +
		"\n" +
		dirHeader +
		"    0  -rw-             84  Nov 24 2026 10:30:00   ar2220E-V200R007C00SPC600.cc\n" +
		"    1  -rw-    524,288,000  Nov 24 2026 10:30:00   big.bin\n" +
		"    2  drw-              -  Nov 24 2026 10:30:00   dhcp\n" +
		"    3  drw-              -  Nov 24 2026 10:30:00   logfile\n" +
		"\n" +
		"1,090,732 KB total (578,731 KB free)\n" +
		"<Huawei>delete /unreserved big.bin\n" +
		"Warning: The contents of file flash:/big.bin cannot be recycled. Continue? (y/n)[n]:y\n" +
		"Info: Deleting file flash:/big.bin...succeed.\n" +
		"<Huawei>dir\n" +
		"Directory of flash:/\n" +
		"\n" +
		dirHeader +
		"    0  -rw-             84  Nov 24 2026 10:30:00   ar2220E-V200R007C00SPC600.cc\n" +
		"    1  drw-              -  Nov 24 2026 10:30:00   dhcp\n" +
		"    2  drw-              -  Nov 24 2026 10:30:00   logfile\n" +
		"\n" +
		"1,090,732 KB total (1,090,731 KB free)\n" +
		"<Huawei>\n"
	if diff := cmp.Diff(golden, runTranscript(t, d, vtyAdmin, golden)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
