package sshd

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Interop tests drive real clients from Debian's packages: OpenSSH (through
// sshpass and expect) and python3-netmiko. A missing program skips the test,
// or fails it under CI=true.

// tool returns the path of an external program, skipping the test when it is
// missing (failing under CI=true).
func tool(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI: %v", path, err)
		}
		t.Skipf("%s not installed", path)
	}
	return path
}

// command runs a program with a timeout; it returns stdout, stderr and the
// exit status.
func command(t testing.TB, stdin, name string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "LC_ALL=C")
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return stdout.String(), stderr.String(), exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", name, err)
	}
	return stdout.String(), stderr.String(), 0
}

func portOf(t testing.TB, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// sshArgs are the OpenSSH options of the tests: no known_hosts, no keys, no
// agent, password only.
func sshArgs(port, knownHosts string, more ...string) []string {
	args := []string{
		"-o", "UserKnownHostsFile=" + knownHosts, "-o", "LogLevel=ERROR",
		"-o", "PubkeyAuthentication=no", "-o", "IdentityAgent=none", "-o", "BatchMode=no",
		"-o", "PreferredAuthentications=password,keyboard-interactive",
		"-p", port,
	}
	if knownHosts == "/dev/null" {
		args = append(args, "-o", "StrictHostKeyChecking=no")
	}
	return append(args, more...)
}

func TestOpenSSHExec(t *testing.T) {
	sshpass := tool(t, "/usr/bin/sshpass")
	tool(t, "/usr/bin/ssh")
	d := newDevice(t)
	_, addr := startServer(t, d)
	port := portOf(t, addr)

	t.Run("display version", func(t *testing.T) {
		out, errOut, status := command(t, "", sshpass, append([]string{"-p", adminPassword, "ssh"},
			sshArgs(port, "/dev/null", "admin@127.0.0.1", "display version")...)...)
		if diff := cmp.Diff(strings.ReplaceAll(versionOutput, "\r\n", "\n"), out); diff != "" {
			t.Errorf("output (-want +got):\n%s\nstderr: %s", diff, errOut)
		}
		if status != 0 {
			t.Errorf("exit status %d; stderr: %s", status, errOut)
		}
	})
	t.Run("save answered from stdin", func(t *testing.T) {
		out, errOut, status := command(t, "y\n", sshpass, append([]string{"-p", adminPassword, "ssh"},
			sshArgs(port, "/dev/null", "admin@127.0.0.1", "system-view\nsysname R1\nreturn\nsave")...)...)
		want := "Enter system view, return user view with Ctrl+Z.\n" +
			"  The current configuration will be written to the device.\n" +
			"  Are you sure to continue? (y/n)[n]:\n" +
			"  It will take several minutes to save configuration file, please wait.........\n" +
			"  Configuration file had been saved successfully\n" +
			"  Note: The configuration file will take effect after being activated\n"
		if diff := cmp.Diff(want, out); diff != "" || status != 0 {
			t.Errorf("status %d, output (-want +got):\n%s\nstderr: %s", status, diff, errOut)
		}
	})
	t.Run("a refused command exits with status 1", func(t *testing.T) {
		out, errOut, status := command(t, "", sshpass, append([]string{"-p", adminPassword, "ssh"},
			sshArgs(port, "/dev/null", "admin@127.0.0.1", "cd nothere\npwd")...)...)
		want := "Error: Directory does not exist.\nflash:\n"
		if diff := cmp.Diff(want, out); diff != "" || status != 1 {
			t.Errorf("status %d (want 1), output (-want +got):\n%s\nstderr: %s", status, diff, errOut)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		// sshpass exits with 5 when the password is refused.
		_, errOut, status := command(t, "", sshpass, append([]string{"-p", "Wrong@123", "ssh"},
			sshArgs(port, "/dev/null", "admin@127.0.0.1", "display version")...)...)
		if status != 5 {
			t.Errorf("sshpass exit status %d, want 5 (password refused); stderr: %s", status, errOut)
		}
	})
}

// TestOpenSSHKnownHosts: OpenSSH with strict host key checking accepts the
// device again after a restart on the same port.
func TestOpenSSHKnownHosts(t *testing.T) {
	sshpass := tool(t, "/usr/bin/sshpass")
	tool(t, "/usr/bin/ssh")
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "device", "hostkey")
	knownHosts := filepath.Join(dir, "known_hosts")
	port := ""
	for i, checking := range []string{"accept-new", "yes"} {
		d := newDevice(t)
		srv := &Server{Device: d, HostKeyPath: keyPath, FailureDelay: -1}
		addr := "127.0.0.1:0"
		if port != "" {
			addr = "127.0.0.1:" + port
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		port = portOf(t, l.Addr().String())
		served := make(chan error, 1)
		go func() { served <- srv.Serve(l) }()
		out, errOut, status := command(t, "", sshpass, append([]string{"-p", adminPassword, "ssh", "-o", "StrictHostKeyChecking=" + checking},
			sshArgs(port, knownHosts, "admin@127.0.0.1", "display current-configuration | include sysname")...)...)
		srv.Close()
		<-served
		if out != " sysname Huawei\n" || status != 0 {
			t.Fatalf("start %d: status %d, output %q, stderr %s", i+1, status, out, errOut)
		}
	}
	data, err := os.ReadFile(knownHosts)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "ssh-ed25519"); n != 1 {
		t.Errorf("known_hosts has %d ed25519 keys, want 1:\n%s", n, data)
	}
}

// TestOpenSSHInteractive drives an interactive OpenSSH session with expect:
// password prompt, Tab, "?", Ctrl+Z, the pager and quit.
func TestOpenSSHInteractive(t *testing.T) {
	expect := tool(t, "/usr/bin/expect")
	tool(t, "/usr/bin/ssh")
	d := newDevice(t)
	_, addr := startServer(t, d)
	args := strings.Join(sshArgs(portOf(t, addr), "/dev/null", "admin@127.0.0.1"), " ")
	script := `
set timeout 20
proc step {pattern} {
	expect {
		-exact $pattern {}
		timeout {puts "\nTIMEOUT waiting for: $pattern"; exit 2}
		eof {puts "\nEOF waiting for: $pattern"; exit 3}
	}
}
spawn ssh ` + args + `
step "password:"
send "` + adminPassword + `\r"
step "<Huawei>"
send "sys\t\r"
step "\[Huawei\]"
send "aaa\r"
step "\[Huawei-aaa\]"
send "local-user bob ?"
step "  access-limit"
step "\[Huawei-aaa\]local-user bob "
send "password cipher Bob@12345\r"
step "\[Huawei-aaa\]"
send "\032"
step "<Huawei>"
send "screen-length 5 temporary\r"
step "<Huawei>"
send "display current-configuration\r"
step "  ---- More ----"
send " "
step "  ---- More ----"
send "q"
step "<Huawei>"
send "quit\r"
step "Configuration console exit, please retry to log on"
expect eof
catch wait result
exit [lindex $result 3]
`
	out, errOut, status := command(t, "", expect, "-c", script)
	if status != 0 {
		t.Fatalf("expect exit status %d\nstdout:\n%s\nstderr:\n%s", status, out, errOut)
	}
	for _, want := range []string{
		"<Huawei>system-view\r\nEnter system view, return user view with Ctrl+Z.\r\n[Huawei]",
		"[Huawei-aaa]local-user bob ?\r\n  access-limit          Set the maximum number of accesses\r\n",
	} {
		if !strings.Contains(render(out), strings.TrimSuffix(render(want), "\n")) {
			t.Errorf("screen lacks %q:\n%s", want, render(out))
		}
	}
	got, _ := run(t, mustDial(t, addr), "display current-configuration | include local-user bob password", "")
	if !strings.HasPrefix(got, " local-user bob password ") {
		t.Errorf("bob was not created: %q", got)
	}
}

// TestNetmiko drives the device with netmiko's huawei driver: connect,
// display the configuration, create a user in the aaa view, save answering
// the question, disconnect.
func TestNetmiko(t *testing.T) {
	python := tool(t, "/usr/bin/python3")
	if _, _, status := command(t, "", python, "-c", "import netmiko"); status != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-netmiko is required under CI")
		}
		t.Skip("python3-netmiko not installed")
	}
	d := newDevice(t)
	_, addr := startServer(t, d)
	script := `
import sys
from netmiko import ConnectHandler
conn = ConnectHandler(device_type="huawei", host="127.0.0.1", port=int(sys.argv[1]),
                      username="admin", password="Admin@huawei", timeout=20,
                      # netmiko paces itself by silences of 2 s x delay factor; the
                      # defaults pass too but take 23 s.
                      fast_cli=True, global_delay_factor=0.5)
out = conn.send_command("display current-configuration")
assert " sysname Huawei" in out, out
assert "---- More ----" not in out, out
assert out.rstrip().endswith("return"), out
out = conn.send_config_set(["aaa", "local-user bob password cipher Bob@12345", "local-user bob service-type ssh"])
assert "Error" not in out, out
out = conn.send_command_timing("save")
assert "Are you sure to continue? (y/n)[n]:" in out, out
out = conn.send_command_timing("y")
assert "Configuration file had been saved successfully" in out, out
prompt = conn.find_prompt()
assert prompt == "<Huawei>", prompt
conn.disconnect()
print("OK")
`
	out, errOut, status := command(t, "", python, "-c", script, portOf(t, addr))
	if status != 0 || strings.TrimSpace(out) != "OK" {
		t.Fatalf("netmiko: status %d\nstdout:\n%s\nstderr:\n%s", status, out, errOut)
	}
	c := mustDial(t, addr)
	got, _ := run(t, c, "display saved-configuration | include local-user bob", "")
	if !strings.Contains(got, " local-user bob password irreversible-cipher ") && !strings.Contains(got, " local-user bob password cipher ") {
		t.Errorf("bob's password is not in the saved configuration:\n%s", got)
	}
	if !strings.Contains(got, " local-user bob service-type ssh") {
		t.Errorf("bob's service type is not in the saved configuration:\n%s", got)
	}
}
