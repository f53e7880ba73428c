package vrp

// The device's FTP client view against real FTP servers, each started by the
// test on a loopback port with a configuration of its own:
//
//   - pyftpdlib (Debian python3-pyftpdlib, run by /usr/bin/python3), with a
//     virtual user whose home is a temporary directory;
//   - vsftpd, pure-ftpd and proftpd, unpacked by scripts/ftp-peers.sh into
//     $VRPSIM_PEERS_DIR (default /var/cache/vrpsim-peers). They run as root
//     and authenticate the local user "vrpsimftp" the script creates; the
//     device moves to a temporary directory owned by that user with an
//     absolute "cd" after login.
//
// A missing program or user skips the server, or fails it when CI=true.
// Package ftpc/ftptest starts them.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/ftpc/ftptest"
)

// randomData returns n reproducible pseudo-random bytes.
func randomData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// textData returns a text of n lines of varying length, with LF line ends.
func textData(lines int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	var b bytes.Buffer
	for i := 0; i < lines; i++ {
		fmt.Fprintf(&b, "line %d:%s\n", i, strings.Repeat("x", r.IntN(120)))
	}
	return b.Bytes()
}

func sha(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

// consoleSession is a console session whose output is read command by command.
type consoleSession struct {
	t    testing.TB
	s    *Session
	term *scriptTerminal
}

func openConsole(t testing.TB, d *Device) *consoleSession {
	t.Helper()
	term := &scriptTerminal{}
	s, err := d.OpenSession(SessionInfo{Line: LineConsole}, term)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &consoleSession{t: t, s: s, term: term}
}

// do runs one CLI line, answering its questions with answers, and returns
// what the session showed meanwhile.
func (c *consoleSession) do(line string, answers ...string) string {
	c.term.answers = append(c.term.answers, answers...)
	n := c.term.out.Len()
	c.s.Execute(line)
	if len(c.term.answers) != 0 {
		c.t.Errorf("%s: answers left unread: %q", line, c.term.answers)
		c.term.answers = nil
	}
	return c.term.out.String()[n:]
}

var (
	replyLineRe = regexp.MustCompile(`^(\d{3})([ -])`)
	summaryRe   = regexp.MustCompile(`^FTP: \d+ byte\(s\) (sent|received) in \d+\.\d{3} second\(s\) \.?[0-9.]+K?byte\(s\)/sec\.$`)
)

// dialogue reduces what a command showed to what the tests compare: a server
// reply becomes its code (one entry for a multi-line reply; 125 and 150, which
// servers choose between, become "1xx"), the time and rate of the summary
// line become S and R, other lines stay as they are.
func dialogue(out string) []string {
	var lines []string
	inReply := ""
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if inReply != "" {
			if strings.HasPrefix(l, inReply+" ") {
				inReply = ""
			}
			continue
		}
		if m := replyLineRe.FindStringSubmatch(l); m != nil {
			code := m[1]
			if m[2] == "-" {
				inReply = code
			}
			if code == "125" || code == "150" {
				code = "1xx"
			}
			lines = append(lines, code)
			continue
		}
		if summaryRe.MatchString(l) {
			l = rateRe.ReplaceAllString(l, "in S second(s) R/sec.")
		}
		lines = append(lines, l)
	}
	return lines
}

// summary is the line the device prints after a transfer of n bytes, as
// dialogue shows it.
func summary(n int, sent bool) string {
	dir := "received"
	if sent {
		dir = "sent"
	}
	return fmt.Sprintf("FTP: %d byte(s) %s in S second(s) R/sec.", n, dir)
}

func checkDialogue(t *testing.T, line, out string, want []string) {
	t.Helper()
	if diff := cmp.Diff(want, dialogue(out)); diff != "" {
		t.Errorf("%s (-want +got):\n%s\nshown:\n%s", line, diff, out)
	}
}

