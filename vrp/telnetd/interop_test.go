package telnetd

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Interop tests drive real clients: Debian's telnet (inetutils-telnet,
// through expect), Python's telnetlib as the HCIA automation chapter uses
// it, and netmiko's huawei_telnet driver. A missing program skips the test,
// or fails it under CI=true.

// tool returns the path of an external program, skipping the test when it
// is missing (failing under CI=true).
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

// pythonWith returns /usr/bin/python3 when it imports module.
func pythonWith(t testing.TB, module string) string {
	t.Helper()
	python := tool(t, "/usr/bin/python3")
	if _, _, status := command(t, python, "-W", "ignore", "-c", "import "+module); status != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 module %s is required under CI", module)
		}
		t.Skipf("python3 module %s not installed", module)
	}
	return python
}

// command runs a program with a timeout; it returns stdout, stderr and the
// exit status.
func command(t testing.TB, name string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "LC_ALL=C", "TERM=dumb")
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

func hostPort(t testing.TB, addr string) (string, string) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// TestDebianTelnet logs in with Debian's telnet client (it negotiates ECHO,
// SGA and NAWS with the server), runs a command, fails a login and is told
// so, and quits; expect checks what the client shows.
func TestDebianTelnet(t *testing.T) {
	expect := tool(t, "/usr/bin/expect")
	telnet := tool(t, "/usr/bin/telnet")
	d, addr := newDevice(t, telnetConfig)
	host, port := hostPort(t, addr)
	script := `
set timeout 20
log_user 1
spawn ` + telnet + ` ` + host + ` ` + port + `
expect {
	"Username:" {}
	timeout { puts "\nFAIL no Username:"; exit 1 }
}
send "admin\r"
expect "Password:"
send "wrong\r"
expect {
	"Error: Local authentication is rejected." {}
	timeout { puts "\nFAIL no rejection"; exit 1 }
}
expect "Username:"
send "admin\r"
expect "Password:"
send "Admin@huawei\r"
expect {
	"<Huawei>" {}
	timeout { puts "\nFAIL no prompt"; exit 1 }
}
send "display version\r"
expect {
	-re "VRP \\(R\\) software, Version 5.160 \\(AR2200 V200R007C00SPC600\\).*<Huawei>" {}
	timeout { puts "\nFAIL no version"; exit 1 }
}
send "quit\r"
expect {
	"Connection closed by foreign host." {}
	timeout { puts "\nFAIL not closed"; exit 1 }
}
expect eof
puts "\nOK"
`
	out, errOut, status := command(t, expect, "-c", script)
	if status != 0 || !strings.HasSuffix(strings.TrimSpace(out), "OK") {
		t.Fatalf("expect: status %d\n%s\n%s", status, out, errOut)
	}
	if !strings.Contains(strings.Join(d.Log(), "\n"), "UserType=TEL, UserName=admin") {
		t.Errorf("no Telnet login in the log:\n%s", strings.Join(d.Log(), "\n"))
	}
	// what the user saw of the login, in order
	want := []string{"Login authentication", "Username:admin", "Password:", "Error: Local authentication is rejected.", "Username:admin", "Password:", "Info: The max number of VTY users is 5, and the number", "<Huawei>display version"}
	var got []string
	for _, line := range strings.Split(strings.ReplaceAll(out, "\r", ""), "\n") {
		for _, w := range want {
			if line == w {
				got = append(got, line)
				break
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the client's screen (-want +got):\n%s\n%s", diff, out)
	}
}

// TestTelnetlib logs in as the HCIA automation chapter's script does with
// Python's telnetlib (read_until "Username:", write user, read_until
// "Password:", write password), runs display commands and reads the
// output until the prompt.
func TestTelnetlib(t *testing.T) {
	python := pythonWith(t, "telnetlib")
	_, addr := newDevice(t, telnetConfig)
	host, port := hostPort(t, addr)
	script := `
import sys, telnetlib
tn = telnetlib.Telnet(sys.argv[1], int(sys.argv[2]), timeout=20)
out = tn.read_until(b"Username:", timeout=20)
assert out.endswith(b"Username:"), out
tn.write(b"admin\n")
out = tn.read_until(b"Password:", timeout=20)
assert out.endswith(b"Password:"), out
tn.write(b"Admin@huawei\n")
out = tn.read_until(b"<Huawei>", timeout=20)
assert b"The current login time is" in out, out
tn.write(b"screen-length 0 temporary\n")
tn.read_until(b"<Huawei>", timeout=20)
tn.write(b"display current-configuration\n")
out = tn.read_until(b"<Huawei>", timeout=20).decode()
assert "\r\n telnet server enable\r\n" in out, out
assert "\r\nreturn\r\n<Huawei>" in out, out
tn.write(b"quit\n")
out = tn.read_all().decode()
assert "Configuration console exit" in out, out
print("OK")
`
	out, errOut, status := command(t, python, "-W", "ignore::DeprecationWarning", "-c", script, host, port)
	if status != 0 || strings.TrimSpace(out) != "OK" {
		t.Fatalf("telnetlib: status %d\n%s\n%s", status, out, errOut)
	}
}

// TestNetmikoTelnet drives the device with netmiko's huawei_telnet driver:
// login, display version, a configuration change and save.
func TestNetmikoTelnet(t *testing.T) {
	python := pythonWith(t, "netmiko")
	d, addr := newDevice(t, telnetConfig)
	host, port := hostPort(t, addr)
	script := `
import sys
from netmiko import ConnectHandler
conn = ConnectHandler(device_type="huawei_telnet", host=sys.argv[1], port=int(sys.argv[2]),
                      username="admin", password="Admin@huawei", timeout=20,
                      fast_cli=True, global_delay_factor=0.5)
out = conn.send_command("display version")
assert "VRP (R) software, Version 5.160 (AR2200 V200R007C00SPC600)" in out, out
out = conn.send_config_set(["aaa", "local-user bob password cipher Bob@12345", "local-user bob service-type telnet"])
assert "Error" not in out, out
# save asks "Are you sure to continue? (y/n)[n]:", as on the device
out = conn.save_config(confirm=True, confirm_response="y")
assert "Are you sure to continue? (y/n)[n]:" in out, out
assert "Configuration file had been saved successfully" in out, out
prompt = conn.find_prompt()
assert prompt == "<Huawei>", prompt
conn.disconnect()
print("OK")
`
	out, errOut, status := command(t, python, "-W", "ignore::DeprecationWarning", "-c", script, host, port)
	if status != 0 || strings.TrimSpace(out) != "OK" {
		t.Fatalf("netmiko: status %d\n%s\n%s", status, out, errOut)
	}
	if _, ok := d.Users().Lookup("bob"); !ok {
		t.Error("user bob was not created")
	}
}
