package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	gossh "golang.org/x/crypto/ssh"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var sshCmdRe = regexp.MustCompile(`ssh -p (\d+) admin@127\.0\.0\.1`)

// start runs vrpsim in-process on a free port and returns the port.
func start(t *testing.T, data string, flags ...string) (port string, stop func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	args := append([]string{"--ssh", "127.0.0.1:0", "--data", data}, flags...)
	go func() { done <- run(ctx, args, &out, &errOut) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := sshCmdRe.FindStringSubmatch(out.String()); m != nil {
			return m[1], func() string {
				cancel()
				select {
				case code := <-done:
					if code != 0 {
						t.Errorf("exit code %d; stderr: %s", code, errOut.String())
					}
				case <-time.After(10 * time.Second):
					t.Error("vrpsim did not stop")
				}
				return out.String()
			}
		}
		select {
		case code := <-done:
			t.Fatalf("vrpsim exited with %d: %s%s", code, out.String(), errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("vrpsim did not print the ssh command:\n%s", out.String())
	return "", nil
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing (CI=true)", tool)
			}
			t.Skipf("%s is missing", tool)
		}
	}
}

// sshExec runs command (lines) by SSH exec; answers to the device's questions
// come from stdin, as in "echo y | ssh host save".
func sshExec(t *testing.T, port, knownHosts, password, command string, stdin ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("sshpass", "-p", password, "ssh", "-p", port,
		"-o", "StrictHostKeyChecking=accept-new", "-o", "UserKnownHostsFile="+knownHosts,
		"-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-o", "NumberOfPasswordPrompts=1",
		"-o", "HostKeyAlias=vrpsim-test",
		"admin@127.0.0.1", command)
	cmd.Stdin = strings.NewReader(strings.Join(stdin, ""))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestRunWithOpenSSH starts vrpsim as a user would, logs in with OpenSSH,
// saves the configuration, restarts on the same data directory and checks
// that the host key (known_hosts) and the saved configuration are kept.
func TestRunWithOpenSSH(t *testing.T) {
	need(t, "ssh", "sshpass")
	data := t.TempDir()
	known := filepath.Join(t.TempDir(), "known_hosts")
	port, stop := start(t, data)
	got, err := sshExec(t, port, known, "Admin@huawei", "display version | include VRP")
	if err != nil || got != "VRP (R) software, Version 5.160 (AR2200 V200R007C00SPC600)\n" {
		t.Fatalf("exec: %v %q", err, got)
	}
	if _, err := sshExec(t, port, known, "wrong", "display version"); err == nil {
		t.Fatal("a wrong password logged in")
	}
	got, err = sshExec(t, port, known, "Admin@huawei", "system-view\nsysname R7\nreturn\nsave", "y\n")
	if err != nil || !strings.Contains(got, "Configuration file had been saved successfully") {
		t.Fatalf("save: %v %q", err, got)
	}
	out := stop()
	for _, want := range []string{"Log in with user admin, password Admin@huawei:", "vrpsim: shutting down"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "flash", "vrpcfg.zip")); err != nil {
		t.Errorf("saved configuration: %v", err)
	}
	// restart: the same host key (strict checking refuses any other for the
	// alias) and the saved sysname
	port, stop = start(t, data)
	defer stop()
	known2, _ := os.ReadFile(known)
	// known_hosts names [127.0.0.1]:PORT; the port changed, so rewrite it
	entry := regexp.MustCompile(`^\[127\.0\.0\.1\]:\d+`).ReplaceAllString(string(known2), "[127.0.0.1]:"+port)
	if err := os.WriteFile(known, []byte(entry), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sshpass", "-p", "Admin@huawei", "ssh", "-p", port, "-o", "StrictHostKeyChecking=yes",
		"-o", "UserKnownHostsFile="+known, "-o", "HostKeyAlias=vrpsim-test", "-o", "LogLevel=ERROR",
		"admin@127.0.0.1", "display current-configuration | include sysname")
	b, err := cmd.CombinedOutput()
	if err != nil || string(b) != " sysname R7\n" {
		t.Fatalf("after restart: %v %q", err, b)
	}
}