func writeFlash(t testing.TB, fs flash.FS, name string, data []byte) {
	t.Helper()
	w, err := fs.Create(name, 0)
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

// loginPeer runs "ftp 127.0.0.1 PORT" with the peer's user and password and
// checks the dialogue; then it moves to the work directory.
func loginPeer(t *testing.T, p *ftptest.Peer, c *consoleSession) {
	t.Helper()
	line := fmt.Sprintf("ftp 127.0.0.1 %d", p.Port())
	out := c.do(line, p.User, p.Password)
	checkDialogue(t, line, out, []string{"Trying 127.0.0.1 ...", "Press CTRL+K to abort", "Connected to 127.0.0.1.", "220",
		"User(127.0.0.1:(none)):" + p.User, "331", "Enter password:", "230", ""})
	if !strings.Contains(out, p.Banner) {
		t.Errorf("the server's banner %q is not shown:\n%s", p.Banner, out)
	}
	if got, want := c.s.Prompt(), "["+c.s.dev.Sysname()+"-ftp]"; got != want {
		t.Fatalf("prompt after login = %q", got)
	}
	if p.RemoteDir != "" {
		line := "cd " + p.RemoteDir
		checkDialogue(t, line, c.do(line), []string{"250"})
	}
}

// TestFTPClientInterop drives the device's FTP client view against each real
// server: login, directories, binary transfers of a multi-MiB random file in
// active and passive mode (byte-identical, SHA-256), ASCII conversion both
// ways, listings, delete, rename, rmdir, cdup, pwd and bye.
func TestFTPClientInterop(t *testing.T) {
	const bigSize = 3<<20 + 12345
	big := randomData(bigSize, 1)
	text := textData(20000, 2)
	textLines := bytes.Count(text, []byte("\n"))
	textWire := len(text) + textLines // every LF crosses as CRLF
	for _, name := range ftptest.Peers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := ftptest.Start(t, name, "127.0.0.1")
			d := newDeviceAt(t, "127.0.1.2")
			writeFlash(t, d.fs, "flash:/big.bin", big)
			writeFlash(t, d.fs, "flash:/text.txt", text)
			c := openConsole(t, d)
			loginPeer(t, p, c)
			work := filepath.Join(p.Dir, "vrptest")

			steps := []struct {
				line    string
				answers []string
				want    []string
			}{
				{line: "mkdir vrptest", want: []string{"257"}},
				{line: "cd vrptest", want: []string{"250"}},
				{line: "binary", want: []string{"200"}},
				// active mode (the default): PORT
				{line: "put big.bin", want: []string{"200", "1xx", "226", summary(bigSize, true)}},
				{line: "get big.bin big-active.bin", want: []string{"200", "1xx", "226", summary(bigSize, false)}},
				{line: "passive", want: []string{"Info: Succeeded in switching passive on."}},
				{line: "put big.bin big-passive.bin", want: []string{"227", "1xx", "226", summary(bigSize, true)}},
				{line: "get big-passive.bin big-passive.bin", want: []string{"227", "1xx", "226", summary(bigSize, false)}},
				{line: "ascii", want: []string{"200"}},
				{line: "put text.txt", want: []string{"227", "1xx", "226", summary(textWire, true)}},
				{line: "undo passive", want: []string{"Info: Succeeded in switching passive off."}},
				{line: "get text.txt text-back.txt", want: []string{"200", "1xx", "226", summary(textWire, false)}},
			}
			for _, s := range steps {
				checkDialogue(t, s.line, c.do(s.line, s.answers...), s.want)
			}

			// binary: byte-identical on the server and back on flash
			want := sha(big)
			for _, name := range []string{"big.bin", "big-passive.bin"} {
				data, err := os.ReadFile(filepath.Join(work, name))
				if err != nil {
					t.Fatal(err)
				}
				if got := sha(data); got != want {
					t.Errorf("server's %s: SHA-256 %s, want %s (%d bytes of %d)", name, got, want, len(data), bigSize)
				}
			}
			for _, name := range []string{"flash:/big-active.bin", "flash:/big-passive.bin"} {
				if got := sha(readAll(t, d.fs, name)); got != want {
					t.Errorf("%s: SHA-256 %s, want %s", name, got, want)
				}
			}
			// ASCII: the server's line ends on its disk (all four run on
			// Linux and store LF), LF again on flash; the wire had CRLF, as
			// the byte counts above show
			if got, err := os.ReadFile(filepath.Join(work, "text.txt")); err != nil {
				t.Fatal(err)
			} else if !bytes.Equal(got, text) {
				t.Errorf("server's text.txt after an ASCII put: %d bytes, %d CR; want %d bytes with LF", len(got), bytes.Count(got, []byte("\r")), len(text))
			}
			if got := readAll(t, d.fs, "flash:/text-back.txt"); !bytes.Equal(got, text) {
				t.Errorf("text.txt back on flash after an ASCII get: %d bytes, %d CR; want %d bytes with LF", len(got), bytes.Count(got, []byte("\r")), len(text))
			}

			// listings (active mode, ASCII type)
			names := []string{"big-passive.bin", "big.bin", "text.txt"}
			out := c.do("dir")
			checkListing(t, "dir", out, names, false)
			out = c.do("ls")
			checkListing(t, "ls", out, names, true)

			out = c.do("delete text.txt", "y")
			checkDialogue(t, "delete text.txt", out, []string{"Warning: File text.txt will be deleted. Continue? (y/n)[n]:y", "250"})
			if _, err := os.Stat(filepath.Join(work, "text.txt")); !os.IsNotExist(err) {
				t.Errorf("text.txt still on the server after delete: %v", err)
			}
			for _, s := range []struct {
				line string
				want []string
			}{
				{"rename big-passive.bin renamed.bin", []string{"350", "250"}},
				{"mkdir empty", []string{"257"}},
				{"rmdir empty", []string{"250"}},
				{"cdup", []string{"250"}},
				{"pwd", []string{"257"}},
			} {
				checkDialogue(t, s.line, c.do(s.line), s.want)
			}
			if _, err := os.Stat(filepath.Join(work, "renamed.bin")); err != nil {
				t.Errorf("rename: %v", err)
			}
			if _, err := os.Stat(filepath.Join(work, "empty")); !os.IsNotExist(err) {
				t.Errorf("rmdir: the directory is still there: %v", err)
			}
			checkDialogue(t, "bye", c.do("bye"), []string{"221"})
			if got := c.s.Prompt(); got != "<Huawei>" {
				t.Errorf("prompt after bye = %q", got)
			}
			if testing.Verbose() {
				t.Logf("session:\n%s", c.term.out.String())
			}
		})
	}
}

