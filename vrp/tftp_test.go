package vrp

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/tftpc/tftptest"
)

// newTFTPDevice is a device whose TFTP server address 127.0.0.1 (port 69)
// reaches srv: Options.Remote maps the port, as a lab does.
func newTFTPDevice(t *testing.T, srv netip.AddrPort, fs flash.FS) *Device {
	t.Helper()
	d, err := New(Options{Flash: fs, Now: func() time.Time { return testClock }, AAA: aaa.Options{KDF: cheapKDF},
		TFTPTimeout: 200 * time.Millisecond,
		Remote: func(network string, dst netip.AddrPort) netip.AddrPort {
			if network == "udp" && dst == netip.MustParseAddrPort("127.0.0.1:69") {
				return srv
			}
			return netip.AddrPort{}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestTFTPTranscript: the AR's dialogue of tftp put and get against Debian's
// tftpd-hpa (testdata/tftp/transcript.txt), and the bytes on both sides.
func TestTFTPTranscript(t *testing.T) {
	srv := tftptest.Start(t)
	fs := flash.NewMemory(flash.Options{Clock: func() time.Time { return testClock }})
	d := newTFTPDevice(t, srv.Addr, fs)
	data := randomData(2263, 5)
	writeFlash(t, fs, "flash:/statemach.efs", data)
	// a file on the server only, and one that does not fit on the flash
	os.WriteFile(filepath.Join(srv.Dir, "remote.cfg"), []byte("sysname R9\n"), 0o644)
	golden, err := os.ReadFile("testdata/tftp/transcript.txt")
	if err != nil {
		t.Fatal(err)
	}
	info := SessionInfo{Line: LineVTY, User: "admin", Remote: testAddr, Protocol: "SSH", Interactive: true}
	got := runTranscript(t, d, info, string(golden))
	if diff := cmp.Diff(string(golden), got); diff != "" {
		if os.Getenv("UPDATE_GOLDEN") != "" {
			os.WriteFile("testdata/tftp/transcript.txt", []byte(got), 0o644)
		}
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
	onServer, _ := os.ReadFile(filepath.Join(srv.Dir, "statemach.efs"))
	if sha(onServer) != sha(data) {
		t.Errorf("server copy: sha256 %s, want %s", sha(onServer), sha(data))
	}
	if got := readAll(t, fs, "flash:/123.efs"); sha(got) != sha(data) {
		t.Errorf("flash:/123.efs: sha256 %s, want %s", sha(got), sha(data))
	}
	// ../../x.cfg stays inside the flash: flash:/x.cfg
	for _, p := range []string{"flash:/remote.cfg", "flash:/x.cfg"} {
		if got := readAll(t, fs, p); string(got) != "sysname R9\n" {
			t.Errorf("%s: %q", p, got)
		}
	}
}

// TestTFTPRoundTrip: a 3 MB file goes to tftpd-hpa and back unchanged;
// a file larger than the flash's free space is refused before any block is
// written, and the flash is as it was.
func TestTFTPRoundTrip(t *testing.T) {
	srv := tftptest.Start(t)
	fs := flash.NewMemory(flash.Options{Clock: func() time.Time { return testClock }, Capacity: 8 << 20})
	d := newTFTPDevice(t, srv.Addr, fs)
	c := openConsole(t, d)
	data := randomData(3<<20+17, 6)
	writeFlash(t, fs, "flash:/big.bin", data)
	c.do("tftp 127.0.0.1 put big.bin up.bin")
	onServer, _ := os.ReadFile(filepath.Join(srv.Dir, "up.bin"))
	if sha(onServer) != sha(data) {
		t.Fatalf("server copy: sha256 %s, want %s", sha(onServer), sha(data))
	}
	c.do("tftp 127.0.0.1 get up.bin back.bin")
	if got := readAll(t, fs, "flash:/back.bin"); sha(got) != sha(data) {
		t.Fatalf("flash:/back.bin: sha256 %s, want %s", sha(got), sha(data))
	}
	os.WriteFile(filepath.Join(srv.Dir, "huge.bin"), make([]byte, 6<<20), 0o644)
	_, before := fs.Usage()
	out := c.do("tftp 127.0.0.1 get huge.bin")
	want := "Info: Transfer file in binary mode.\nDownloading the file from the remote TFTP server. Please wait...\n" +
		"Error: Failed to save the file because the storage space is insufficient.\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("get of a file larger than the free space (-want +got):\n%s", diff)
	}
	if _, after := fs.Usage(); after != before {
		t.Errorf("free space %d after the refused get, want %d", after, before)
	}
	if _, err := fs.Stat("flash:/huge.bin"); err == nil {
		t.Errorf("flash:/huge.bin exists after the refused get")
	}
}
