package lab

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/flash"
)

func readFlash(t *testing.T, fs flash.FS, p string) []byte {
	t.Helper()
	f, err := fs.Open(p)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFTPDeviceToDevicePort21: "ftp 127.88.1.2" on R1, with no port, as the
// lab guide writes it, reaches R2's FTP server wherever the lab made it
// listen; the file fetched is R2's.
func TestFTPDeviceToDevicePort21(t *testing.T) {
	l, _ := startLab(t, twoDevices)
	r1, r2 := status(t, l, "R1"), status(t, l, "R2")
	if r2.FTP.Port() == DefaultFTPPort {
		t.Fatalf("R2's FTP server listens on port 21: the test needs another port")
	}
	execute(t, r2.SSH, "system-view", "sysname Remote")
	executeInput(t, r2.SSH, "y\n", "save r2.cfg")
	got := executeInput(t, r1.SSH, adminUser+"\n"+adminPassword+"\n", "ftp 127.88.1.2", "binary", "get r2.cfg", "bye")
	got = regexp.MustCompile(`in \d+\.\d{3} second\(s\) [0-9.]+K?byte\(s\)/sec\.`).ReplaceAllString(got, "in S second(s) R/sec.")
	want := []string{
		"Trying 127.88.1.2 ...",
		"Press CTRL+K to abort",
		"Connected to 127.88.1.2.",
		"220 FTP service ready.",
		"User(127.88.1.2:(none)):",
		"331 Password required for admin.",
		"Enter password:",
		"230 User logged in.",
	}
	lines := strings.Split(got, "\n")
	if len(lines) < len(want) {
		t.Fatalf("ftp 127.88.1.2 on R1:\n%s", got)
	}
	if diff := cmp.Diff(want, lines[:len(want)]); diff != "" {
		t.Errorf("ftp 127.88.1.2 on R1 (-want +got):\n%s\nwhole output:\n%s", diff, got)
	}
	if !strings.Contains(got, "226 ") || !strings.Contains(got, "received in S second(s) R/sec.") {
		t.Errorf("get r2.cfg on R1:\n%s", got)
	}
	a := readFlash(t, l.Device("R2").Flash(), "flash:/r2.cfg")
	b := readFlash(t, l.Device("R1").Flash(), "flash:/r2.cfg")
	if !bytes.Equal(a, b) || !bytes.Contains(b, []byte("sysname Remote")) {
		t.Errorf("R1's copy of R2's r2.cfg differs (%d and %d bytes)", len(a), len(b))
	}
	// an address that is no lab device's is not mapped: nothing listens
	c, _, err := dial(r1.SSH, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, _ := s.CombinedOutput("ftp 127.88.1.9")
	if want := "Trying 127.88.1.9 ...\nPress CTRL+K to abort\nError: Failed to connect to the remote host.\n"; string(out) != want {
		t.Errorf("ftp 127.88.1.9 on R1: %q, want %q", out, want)
	}
}

// TestPingLabDevices: ping on R1 answers from R2's address while R2 runs and
// times out once it is stopped; an address of no device times out.
func TestPingLabDevices(t *testing.T) {
	l, _ := startLab(t, twoDevices)
	r1 := status(t, l, "R1")
	ping := func(host string) string {
		t.Helper()
		c, _, err := dial(r1.SSH, adminPassword)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		out, _ := s.CombinedOutput("ping -c 1 " + host)
		return string(out)
	}
	up := "  PING 127.88.1.2: 56  data bytes, press CTRL_C to break\n" +
		"    Reply from 127.88.1.2: bytes=56 Sequence=1 ttl=255 time=1 ms\n" +
		"\n  --- 127.88.1.2 ping statistics ---\n    1 packet(s) transmitted\n    1 packet(s) received\n" +
		"    0.00% packet loss\n    round-trip min/avg/max = 1/1/1 ms\n\n"
	down := func(host string) string {
		return "  PING " + host + ": 56  data bytes, press CTRL_C to break\n    Request time out\n" +
			"\n  --- " + host + " ping statistics ---\n    1 packet(s) transmitted\n    0 packet(s) received\n" +
			"    100.00% packet loss\n\n"
	}
	if diff := cmp.Diff(up, ping("127.88.1.2")); diff != "" {
		t.Errorf("ping R2 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(down("127.88.1.9"), ping("127.88.1.9")); diff != "" {
		t.Errorf("ping of no device (-want +got):\n%s", diff)
	}
	if err := l.StopDevice(t.Context(), "R2"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(down("127.88.1.2"), ping("127.88.1.2")); diff != "" {
		t.Errorf("ping of stopped R2 (-want +got):\n%s", diff)
	}
}