// TestFTPClientInteropLoginRetry: a wrong password leaves the client view
// connected but not logged in (the server's 530 is shown, commands get 530),
// and "user" logs in on the same connection. The servers pause before a 530
// (pyftpdlib 3 s, pure-ftpd 5 s), so the servers run in parallel.
func TestFTPClientInteropLoginRetry(t *testing.T) {
	for _, name := range ftptest.Peers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := ftptest.Start(t, name, "127.0.0.1")
			d := newDeviceAt(t, "127.0.1.2")
			c := openConsole(t, d)
			line := fmt.Sprintf("ftp 127.0.0.1 %d", p.Port())
			checkDialogue(t, line, c.do(line, p.User, "wrong-password"), []string{"Trying 127.0.0.1 ...", "Press CTRL+K to abort",
				"Connected to 127.0.0.1.", "220", "User(127.0.0.1:(none)):" + p.User, "331", "Enter password:", "530"})
			if got := c.s.Prompt(); got != "[Huawei-ftp]" {
				t.Errorf("prompt after a failed login = %q", got)
			}
			for _, s := range []struct {
				line    string
				answers []string
				want    []string
			}{
				{"pwd", nil, []string{"530"}},
				{"user " + p.User, []string{p.Password}, []string{"331", "Enter password:", "230", ""}},
				{"pwd", nil, []string{"257"}},
				{"bye", nil, []string{"221"}},
			} {
				checkDialogue(t, s.line, c.do(s.line, s.answers...), s.want)
			}
		})
	}
}

