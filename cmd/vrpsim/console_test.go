package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/google/go-cmp/cmp"
	gossh "golang.org/x/crypto/ssh"
)

// TestConsoleHelperProcess is vrpsim itself when the console test runs it in
// a pseudo-terminal (the arguments follow "--"); otherwise it does nothing.
func TestConsoleHelperProcess(t *testing.T) {
	if os.Getenv("VRPSIM_CONSOLE_HELPER") != "1" {
		return
	}
	i := slices.Index(os.Args, "--")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[i+1:], os.Stdout, os.Stderr))
}

// step is one action of a CLI script: keys to type, then the line the cursor
// must be on once the device has answered. With newLine the answer must also
// have moved the cursor to a later line (Enter, "?").
type step struct {
	keys    string
	want    string
	newLine bool
}

// consoleScript is typed on the console and over SSH; both must show the
// same lines.
var consoleScript = []step{
	{"?", "<Huawei>", true},
	{"dis?", "<Huawei>dis", true},
	{"play cu\t", "<Huawei>display current-configuration", false},
	{"\r", "  ---- More ----", true},
	{" ", "<Huawei>", true},
	{"sys\r", "[Huawei]", true},
	{"aaa\r", "[Huawei-aaa]", true},
	{"dis foo\r", "[Huawei-aaa]", true},
	{"local-user ?", "[Huawei-aaa]local-user", true},
	{"\x1a", "<Huawei>", true},
	{"abc\x03", "<Huawei>", true},
	{"display history-command\r", "<Huawei>", true},
	{"\x1b[A\x1b[A", "<Huawei>dis foo", false},
	{"\r", "<Huawei>", true},
	{"system-view\r", "[Huawei]", true},
	{"sysname R1\r", "[R1]", true},
	{"user-interface con 0\r", "[R1-ui-console0]", true},
	{"display th\t\r", "[R1-ui-console0]", true},
	{"return\r", "<R1>", true},
	{"copy vrpcfg.zip x.zip\r", "<R1>", true},
	{"copy nothere.cfg x.cfg\r", "<R1>", true},
	{"mkdir abc\r", "<R1>", true},
	{"rename abc xyz\r", "Rename flash:/abc to flash:/xyz? (y/n)[n]:", true},
	{"n\r", "<R1>", true},
	{"display this\r", "<R1>", true},
	{"display th\x1b[D\x1b[D?", "<R1>display th", true},
	{"\x03", "<R1>", true},
	{"undo xyz\x1b[D\x1b[D\x1b[D\x18", "<R1>xyz", false},
	{"\x19", "<R1>", false},
	{"pwd\x1b[D\x1b[D\x1b[D\x19", "<R1>", false},
	{"pw\t\r", "<R1>", true},
}

// terminal is a CLI session driven through a screen.
type terminal struct {
	t      testing.TB
	name   string
	in     io.Writer
	screen *screen
}

// do types the step's keys and waits for the device's answer.
func (term *terminal) do(s step) {
	term.t.Helper()
	_, before := term.screen.cursor()
	if _, err := io.WriteString(term.in, s.keys); err != nil {
		term.t.Fatalf("%s: typing %q: %v", term.name, s.keys, err)
	}
	term.waitFor(s.want, func(n int) bool { return !s.newLine || n > before }, s.keys)
}