// TestModelFlag: --model S5720 runs the switch (its sysname, version and
// save dialogue); an unknown model stops vrpsim with a message.
func TestModelFlag(t *testing.T) {
	need(t, "ssh", "sshpass")
	port, stop := start(t, t.TempDir(), "--model", "S5720")
	defer stop()
	known := filepath.Join(t.TempDir(), "known_hosts")
	got, err := sshExec(t, port, known, "Admin@huawei", "display version | include VRP\nsave", "y\n\n")
	want := "VRP (R) software, Version 5.170 (S5720 V200R011C10SPC500)\n" +
		"Software      Version   : VRP (R) Software, Version 5.170 (V200R011C10SPC500)\n" +
		"The current configuration will be written to the device.\n" +
		"Are you sure to continue?[Y/N]\n" +
		"Info: Please input the file name ( *.cfg, *.zip ) [vrpcfg.zip]:\n" +
		"Now saving the current configuration to the slot 0.\n" +
		"Info: Save the configuration successfully.\n"
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("exec: %v (-want +got):\n%s", err, diff)
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--ssh", "127.0.0.1:0", "--data", t.TempDir(), "--model", "NE40E"}, &out, &errOut)
	if wantErr := "vrpsim: --model: unknown device model \"NE40E\" (known: AR2220, S5720)\n"; code != 1 || errOut.String() != wantErr {
		t.Errorf("--model NE40E: exit code %d, stderr %q, want 1 and %q", code, errOut.String(), wantErr)
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &out, &errOut); code != 0 {
		t.Errorf("--help exit code %d", code)
	}
	for _, want := range []string{"-ssh ADDR:PORT", "-telnet ADDR:PORT", "-data DIR", "-sysname NAME", "-model MODEL"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, errOut.String())
		}
	}
	if code := run(context.Background(), []string{"--nope"}, &out, &errOut); code != 2 {
		t.Errorf("bad flag: exit code %d", code)
	}
}

// TestLoginHintAfterPasswordChange: the start-up message shows the initial
// password only while admin still has it; once another one is saved, it shows
// the ssh command without it.
func TestLoginHintAfterPasswordChange(t *testing.T) {
	data := t.TempDir()
	port, stop := start(t, data)
	client, err := gossh.Dial("tcp", "127.0.0.1:"+port, &gossh.ClientConfig{
		User:            "admin",
		Auth:            []gossh.AuthMethod{gossh.Password("Admin@huawei")},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	sess.Stdin = strings.NewReader("y\n")
	got, err := sess.CombinedOutput("system-view\naaa\nlocal-user admin password irreversible-cipher Changed@2026\nreturn\nsave")
	client.Close()
	if err != nil || !strings.Contains(string(got), "Configuration file had been saved successfully") {
		t.Fatalf("change and save: %v %q", err, got)
	}
	first := stop()
	port, stop = start(t, data)
	second := stop()
	hint := func(port string) string {
		return "Log in with user admin and its password:\n\n    ssh -p " + port + " admin@127.0.0.1\n\n"
	}
	if !strings.Contains(first, "Log in with user admin, password Admin@huawei:\n") {
		t.Errorf("first start: no initial password in\n%s", first)
	}
	if strings.Contains(second, "Admin@huawei") || !strings.Contains(second, hint(port)) {
		t.Errorf("start after the change, want %q without the initial password:\n%s", hint(port), second)
	}
}

// TestDamagedHostKey: an empty or truncated host key file stops the start
// with what is wrong and what to do, before the device says it is up.
func TestDamagedHostKey(t *testing.T) {
	good := t.TempDir()
	_, stop := start(t, good)
	stop()
	key, err := os.ReadFile(filepath.Join(good, "ssh_host_ed25519_key"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{"empty": nil, "truncated": key[:len(key)/2]} {
		t.Run(name, func(t *testing.T) {
			data := t.TempDir()
			path := filepath.Join(data, "ssh_host_ed25519_key")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"--ssh", "127.0.0.1:0", "--data", data}, &out, &errOut)
			want := "vrpsim: the SSH host key file " + path + " is empty or damaged (ssh: no key found): " +
				"delete it to make a new one (SSH clients will then see a new host key)\n"
			if code != 1 || out.String() != "" || errOut.String() != want {
				t.Errorf("exit code %d, stdout %q, stderr %q; want 1, nothing, %q", code, out.String(), errOut.String(), want)
			}
		})
	}
}