// checkListing checks the dialogue of dir or ls in active mode: the listing
// between the 1xx and 226 replies names exactly the files given (ls) or shows
// a line for each (dir), and the summary counts the listing's bytes as they
// crossed (CRLF line ends).
func checkListing(t *testing.T, line, out string, names []string, namesOnly bool) {
	t.Helper()
	got := dialogue(out)
	if len(got) < 4 || !slices.Equal(got[:2], []string{"200", "1xx"}) || got[len(got)-2] != "226" {
		t.Errorf("%s: dialogue %q\nshown:\n%s", line, got, out)
		return
	}
	listing := got[2 : len(got)-2]
	wire := 0
	for _, l := range listing {
		wire += len(l) + 2
	}
	if want := summary(wire, false); got[len(got)-1] != want {
		t.Errorf("%s: summary %q, want %q", line, got[len(got)-1], want)
	}
	var shown []string
	for _, l := range listing {
		name := l
		if !namesOnly {
			f := strings.Fields(l)
			if len(f) < 9 {
				t.Errorf("%s: not a long listing line: %q", line, l)
				continue
			}
			name = f[len(f)-1]
		}
		if name != "." && name != ".." { // pure-ftpd lists them
			shown = append(shown, name)
		}
	}
	slices.Sort(shown)
	if diff := cmp.Diff(names, shown); diff != "" {
		t.Errorf("%s: files listed (-want +got):\n%s\nshown:\n%s", line, diff, out)
	}
}

// TestFTPClientBackupRestore is the configuration backup of docs/device-reference.md
// 7.4 against vsftpd: save, put the configuration and the log file, then
// fetch the configuration back under another name, make it the startup
// file and restart the device on the same flash.
func TestFTPClientBackupRestore(t *testing.T) {
	p := ftptest.Start(t, "vsftpd", "127.0.0.1")
	fs := flash.NewMemory(flash.Options{})
	d := newTestDevice(t, fs)
	c := openConsole(t, d)
	for _, l := range []string{"system-view", "sysname BackupR1", "return"} {
		c.do(l)
	}
	if out := c.do("save", "y"); !strings.Contains(out, "Configuration file had been saved successfully") {
		t.Fatalf("save:\n%s", out)
	}
	saved := readAll(t, fs, "flash:/vrpcfg.zip")
	loginPeer(t, p, c)
	checkDialogue(t, "binary", c.do("binary"), []string{"200"})
	checkDialogue(t, "put vrpcfg.zip", c.do("put vrpcfg.zip"), []string{"200", "1xx", "226", summary(len(saved), true)})
	out := c.do("put logfile/log.log")
	got := dialogue(out)
	m := regexp.MustCompile(`^FTP: (\d+) byte\(s\) sent in`).FindStringSubmatch(got[len(got)-1])
	if !slices.Equal(got[:3], []string{"200", "1xx", "226"}) || m == nil {
		t.Fatalf("put logfile/log.log:\n%s", out)
	}
	checkDialogue(t, "bye", c.do("bye"), []string{"221"})

	if host, err := os.ReadFile(filepath.Join(p.Dir, "vrpcfg.zip")); err != nil {
		t.Fatal(err)
	} else if !bytes.Equal(host, saved) {
		t.Errorf("vrpcfg.zip on the host differs from flash: %d bytes, flash %d", len(host), len(saved))
	}
	// log.log is byte-identical to flash as it was when it was sent: the
	// device has appended only the lines of that upload and of bye since
	hostLog, err := os.ReadFile(filepath.Join(p.Dir, "log.log"))
	if err != nil {
		t.Fatal(err)
	}
	flashLog := readAll(t, fs, "flash:/logfile/log.log")
	if strconv.Itoa(len(hostLog)) != m[1] || !bytes.HasPrefix(flashLog, hostLog) {
		t.Fatalf("log.log on the host (%d bytes; %s sent) is not the start of flash:/logfile/log.log (%d bytes)", len(hostLog), m[1], len(flashLog))
	}
	for _, l := range strings.Split(strings.TrimSuffix(string(flashLog[len(hostLog):]), "\n"), "\n") {
		if !strings.Contains(l, "FTP") {
			t.Errorf("log line written after log.log was sent: %q", l)
		}
	}
	if !bytes.Contains(hostLog, []byte("FTP_PUT")) || !bytes.Contains(hostLog, []byte("RemoteFile=vrpcfg.zip")) {
		t.Errorf("the log sent does not show the upload of vrpcfg.zip:\n%s", hostLog)
	}

	// The configuration changes and is saved again; the backup brings the
	// old one back.
	for _, l := range []string{"system-view", "sysname Changed", "return"} {
		c.do(l)
	}
	if out := c.do("save", "y"); !strings.Contains(out, "saved successfully") {
		t.Fatalf("second save:\n%s", out)
	}
	loginPeer(t, p, c)
	checkDialogue(t, "binary", c.do("binary"), []string{"200"})
	checkDialogue(t, "get vrpcfg.zip restored.zip", c.do("get vrpcfg.zip restored.zip"), []string{"200", "1xx", "226", summary(len(saved), false)})
	checkDialogue(t, "bye", c.do("bye"), []string{"221"})
	if got := readAll(t, fs, "flash:/restored.zip"); !bytes.Equal(got, saved) {
		t.Errorf("restored.zip differs from the configuration backed up")
	}
	checkDialogue(t, "startup saved-configuration restored.zip", c.do("startup saved-configuration restored.zip"),
		[]string{"Info: Succeeded in setting the configuration for booting system."})
	c.s.Close()
	d.Close()

	d2 := newTestDevice(t, fs)
	if got := d2.Sysname(); got != "BackupR1" {
		t.Errorf("sysname after the restart = %q, want BackupR1", got)
	}
	c2 := openConsole(t, d2)
	out = c2.do("display startup")
	if !strings.Contains(out, "flash:/restored.zip") {
		t.Errorf("display startup after the restart:\n%s", out)
	}
	if out := c2.do("display current-configuration"); !strings.Contains(out, "\n sysname BackupR1\n") {
		t.Errorf("display current-configuration after the restart:\n%s", out)
	}
}