// waitFor waits until the cursor is on a line that reads want and that line
// number passes ok.
func (term *terminal) waitFor(want string, ok func(int) bool, after string) {
	term.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		line, n := term.screen.cursor()
		if line == want && ok(n) {
			return
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("%s: after %q the cursor is on %q, want %q; screen:\n%s", term.name, after, line, want, strings.Join(term.screen.lines(), "\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fromFirstPrompt returns the lines from the first "<sysname>" prompt on.
func fromFirstPrompt(lines []string, prompt string) []string {
	for i, l := range lines {
		if strings.HasPrefix(l, prompt) {
			return lines[i:]
		}
	}
	return nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return c.w.Write(p)
}

var consoleSSHRe = regexp.MustCompile(`ssh -p (\d+) admin@127\.0\.0\.1`)

// consoleProcess is "vrpsim console" running in a pseudo-terminal.
type consoleProcess struct {
	*terminal
	cmd     *exec.Cmd
	pty     *os.File
	sshAddr string
	exited  chan error    // the process's exit, once
	copied  chan struct{} // closed when all the output is on the screen
	written atomic.Int64  // bytes vrpsim wrote to the terminal
	raw     syncBuffer    // the bytes themselves
	off     int           // how much of raw expect has checked
}

// expect checks that the next bytes vrpsim writes after keys are exactly
// want.
func (p *consoleProcess) expect(keys, want string) {
	p.t.Helper()
	io.WriteString(p.pty, keys)
	deadline := time.Now().Add(20 * time.Second)
	for len(p.raw.String()) < p.off+len(want) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	raw := p.raw.String()
	got := raw[p.off:min(len(raw), p.off+len(want))]
	p.off += len(got)
	if diff := cmp.Diff(want, got); diff != "" {
		p.t.Fatalf("keys %q: output (-want +got):\n%s\nwant %q\ngot  %q", keys, diff, want, got)
	}
}

// startConsole runs "vrpsim console" on a fresh data directory, in a
// pseudo-terminal whose screen answers no query (as a pexpect script or a
// serial bridge), and waits for its first prompt. env adds to the
// environment (TERM=xterm by default).
func startConsole(t testing.TB, env ...string) *consoleProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestConsoleHelperProcess$", "--",
		"console", "--data", t.TempDir(), "--ssh", "127.0.0.1:0")
	cmd.Env = append(append(os.Environ(), "VRPSIM_CONSOLE_HELPER=1", "TERM=xterm"), env...)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		t.Fatal(err)
	}
	p := &consoleProcess{cmd: cmd, pty: ptmx, exited: make(chan error, 1), copied: make(chan struct{})}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		err := <-p.exited
		p.exited <- err
		ptmx.Close()
	})
	p.terminal = &terminal{t: t, name: "console", in: ptmx}
	p.screen = newScreen(80, 24, nil)
	go func() {
		defer close(p.copied)
		io.Copy(countingWriter{io.MultiWriter(p.screen, &p.raw), &p.written}, ptmx)
	}()
	p.waitFor("<Huawei>", func(int) bool { return true }, "start")
	m := consoleSSHRe.FindStringSubmatch(strings.Join(p.screen.lines(), "\n"))
	if m == nil {
		t.Fatalf("no SSH port in:\n%s", strings.Join(p.screen.lines(), "\n"))
	}
	p.sshAddr = "127.0.0.1:" + m[1]
	return p
}

// TestConsoleMatchesSSH types a script on the console of "vrpsim console"
// running in a pseudo-terminal, and the same script over SSH into a second
// "vrpsim console" (whose console stays open meanwhile), and compares the two
// transcripts as a terminal shows them: the same lines, from the first
// prompt on. It then leaves the console with quit, logs on again with a key,
// and stops vrpsim with quit and Ctrl+C.
func TestConsoleMatchesSSH(t *testing.T) {
	con, other := startConsole(t), startConsole(t)
	ssh := sshTerminal(t, other.sshAddr)
	for _, s := range consoleScript {
		ssh.do(s)
	}
	for _, s := range consoleScript {
		con.do(s)
	}
	sshLines := fromFirstPrompt(ssh.screen.lines(), "<Huawei>")
	conLines := fromFirstPrompt(con.screen.lines(), "<Huawei>")
	if diff := cmp.Diff(sshLines, conLines); diff != "" {
		t.Errorf("console transcript differs from SSH (-ssh +console):\n%s", diff)
	}
	if len(sshLines) < len(consoleScript) {
		t.Errorf("SSH transcript has %d lines, want at least %d", len(sshLines), len(consoleScript))
	}
	if u := con.screen.unknown; len(u) > 0 {
		t.Logf("console escape sequences ignored: %v", u)
	}

	// quit ends the console session; a key logs on again; quit and Ctrl+C
	// stop vrpsim.
	_, before := con.screen.cursor()
	io.WriteString(con.pty, "quit\r")
	con.waitFor("", func(n int) bool { return n >= before+3 }, "quit")
	_, after := con.screen.cursor()
	got := con.screen.lines()[before : after+1]
	want := []string{"<R1>quit", "", "  Configuration console exit, please press any key to log on", ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("quit (-want +got):\n%s", diff)
	}
	con.do(step{" ", "<R1>", false})
	con.do(step{"quit\r", "", true})
	io.WriteString(con.pty, "\x03")
	select {
	case err := <-con.exited:
		con.exited <- err
		if err != nil {
			t.Errorf("vrpsim console: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("vrpsim console did not stop after Ctrl+C")
	}
	<-con.copied
	if lines := con.screen.lines(); !slices.Contains(lines, "vrpsim: shutting down") {
		t.Errorf("no shutdown message in:\n%s", strings.Join(lines, "\n"))
	}
}

// sshTerminal logs in as admin with an 80x24 pty.
func sshTerminal(t testing.TB, addr string) *terminal {
	t.Helper()
	client, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            "admin",
		Auth:            []gossh.AuthMethod{gossh.Password("Admin@huawei")},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, name: "ssh", in: in, screen: newScreen(80, 24, nil)}
	sess.Stdout = term.screen
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sess.Close()
		if err := sess.Wait(); err != nil && !errors.Is(err, io.EOF) {
			var exitMissing *gossh.ExitMissingError
			if !errors.As(err, &exitMissing) {
				t.Logf("ssh session: %v", err)
			}
		}
	})
	term.waitFor("<Huawei>", func(int) bool { return true }, "login")
	return term
}

