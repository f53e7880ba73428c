package sshd

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	gossh "golang.org/x/crypto/ssh"
)

// run runs an exec request with stdin and returns its output and exit status.
func run(t *testing.T, c *gossh.Client, command, stdin string) (string, int) {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out, stderr bytes.Buffer
	s.Stdout = &out
	s.Stderr = &stderr
	s.Stdin = strings.NewReader(stdin)
	err = s.Run(command)
	if stderr.Len() > 0 {
		t.Errorf("%q: stderr %q", command, stderr.String())
	}
	status := 0
	var exit *gossh.ExitError
	switch {
	case errors.As(err, &exit):
		status = exit.ExitStatus()
	case err != nil:
		t.Fatalf("%q: %v", command, err)
	}
	return out.String(), status
}

// TestExec runs exec requests: their output, and an exit status of 1 when
// a command was refused (a line of output starts with "Error:").
func TestExec(t *testing.T) {
	lf := func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
	tests := []struct {
		name, command, stdin, want string
		status                     int
	}{
		{"one command", "display version", "", lf(versionOutput), 0},
		{"no banner, no prompt, errors as on the CLI", "displya", "",
			"displya\n^\nError: Unrecognized command found at '^' position.\n", 1},
		{"several lines are several commands", "system-view\nsysname R1\ndisplay current-configuration | include sysname", "",
			"Enter system view, return user view with Ctrl+Z.\n sysname R1\n", 0},
		{"every line runs after a refused one", "display version | include VRP\nsystem-view\naaa\nlocal-user x privilege level 99\nreturn\npwd", "",
			"VRP (R) software, Version 5.160 (AR2200 V200R007C00SPC600)\n" +
				"Enter system view, return user view with Ctrl+Z.\n" +
				"local-user x privilege level 99\n                             ^\n" +
				"Error: Wrong parameter found at '^' position.\n" +
				"flash:\n", 1},
		{"an ambiguous command", "d c", "", "d c\n^\nError:Ambiguous command found at '^' position.\n", 1},
		{"a refusal of the device", "cd nothere", "", "Error: Directory does not exist.\n", 1},
		{"no paging", "screen-length 2 temporary\ndisplay current-configuration | begin user-interface", "",
			"Info: The configuration takes effect on the current user terminal interface only.\n" +
				"user-interface con 0\nuser-interface vty 0 4\n authentication-mode aaa\n protocol inbound ssh\n#\nreturn\n", 0},
		{"a question answered from stdin", "save", "y\n",
			"  The current configuration will be written to the device.\n" +
				"  Are you sure to continue? (y/n)[n]:\n" +
				"  It will take several minutes to save configuration file, please wait.........\n" +
				"  Configuration file had been saved successfully\n" +
				"  Note: The configuration file will take effect after being activated\n", 0},
		{"a question at the end of stdin gets no", "save", "",
			"  The current configuration will be written to the device.\n" +
				"  Are you sure to continue? (y/n)[n]:\n", 0},
		{"quit ends the commands", "quit\ndisplay version", "", "Info:Configuration console exit, please retry to log on\n", 0},
		{"quit after a refused command", "displya\nquit", "",
			"displya\n^\nError: Unrecognized command found at '^' position.\nInfo:Configuration console exit, please retry to log on\n", 1},
	}
	d := newDevice(t)
	_, addr := startServer(t, d)
	c := mustDial(t, addr)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, status := run(t, c, tt.command, tt.stdin)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if status != tt.status {
				t.Errorf("exit status %d, want %d", status, tt.status)
			}
		})
	}
}

// TestShellWithoutPty reads command lines from stdin: banner and prompts,
// no echo of the lines.
func TestShellWithoutPty(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	c := mustDial(t, addr)
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out bytes.Buffer
	s.Stdout = &out
	s.Stdin = strings.NewReader("system-view\r\nsysname R1\nquit\n\ndisplay current-configuration | include sysname\n")
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	if err := s.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
	want := strings.ReplaceAll(banner, "\r\n", "\n") +
		"<Huawei>Enter system view, return user view with Ctrl+Z.\n" +
		"[Huawei][R1]<R1><R1> sysname R1\n<R1>"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// TestExecAnswerTyped: a question waits for its answer while the client
// keeps stdin open, as a person typing would.
func TestExecAnswerTyped(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	c := mustDial(t, addr)
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in, _ := s.StdinPipe()
	out, _ := s.StdoutPipe()
	tr := newTranscript(out)
	if err := s.Start("save"); err != nil {
		t.Fatal(err)
	}
	tr.waitFor(t, 0, "(y/n)[n]:")
	io.WriteString(in, "n\n")
	got := tr.waitEOF(t)
	want := "  The current configuration will be written to the device.\n  Are you sure to continue? (y/n)[n]:\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if err := s.Wait(); err != nil {
		t.Errorf("exit: %v", err)
	}
}

// TestExecWithPty ("ssh -t host command"): the command runs as an exec
// request; the pty turns its line ends into CRLF.
func TestExecWithPty(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	c := mustDial(t, addr)
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out, err := s.Output("display version")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(versionOutput, string(out)); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// TestErrorWatch: an output line is an error when it starts with "Error:",
// after spaces, wherever the writes cut it.
func TestErrorWatch(t *testing.T) {
	tests := []struct {
		writes []string
		failed bool
	}{
		{[]string{"Error: The file does not exist.\n"}, true},
		{[]string{"Info: ok\n", "Err", "or:", "x\n"}, true},
		{[]string{" Error: TELNET server has been enabled\n"}, true},
		{[]string{"Error:Ambiguous command found at '^' position.\n"}, true},
		{[]string{"Info: Error: in the middle\n", "Errors: 0\n", "error: lower case\n"}, false},
		{[]string{"flash:", "Error: not at the start of the line\n"}, false},
		{[]string{"\n", "  Are you sure to continue? (y/n)[n]:\n"}, false},
	}
	for _, tt := range tests {
		var out strings.Builder
		w := newErrorWatch(&out)
		for _, s := range tt.writes {
			io.WriteString(w, s)
		}
		if w.failed != tt.failed {
			t.Errorf("%q: failed %v, want %v", tt.writes, w.failed, tt.failed)
		}
		if got, want := out.String(), strings.Join(tt.writes, ""); got != want {
			t.Errorf("%q: output %q", tt.writes, got)
		}
	}
}
