package vrp

import (
	"bytes"
	"io"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
)

func newDeviceAt(t *testing.T, addr string) *Device {
	t.Helper()
	d, err := New(Options{
		Flash: flash.NewMemory(flash.Options{Clock: func() time.Time { return testClock }}), Address: netip.MustParseAddr(addr),
		Now: func() time.Time { return testClock }, AAA: aaa.Options{KDF: cheapKDF}, FTPFailureDelay: -1,
		Listen: func(network, a string) (net.Listener, error) {
			host, _, _ := net.SplitHostPort(a)
			return net.Listen(network, net.JoinHostPort(host, "0"))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

var (
	rateRe = regexp.MustCompile(`in \d+\.\d{3} second\(s\) [0-9.]+K?byte\(s\)/sec\.`)
	portRe = regexp.MustCompile(`(PORT|Entering Passive Mode \()\d+,\d+,\d+,\d+,\d+,\d+`)
)

// TestFTPClientDeviceToDevice: device B backs up its configuration to device
// A's FTP server and fetches it back, in active and passive mode. verbose is
// on from the start (the replies are shown) and typing it adds no lines;
// undo verbose hides the replies.
func TestFTPClientDeviceToDevice(t *testing.T) {
	a := newDeviceAt(t, "127.0.1.1")
	run(t, a, "system-view", "ftp server enable", "aaa", "local-user huawei password cipher huawei123",
		"local-user huawei service-type ftp", "local-user huawei privilege level 15", "local-user huawei ftp-directory flash:")
	b := newDeviceAt(t, "127.0.1.2")
	run(t, b, "save")
	port := strconv.Itoa(a.FTPAddr().(*net.TCPAddr).Port)

	term := &scriptTerminal{answers: []string{"huawei", "huawei123"}}
	s, err := b.OpenSession(SessionInfo{Line: LineConsole}, term)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	script := []string{"ftp 127.0.1.1 " + port, "binary", "put vrpcfg.zip r2-backup.zip", "dir", "get r2-backup.zip copy.zip",
		"verbose", "passive", "ascii", "get r2-backup.zip", "undo verbose", "pwd", "verbose", "pwd", "bye"}
	for _, l := range script {
		term.out.WriteString(s.Prompt() + l + "\n")
		s.Execute(l)
	}
	term.out.WriteString(s.Prompt() + "\n")
	got := rateRe.ReplaceAllString(term.out.String(), "in S second(s) R/sec.")
	got = portRe.ReplaceAllString(got, "${1}h1,h2,h3,h4,p1,p2")
	// an ASCII copy of a zip file changes size with its line ends
	got = regexp.MustCompile(`(ASCII mode data connection for r2-backup.zip.\n226 Transfer complete.\nFTP: )\d+`).ReplaceAllString(got, "${1}N")
	size := func(path string) string {
		fi, err := b.fs.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(fi.Size, 10)
	}
	n := size("flash:/vrpcfg.zip")
	want := "<Huawei>ftp 127.0.1.1 " + port + "\n" +
		"Trying 127.0.1.1 ...\nPress CTRL+K to abort\nConnected to 127.0.1.1.\n220 FTP service ready.\n" +
		"User(127.0.1.1:(none)):huawei\n331 Password required for huawei.\nEnter password:\n230 User logged in.\n\n" +
		"[Huawei-ftp]binary\n200 Type set to I.\n" +
		"[Huawei-ftp]put vrpcfg.zip r2-backup.zip\n200 Port command okay.\n150 Opening BINARY mode data connection for r2-backup.zip.\n226 Transfer complete.\n" +
		"FTP: " + n + " byte(s) sent in S second(s) R/sec.\n" +
		"[Huawei-ftp]dir\n200 Port command okay.\n150 Opening ASCII mode data connection for *.\n" +
		"drwxrwxrwx   1 noone    nogroup         0 Nov 24 10:30 ..\n" +
		"-rwxrwxrwx   1 noone    nogroup        84 Nov 24 10:30 ar2220E-V200R007C00SPC600.cc\n" +
		"drwxrwxrwx   1 noone    nogroup         0 Nov 24 10:30 dhcp\n" +
		"drwxrwxrwx   1 noone    nogroup         0 Nov 24 10:30 logfile\n" +
		"-rwxrwxrwx   1 noone    nogroup " + strings.Repeat(" ", 9-len(n)) + n + " Nov 24 10:30 r2-backup.zip\n" +
		"drwxrwxrwx   1 noone    nogroup         0 Nov 24 10:30 .\n" +
		"226 Transfer complete.\nFTP: 397 byte(s) received in S second(s) R/sec.\n" +
		"[Huawei-ftp]get r2-backup.zip copy.zip\n200 Port command okay.\n150 Opening BINARY mode data connection for r2-backup.zip.\n226 Transfer complete.\n" +
		"FTP: " + n + " byte(s) received in S second(s) R/sec.\n" +
		"[Huawei-ftp]verbose\nInfo: Succeeded in switching verbose on.\n" +
		"[Huawei-ftp]passive\nInfo: Succeeded in switching passive on.\n" +
		"[Huawei-ftp]ascii\n200 Type set to A.\n" +
		"[Huawei-ftp]get r2-backup.zip\n227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).\n" +
		"150 Opening ASCII mode data connection for r2-backup.zip.\n226 Transfer complete.\n" +
		"FTP: N byte(s) received in S second(s) R/sec.\n" +
		"[Huawei-ftp]undo verbose\nInfo: Succeeded in switching verbose off.\n" +
		"[Huawei-ftp]pwd\n" +
		"[Huawei-ftp]verbose\nInfo: Succeeded in switching verbose on.\n" +
		"[Huawei-ftp]pwd\n257 \"/\" is current directory.\n"
	if !strings.HasPrefix(got, want) {
		t.Errorf("dialogue (-want +got):\n%s", cmp.Diff(want, got))
	}
	if !strings.HasSuffix(got, "[Huawei-ftp]bye\n221 Server closing.\n<Huawei>\n") {
		t.Errorf("bye: %q", got[max(0, len(got)-200):])
	}
	// the copies are byte-identical (binary); the PORT data connection came
	// from device B's address, which device A's log shows
	orig, copy1 := readAll(t, b.fs, "flash:/vrpcfg.zip"), readAll(t, b.fs, "flash:/copy.zip")
	if !bytes.Equal(orig, copy1) || !bytes.Equal(orig, readAll(t, a.fs, "flash:/r2-backup.zip")) {
		t.Error("binary transfer changed the bytes")
	}
	if log := strings.Join(a.Log(), "\n"); !strings.Contains(log, "IpAddress=127.0.1.2") {
		t.Errorf("server log does not show the client device's address:\n%s", log)
	}
}

func readAll(t *testing.T, fs flash.FS, p string) []byte {
	t.Helper()
	f, err := fs.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// interruptTerminal reports an interrupt (Ctrl+C) once armed.
type interruptTerminal struct {
	scriptTerminal
	intr chan struct{}
}

func (t *interruptTerminal) Interrupt() <-chan struct{} { return t.intr }

// TestFTPClientInterrupt: Ctrl+C while the client waits for a silent server
// aborts the attempt and the session goes on.
func TestFTPClientInterrupt(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // never greets
		}
	}()
	d := newTestDevice(t, nil)
	term := &interruptTerminal{intr: make(chan struct{}, 1)}
	s, err := d.OpenSession(SessionInfo{Line: LineConsole}, term)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	time.AfterFunc(200*time.Millisecond, func() { term.intr <- struct{}{} })
	start := time.Now()
	s.Execute("ftp 127.0.0.1 " + strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	if time.Since(start) > 10*time.Second {
		t.Fatal("the interrupt did not abort the connection attempt")
	}
	got := term.out.String()
	want := "Trying 127.0.0.1 ...\nPress CTRL+K to abort\nConnected to 127.0.0.1.\nInfo: The connection was aborted.\n"
	if got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if s.Prompt() != "<Huawei>" {
		t.Errorf("prompt %q after the abort", s.Prompt())
	}
}