// TestConsoleIdleTimeout checks that the console session ends after the
// idle timeout of "user-interface con 0", at the prompt and in the pager, and
// that a key logs on again; then that SIGTERM stops vrpsim at a prompt.
func TestConsoleIdleTimeout(t *testing.T) {
	con := startConsole(t)
	for _, s := range []step{
		{"system-view\r", "[Huawei]", true},
		{"user-interface con 0\r", "[Huawei-ui-console0]", true},
		{"idle-timeout 0 1\r", "[Huawei-ui-console0]", true},
		{"return\r", "<Huawei>", true},
		{"quit\r", "", true},
		{"\r", "<Huawei>", false},
	} {
		con.do(s)
	}
	const timedOut = "  Configuration console time out, please retry to log on"
	timeOut := func(where string) {
		t.Helper()
		_, before := con.screen.cursor()
		con.waitFor("", func(n int) bool { return n > before+1 }, "idling "+where)
		lines := con.screen.lines()
		_, n := con.screen.cursor()
		if got := lines[n-1]; got != timedOut {
			t.Errorf("idling %s, the console shows %q, want %q; screen:\n%s", where, got, timedOut, strings.Join(lines, "\n"))
		}
		con.do(step{"x", "<Huawei>", false})
	}
	con.do(step{"dis", "<Huawei>dis", false})
	timeOut("at the prompt")
	con.do(step{"display current-configuration\r", "  ---- More ----", true})
	timeOut("in the pager")

	if err := con.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-con.exited:
		con.exited <- err
		if err != nil {
			<-con.copied
			t.Errorf("vrpsim console: %v; screen:\n%s", err, strings.Join(con.screen.lines(), "\n"))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("vrpsim console did not stop after SIGTERM")
	}
	<-con.copied
	if lines := con.screen.lines(); !slices.Contains(lines, "vrpsim: shutting down") {
		t.Errorf("no shutdown message in:\n%s", strings.Join(lines, "\n"))
	}
}

// TestConsoleTypeAhead types a script without waiting for the prompts, in
// one write (a paste) and one key at a time, on the console and over SSH:
// no key may be lost, and both transcripts must match.
func TestConsoleTypeAhead(t *testing.T) {
	const script = "sys\raaa\rdisplay this\rquit\rdis foo\r\x1aabc\x03display history-command\r"
	last := []string{"  display history-command", "<Huawei>"}
	for _, paste := range []bool{true, false} {
		name := "keys"
		if paste {
			name = "paste"
		}
		t.Run(name, func(t *testing.T) {
			con := startConsole(t)
			ssh := sshTerminal(t, startConsole(t).sshAddr)
			var transcripts [][]string
			for _, term := range []*terminal{ssh, con.terminal} {
				if paste {
					io.WriteString(term.in, script)
				} else {
					for i := range len(script) {
						io.WriteString(term.in, script[i:i+1])
					}
				}
				term.waitFor("<Huawei>", func(n int) bool {
					lines := term.screen.lines()
					return n > 0 && lines[n-1] == last[0]
				}, script)
				transcripts = append(transcripts, fromFirstPrompt(term.screen.lines(), "<Huawei>"))
			}
			if diff := cmp.Diff(transcripts[0], transcripts[1]); diff != "" {
				t.Errorf("console transcript differs from SSH (-ssh +console):\n%s", diff)
			}
			if n := strings.Count(strings.Join(transcripts[1], "\n"), "Error: Unrecognized command"); n != 1 {
				t.Errorf("%d errors, want 1 (dis foo):\n%s", n, strings.Join(transcripts[1], "\n"))
			}
		})
	}
}

// TestConsoleNeedsTerminal checks that "vrpsim console" without a terminal
// stops at once with an explanation.
func TestConsoleNeedsTerminal(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestConsoleHelperProcess$", "--",
		"console", "--data", t.TempDir(), "--ssh", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "VRPSIM_CONSOLE_HELPER=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit: %v, want exit status 1", err)
	}
	want := "vrpsim: console: standard input and output must be a terminal (without one, run vrpsim without console)\n"
	if diff := cmp.Diff(want, stderr.String()); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
}

