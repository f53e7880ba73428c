package sshd

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	gossh "golang.org/x/crypto/ssh"
)

// execAdmin runs lines as admin over an exec request and returns the
// output.
func execAdmin(t *testing.T, addr, lines string) string {
	t.Helper()
	c := mustDial(t, addr)
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, _ := s.CombinedOutput(lines)
	return string(out)
}

// TestVTYRefusesSSH: VTY lines set to refuse SSH (protocol inbound telnet;
// an authentication-mode other than aaa, which SSH needs) do not answer
// every password with "authentication failed": the SSH session that types
// the setting is warned, and a later SSH login is told why at once, before
// any password, whatever the password.
func TestVTYRefusesSSH(t *testing.T) {
	const warning = "Warning: After this command the VTY user interfaces refuse SSH logins, the way this session came in. This session goes on; keep it open until another way in works.\n"
	for _, tc := range []struct {
		name, command, out, refusal string
	}{
		{"protocol inbound telnet", "protocol inbound telnet", warning,
			"Error: The VTY user interfaces accept only Telnet (protocol inbound telnet): SSH logins are refused.\r\n"},
		{"authentication-mode password", "authentication-mode password", warning,
			"Error: SSH logins need authentication-mode aaa on the VTY user interfaces (they have authentication-mode password).\r\n"},
		{"authentication-mode none", "authentication-mode none", warning,
			"Error: SSH logins need authentication-mode aaa on the VTY user interfaces (they have authentication-mode none).\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDevice(t)
			_, addr := startServer(t, d)
			out := execAdmin(t, addr, "system-view\nuser-interface vty 0 4\n"+tc.command)
			if diff := cmp.Diff("Enter system view, return user view with Ctrl+Z.\n"+tc.out, strings.ReplaceAll(out, "\r\n", "\n")); diff != "" {
				t.Errorf("output of the setting (-want +got):\n%s", diff)
			}
			for _, password := range []string{adminPassword, "wrong"} {
				var asked bool
				c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
					User: adminUser,
					Auth: []gossh.AuthMethod{gossh.PasswordCallback(func() (string, error) {
						asked = true
						return password, nil
					})},
					HostKeyCallback: gossh.InsecureIgnoreHostKey(),
				})
				if err != nil {
					t.Fatalf("password %q: %v", password, err)
				}
				s, err := c.NewSession()
				if err != nil {
					t.Fatal(err)
				}
				if err := s.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
					t.Fatal(err)
				}
				stdout, _ := s.StdoutPipe()
				if err := s.Shell(); err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(stdout)
				err = s.Wait()
				var exit *gossh.ExitError
				if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
					t.Errorf("exit: %v, want status 1", err)
				}
				c.Close()
				if diff := cmp.Diff(tc.refusal, string(got)); diff != "" {
					t.Errorf("what the client sees (-want +got):\n%s", diff)
				}
				if asked {
					t.Error("the client was asked for a password")
				}
			}
			if log := strings.Join(d.Log(), "\n"); !strings.Contains(log, "SSH_USER_LOGIN_FAIL") {
				t.Errorf("the refusal is not logged:\n%s", log)
			}
		})
	}
}

// TestStelnetDisabledClosesConnections: after undo stelnet server enable a
// new SSH connection ends before the version exchange, as at a device
// whose SSH port is closed; the session that typed it was warned and goes
// on.
func TestStelnetDisabledClosesConnections(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	c := mustDial(t, addr)
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := s.CombinedOutput("system-view\nundo stelnet server enable\ndisplay ssh server status | include Stelnet")
	want := "Enter system view, return user view with Ctrl+Z.\n" +
		"Warning: The STelnet server is disabled: this SSH session goes on, but a new SSH login will be refused.\n" +
		"Info: Succeeded in closing the STELNET server.\n" +
		" Stelnet server                      :Disable\n"
	if diff := cmp.Diff(want, strings.ReplaceAll(string(out), "\r\n", "\n")); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	_, err = dial(t, addr, adminUser, adminPassword)
	if err == nil || !strings.Contains(err.Error(), "ssh: handshake failed") || !(strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "reset")) {
		t.Fatalf("dial after undo stelnet server enable: %v, want the connection closed before the handshake", err)
	}
}

// TestOpenSSHTellsVTYRefusal: OpenSSH in batch mode (it can ask no
// password) shows the refusal's reason: it is given before any password.
func TestOpenSSHTellsVTYRefusal(t *testing.T) {
	ssh := tool(t, "/usr/bin/ssh")
	d := newDevice(t)
	_, addr := startServer(t, d)
	execAdmin(t, addr, "system-view\nuser-interface vty 0 4\nprotocol inbound telnet")
	args := sshArgs(portOf(t, addr), "/dev/null", "-o", "BatchMode=yes", "-tt", "admin@127.0.0.1")
	out, errOut, status := command(t, "", ssh, args...)
	want := "Error: The VTY user interfaces accept only Telnet (protocol inbound telnet): SSH logins are refused.\r\n"
	if status != 1 || out != want {
		t.Fatalf("ssh: status %d, stdout %q (want %q), stderr %q", status, out, want, errOut)
	}
}
