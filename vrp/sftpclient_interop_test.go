package vrp

// The device's SFTP and SCP clients against Debian's OpenSSH server, started
// by package sshtest on a loopback port with a configuration of its own.

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/sshtest"
)

var sftpDateRe = regexp.MustCompile(`[A-Z][a-z]{2} \d{2} \d{4}`)

// sftpTranscript runs lines in a console session, each with its answers,
// and returns the whole exchange with the server's directory, user ids and
// file dates replaced by DIR, UID, GID and DATE.
func sftpTranscript(t *testing.T, d *Device, srv *sshtest.Server, steps [][]string) string {
	t.Helper()
	c := openConsole(t, d)
	var b strings.Builder
	for _, st := range steps {
		b.WriteString(c.s.Prompt() + st[0] + "\n")
		b.WriteString(c.do(st[0], st[1:]...))
	}
	b.WriteString(c.s.Prompt() + "\n")
	return normalizeSFTP(b.String(), srv)
}

func normalizeSFTP(s string, srv *sshtest.Server) string {
	s = strings.ReplaceAll(s, srv.Dir, "/DIR")
	s = regexp.MustCompile(`\b`+strconv.Itoa(srv.Port)+`\b`).ReplaceAllString(s, "PORT")
	s = sftpDateRe.ReplaceAllString(s, "DATE")
	s = regexp.MustCompile(`(?m)^([-d][-rwx]{9} +1) (`+strconv.Itoa(srv.UID)+`) +(`+strconv.Itoa(srv.GID)+`) `).
		ReplaceAllString(s, "$1 UID      GID     ")
	return s
}