// TestConsoleLogin: with authentication-mode aaa on con 0 the console asks
// for a user name and a password after quit, refuses a wrong password and
// logs in with the right one; with authentication-mode password it asks for
// the line's password only. Passwords are not echoed.
func TestConsoleLogin(t *testing.T) {
	con := startConsole(t)
	for _, s := range []step{
		{"system-view\r", "[Huawei]", true},
		{"user-interface con 0\r", "[Huawei-ui-console0]", true},
		{"authentication-mode aaa\r", "[Huawei-ui-console0]", true},
		{"return\r", "<Huawei>", true},
		{"quit\r", "", true},
		{"\r", "Username:", false},
		{"admin\r", "Password:", true},
		{"Admin@huawe\r", "Username:", true},
		{"admin\r", "Password:", true},
		{"Admin@huawei\r", "<Huawei>", true},
		{"system-view\r", "[Huawei]", true},
		{"user-interface con 0\r", "[Huawei-ui-console0]", true},
		{"authentication-mode password\r", "[Huawei-ui-console0]", true},
		{"set authentication password cipher Con0@pass\r", "[Huawei-ui-console0]", true},
		{"return\r", "<Huawei>", true},
		{"quit\r", "", true},
		{"\r", "Password:", false},
		{"Con0@pas\r", "Password:", true},
		{"Con0@pass\r", "<Huawei>", true},
	} {
		con.do(s)
	}
	lines := con.screen.lines()
	var dialogues [][]string
	for i, l := range lines {
		if l != "Login authentication" {
			continue
		}
		end := i
		for end < len(lines) && !strings.HasPrefix(lines[end], "<Huawei>") {
			end++
		}
		d := slices.Clone(lines[i:min(end+1, len(lines))])
		d[len(d)-1] = strings.TrimSuffix(d[len(d)-1], "system-view") // the next command
		dialogues = append(dialogues, d)
	}
	want := [][]string{
		{
			"Login authentication", "", "",
			"Username:admin", "Password:", "Error: Local authentication is rejected.", "",
			"Username:admin", "Password:", "<Huawei>",
		},
		{
			"Login authentication", "", "",
			"Password:", "Error: The password is wrong.", "",
			"Password:", "<Huawei>",
		},
	}
	if diff := cmp.Diff(want, dialogues); diff != "" {
		t.Errorf("login dialogues (-want +got):\n%s\nscreen:\n%s", diff, strings.Join(lines, "\n"))
	}
}

// TestConsolePlainBytes drives "vrpsim console" in a pseudo-terminal that
// answers no query, with TERM=dumb: it logs in (authentication-mode aaa),
// and the bytes of the echo, Backspace, Tab, "?" and a command's output are
// exactly the device's, with no escape sequence. SIGTERM at an idle prompt
// then stops vrpsim.
func TestConsolePlainBytes(t *testing.T) {
	con := startConsole(t, "TERM=dumb")
	for _, s := range []step{
		{"system-view\r", "[Huawei]", true},
		{"user-interface con 0\r", "[Huawei-ui-console0]", true},
		{"authentication-mode aaa\r", "[Huawei-ui-console0]", true},
		{"return\r", "<Huawei>", true},
		{"quit\r", "", true},
	} {
		con.do(s)
	}
	con.off = len(con.raw.String())
	const version = "VRP (R) software, Version 5.160 (AR2200 V200R007C00SPC600)\r\n"
	for _, st := range []struct{ keys, want string }{
		{"\r", "\r\nLogin authentication\r\n\r\n\r\nUsername:"},
		{"admim\x7fn\r", "admim\b \bn\r\nPassword:"},
		{"Admin@huawei\r", "\r\n<Huawei>"},
		{"display versiom", "display versiom"},
		{"\x7f", "\b \b"},
		{"n | include VRP\r", "n | include VRP\r\n" + version + "<Huawei>"},
		{"dis?", "dis?\r\n  display   Display information\r\n<Huawei>dis"},
		{"\t", "play"},
		{" version | inc ?", " version | inc ?\r\n  REGULAR-EXPRESSION    Regular expression\r\n<Huawei>display version | inc "},
		{"VRP\r", "VRP\r\n" + version + "<Huawei>"},
		{"abc\x03", "abc\r\n<Huawei>"},
	} {
		con.expect(st.keys, st.want)
	}
	if raw := con.raw.String(); strings.Contains(raw, "\x1b") {
		t.Errorf("escape sequence in the console's output: %q", raw)
	}

	if err := con.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-con.exited:
		con.exited <- err
		if err != nil {
			t.Errorf("vrpsim console: %v", err)
		}
	case <-time.After(20 * time.Second): // a hang detector, not a speed limit
		t.Fatal("vrpsim console did not stop after SIGTERM")
	}
	<-con.copied
	if lines := con.screen.lines(); !slices.Contains(lines, "vrpsim: shutting down") {
		t.Errorf("no shutdown message in:\n%s", strings.Join(lines, "\n"))
	}
}