// TestBackupDemoScript runs scripts/backup-demo.sh, the configuration-backup
// example users copy into their pipelines, so that it keeps working. It
// builds vrpsim and drives it with OpenSSH and expect, so it runs only when
// CI=true; run the script by hand otherwise.
func TestBackupDemoScript(t *testing.T) {
	if os.Getenv("CI") != "true" {
		t.Skip("runs with CI=true (or run scripts/backup-demo.sh)")
	}
	for _, tool := range []string{"bash", "go", "expect", "ssh", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s: %v (CI=true: a missing tool is a failure)", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("..", "scripts", "backup-demo.sh"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil || stdout.String() != "PASS\n" {
		t.Errorf("backup-demo.sh: %v; stdout %q, want \"PASS\\n\"; stderr:\n%s", err, stdout.String(), stderr.String())
	}
}

// BenchmarkFTPClientInterop measures the FTP client view's get and put of a
// 16 MiB file (binary, passive) against each real server, on a memory flash:
// go test -run '^$' -bench FTPClientInterop ./vrp.
func BenchmarkFTPClientInterop(b *testing.B) {
	const size = 16 << 20
	data := randomData(size, 3)
	for _, name := range ftptest.Peers() {
		b.Run(name, func(b *testing.B) {
			p := ftptest.Start(b, name, "127.0.0.1")
			d := newTestDevice(b, nil)
			writeFlash(b, d.fs, "flash:/big.bin", data)
			c := openConsole(b, d)
			c.do(fmt.Sprintf("ftp 127.0.0.1 %d", p.Port()), p.User, p.Password)
			if p.RemoteDir != "" {
				c.do("cd " + p.RemoteDir)
			}
			c.do("binary")
			c.do("passive")
			b.Run("put", func(b *testing.B) {
				b.SetBytes(size)
				for b.Loop() {
					if out := c.do("put big.bin"); !strings.Contains(out, fmt.Sprintf("\nFTP: %d byte(s) sent in ", size)) {
						b.Fatalf("put:\n%s", out)
					}
				}
			})
			b.Run("get", func(b *testing.B) {
				b.SetBytes(size)
				for b.Loop() {
					if out := c.do("get big.bin copy.bin"); !strings.Contains(out, fmt.Sprintf("\nFTP: %d byte(s) received in ", size)) {
						b.Fatalf("get:\n%s", out)
					}
					if err := d.fs.Remove("flash:/copy.bin", true); err != nil {
						b.Fatal(err)
					}
				}
			})
			c.do("bye")
		})
	}
}