// checkGolden compares got with testdata/sftp-transcripts/name (-update
// rewrites it).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "sftp-transcripts", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// TestSFTPClientOpenSSH: a whole sftp-client session against OpenSSH's
// sshd, from the first-time host-key questions to quit, as a golden
// transcript; the files cross byte for byte.
func TestSFTPClientOpenSSH(t *testing.T) {
	srv := sshtest.Start(t, "127.0.0.1")
	d := newDeviceAt(t, "127.0.0.1")
	data := randomData(300_000, 15)
	writeFlash(t, d.fs, "flash:/data.bin", data)
	text := textData(200, 16)
	if err := os.WriteFile(filepath.Join(srv.Dir, "notes.txt"), text, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chown(filepath.Join(srv.Dir, "notes.txt"), srv.UID, srv.GID)
	port := strconv.Itoa(srv.Port)
	got := sftpTranscript(t, d, srv, [][]string{
		{"system-view"},
		{"sftp 127.0.0.1 " + port, srv.User},
		{"ssh client first-time enable"},
		{"sftp 127.0.0.1 " + port, srv.User, "n"},
		{"sftp 127.0.0.1 " + port, srv.User, "y", "y", srv.Password},
		{"pwd"},
		{"dir"},
		{"put data.bin"},
		{"get notes.txt"},
		{"mkdir backup"},
		{"rename data.bin backup/r2.bin", "y"},
		{"cd backup"},
		{"pwd"},
		{"ls"},
		{"get r2.bin copy.bin"},
		{"cdup"},
		{"get missing.txt"},
		{"remove backup/r2.bin", "y"},
		{"rmdir backup", "y"},
		{"dir -l"},
		{"help"},
		{"quit"},
		{"display ssh server-info"},
		{"sftp 127.0.0.1 " + port, srv.User, srv.Password},
		{"bye"},
		{"sftp 127.0.0.1 " + port, srv.User, "wrong-password"},
	})
	checkGolden(t, "openssh-session.txt", got)
	if sha(readAll(t, d.fs, "flash:/copy.bin")) != sha(data) {
		t.Error("the round trip put, get changed the bytes")
	}
	if sha(readAll(t, d.fs, "flash:/notes.txt")) != sha(text) {
		t.Error("get changed the bytes of a text file")
	}
	if _, err := os.Stat(filepath.Join(srv.Dir, "backup")); !os.IsNotExist(err) {
		t.Errorf("rmdir left the directory: %v", err)
	}
}

// TestSFTPClientConfinedAndFull: local names stay inside flash whatever
// they say, and a download that does not fit leaves nothing behind and
// says so.
func TestSFTPClientConfinedAndFull(t *testing.T) {
	srv := sshtest.Start(t, "127.0.0.1")
	big := randomData(200_000, 17)
	if err := os.WriteFile(filepath.Join(srv.Dir, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	disk := filepath.Join(root, "flash")
	if err := os.Mkdir(disk, 0o755); err != nil {
		t.Fatal(err)
	}
	fs, err := flash.NewDisk(disk, flash.Options{Clock: func() time.Time { return testClock }, Capacity: 150_000})
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Options{Flash: fs, Address: netip.MustParseAddr("127.0.0.1"), Now: func() time.Time { return testClock }, AAA: aaa.Options{KDF: cheapKDF}, FTPFailureDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	port := strconv.Itoa(srv.Port)
	c := openConsole(t, d)
	c.do("system-view")
	c.do("ssh client first-time enable")
	c.do("sftp 127.0.0.1 "+port, srv.User, "y", "n", srv.Password)
	if c.s.Prompt() != "sftp-client>" {
		t.Fatalf("not in the SFTP client view: %q", c.term.out.String())
	}
	got := normalizeSFTP(c.do("get /etc/hostname ../../../escape.txt"), srv)
	want := "Remote file: /etc/hostname --->  Local file: flash:/escape.txt\nDownloading file successfully ended.\n"
	if got != want {
		t.Errorf("get into ../../..: %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(root, "escape.txt")); !os.IsNotExist(err) {
		t.Errorf("a file was written outside flash: %v", err)
	}
	if _, err := os.Stat(filepath.Join(disk, "escape.txt")); err != nil {
		t.Errorf("the file is not in flash: %v", err)
	}
	got = c.do("get big.bin")
	want = "Remote file: /DIR/big.bin --->  Local file: flash:/big.bin\n" + msgSFTPNoSpace + "\n"
	if got = normalizeSFTP(got, srv); got != want {
		t.Errorf("get into a full flash: %q, want %q", got, want)
	}
	entries, _ := os.ReadDir(disk)
	for _, e := range entries {
		if strings.Contains(e.Name(), "big") || strings.HasPrefix(e.Name(), ".") && !e.IsDir() {
			t.Errorf("a partial file was left in flash: %s", e.Name())
		}
	}
	if _, err := fs.Stat("flash:/big.bin"); err == nil {
		t.Error("flash:/big.bin exists after a download that did not fit")
	}
}

// TestSCPClientOpenSSH: scp from flash to user@host:path and back, with
// the host-key and password dialogue, byte for byte.
func TestSCPClientOpenSSH(t *testing.T) {
	srv := sshtest.Start(t, "127.0.0.1")
	d := newDeviceAt(t, "127.0.0.1")
	data := randomData(1_000_000, 18)
	writeFlash(t, d.fs, "flash:/vrpcfg.zip", data)
	port := strconv.Itoa(srv.Port)
	remote := srv.User + "@127.0.0.1:"
	got := sftpTranscript(t, d, srv, [][]string{
		{"scp -port " + port + " vrpcfg.zip " + remote + "r1.zip"},
		{"system-view"},
		{"ssh client first-time enable"},
		{"return"},
		{"scp -port " + port + " vrpcfg.zip " + remote + "r1.zip", "y", "y", srv.Password},
		{"scp -port " + port + " " + remote + "r1.zip back.zip", srv.Password},
		{"scp -port " + port + " " + remote + "r1.zip flash:/logfile", srv.Password},
		{"scp -port " + port + " " + remote + "r1.zip " + remote + "x.zip"},
		{"scp -a 127.0.0.9 -port " + port + " vrpcfg.zip " + remote + "r1.zip"},
	})
	checkGolden(t, "openssh-scp.txt", got)
	onServer, err := os.ReadFile(filepath.Join(srv.Dir, "r1.zip"))
	if err != nil || !bytes.Equal(onServer, data) {
		t.Errorf("the server's copy differs (%v)", err)
	}
	if sha(readAll(t, d.fs, "flash:/back.zip")) != sha(data) || sha(readAll(t, d.fs, "flash:/logfile/r1.zip")) != sha(data) {
		t.Error("the copy fetched back differs")
	}
}

// TestSFTPClientHostKeyChanged: a server whose key differs from the one
// saved under its name is refused without first-time, and with it the
// device says so and asks before replacing the saved key.
func TestSFTPClientHostKeyChanged(t *testing.T) {
	first := sshtest.Start(t, "127.0.0.1")
	second := sshtest.Start(t, "127.0.0.1")
	d := newDeviceAt(t, "127.0.0.1")
	c := openConsole(t, d)
	c.do("system-view")
	c.do("ssh client first-time enable")
	c.do("sftp 127.0.0.1 "+strconv.Itoa(first.Port), first.User, "y", "y", first.Password)
	c.do("quit")
	port := strconv.Itoa(second.Port)
	got := sftpTranscript(t, d, second, [][]string{
		{"system-view"},
		{"undo ssh client first-time enable"},
		{"sftp 127.0.0.1 " + port, second.User},
		{"ssh client first-time enable"},
		{"sftp 127.0.0.1 " + port, second.User, "y", "n", second.Password},
		{"quit"},
		{"sftp 127.0.0.1 " + port, second.User, "y", "y", second.Password},
		{"quit"},
		{"sftp 127.0.0.1 " + port, second.User, second.Password},
		{"quit"},
	})
	checkGolden(t, "openssh-key-changed.txt", got)
}

// BenchmarkSFTPClient measures the device's get and put of a 16 MiB file
// against OpenSSH's sshd on loopback (memory flash on the device's side).
func BenchmarkSFTPClient(b *testing.B) {
	srv := sshtest.Start(b, "127.0.0.1")
	d, err := New(Options{Flash: flash.NewMemory(flash.Options{Clock: func() time.Time { return testClock }}), Address: netip.MustParseAddr("127.0.0.1"),
		Now: func() time.Time { return testClock }, AAA: aaa.Options{KDF: cheapKDF}, FTPFailureDelay: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	const size = 16 << 20
	data := randomData(size, 19)
	if err := os.WriteFile(filepath.Join(srv.Dir, "big.bin"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	writeFlash(b, d.fs, "flash:/up.bin", data)
	c := openConsole(b, d)
	c.do("system-view")
	c.do("ssh client first-time enable")
	c.do("sftp 127.0.0.1 "+strconv.Itoa(srv.Port), srv.User, "y", "n", srv.Password)
	for _, op := range []struct{ name, line string }{{"get", "get big.bin"}, {"put", "put up.bin"}} {
		b.Run(op.name, func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				var answers []string
				if _, err := d.fs.Stat("flash:/big.bin"); err == nil && op.name == "get" {
					answers = []string{"y"} // overwrite
				}
				out := c.do(op.line, answers...)
				if !strings.Contains(out, "successfully ended") {
					b.Fatalf("%s: %s", op.line, out)
				}
			}
		})
	}
}

// TestSFTPClientPreferredAlgorithms: prefer_kex, prefer_ctos_cipher and
// prefer_ctos_hmac decide what sshd negotiates (sshd's debug log says).
func TestSFTPClientPreferredAlgorithms(t *testing.T) {
	for _, tc := range []struct {
		options string
		want    []string
	}{
		{"", []string{"kex: algorithm: curve25519-sha256", "kex: client->server cipher: aes128-gcm@openssh.com"}},
		{"prefer_kex dh_exchange_group prefer_ctos_cipher aes256_ctr prefer_ctos_hmac sha1 -ki 10 -kc 3",
			[]string{"kex: algorithm: diffie-hellman-group-exchange-sha256", "kex: client->server cipher: aes256-ctr MAC: hmac-sha1 "}},
	} {
		srv := sshtest.Start(t, "127.0.0.1")
		d := newDeviceAt(t, "127.0.0.1")
		c := openConsole(t, d)
		c.do("system-view")
		c.do("ssh client first-time enable")
		line := strings.TrimSpace("sftp 127.0.0.1 " + strconv.Itoa(srv.Port) + " " + tc.options)
		if out := c.do(line, srv.User, "y", "n", srv.Password); !strings.HasSuffix(out, "Enter password:\n") {
			t.Fatalf("%s: %q", line, out)
		}
		c.do("quit")
		for _, w := range tc.want {
			if !strings.Contains(srv.Log(), w) {
				t.Errorf("%s: sshd's log lacks %q", line, w)
			}
		}
	}
}

// TestSFTPClientInterruptTransfer: Ctrl+C during a get closes the
// connection; the flash file is either the whole file (the transfer ended
// first) or absent, never a part, and the view reports what happened.
func TestSFTPClientInterruptTransfer(t *testing.T) {
	srv := sshtest.Start(t, "127.0.0.1")
	big := randomData(32<<20, 20)
	if err := os.WriteFile(filepath.Join(srv.Dir, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	d := newDeviceAt(t, "127.0.0.1")
	term := &interruptTerminal{intr: make(chan struct{}, 1)}
	term.answers = []string{srv.User, "y", "n", srv.Password}
	s, err := d.OpenSession(SessionInfo{Line: LineConsole}, term)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, l := range []string{"system-view", "ssh client first-time enable", "sftp 127.0.0.1 " + strconv.Itoa(srv.Port)} {
		s.Execute(l)
	}
	if s.Prompt() != "sftp-client>" {
		t.Fatalf("not in the SFTP client view:\n%s", term.out.String())
	}
	term.out.Reset()
	term.intr <- struct{}{} // Ctrl+C, read as soon as the get starts
	s.Execute("get big.bin")
	got := term.out.String()
	t.Logf("get: %q", got)
	head := "Remote file: " + srv.Dir + "/big.bin --->  Local file: flash:/big.bin\n"
	switch got {
	case head + "Info: The operation was aborted.\n":
		if _, err := d.fs.Stat("flash:/big.bin"); err == nil {
			t.Error("an aborted get left flash:/big.bin")
		}
		term.out.Reset()
		s.Execute("pwd")
		s.Execute("dir")
		if want := srv.Dir + "\nError: The connection to the remote server was lost.\n"; term.out.String() != want {
			t.Errorf("after the abort: %q, want %q", term.out.String(), want)
		}
	case head + "Downloading file successfully ended.\n":
		if sha(readAll(t, d.fs, "flash:/big.bin")) != sha(big) {
			t.Error("a get that ended differs from the file")
		}
	default:
		t.Errorf("get interrupted: %q", got)
	}
	s.Execute("quit")
	if s.Prompt() != "[Huawei]" {
		t.Errorf("prompt %q after quit", s.Prompt())
	}
}
