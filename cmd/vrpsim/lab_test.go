package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/lab"
)

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLabErrors checks that a bad lab file or flag gets one error and starts
// nothing.
func TestLabErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", "devices:\n  - {sysname: R1, address: 127.89.0.1, ssh-port: 0}\n")
	bad := writeFile(t, dir, "bad.yaml", "devices:\n  - sysname: R1\n    address: 127.89.0.300\n")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyAdmin := writeFile(t, dir, "admin.yaml", fmt.Sprintf("admin: %s\ndevices:\n  - {sysname: R1, address: 127.89.0.1, ssh-port: 0}\n", busy.Addr()))
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"bad address", []string{"--lab", bad}, 1, "vrpsim: " + bad + `:3: address: "127.89.0.300" is not an IP address` + "\n"},
		{"missing file", []string{"--lab", filepath.Join(dir, "none.yaml")}, 1,
			"vrpsim: " + filepath.Join(dir, "none.yaml") + ": open " + filepath.Join(dir, "none.yaml") + ": no such file or directory\n"},
		{"admin address in use", []string{"--lab", busyAdmin}, 1,
			fmt.Sprintf("vrpsim: %s:1: admin: listen tcp %s: bind: address already in use\n", busyAdmin, busy.Addr())},
		{"single-device flag", []string{"--lab", good, "--ssh", "127.0.0.1:0"}, 2, "vrpsim: --ssh does not apply to --lab: the lab file describes every device\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut syncBuffer
			code := run(t.Context(), tt.args, &out, &errOut)
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if diff := cmp.Diff(tt.stderr, errOut.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if out.String() != "" {
				t.Errorf("stdout %q, want nothing", out.String())
			}
		})
	}
}

// startLabRun runs vrpsim --lab in-process and waits until it is up.
func startLabRun(t *testing.T, path string) (stdout *syncBuffer, stop func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--lab", path}, &out, &errOut) }()
	stop = func() string {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("exit code %d; stderr: %s", code, errOut.String())
			}
		case <-time.After(15 * time.Second):
			t.Fatal("vrpsim --lab did not stop")
		}
		return out.String()
	}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(out.String(), "Press Ctrl+C") {
			return &out, stop
		}
		select {
		case code := <-done:
			t.Fatalf("vrpsim --lab exited with %d: %s%s", code, out.String(), errOut.String())
		default:
		}
	}
	stop()
	t.Fatalf("vrpsim --lab did not come up: %s", out.String())
	return nil, nil
}

func freePort(t *testing.T, addr string) int {
	t.Helper()
	l, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestLabRun starts a lab, checks what it prints and that its devices and
// its admin endpoint answer, and that a health check sees them.
func TestLabRun(t *testing.T) {
	dir := t.TempDir()
	ssh, ftp, admin := freePort(t, "127.89.1.1"), freePort(t, "127.89.1.1"), freePort(t, "127.0.0.1")
	path := writeFile(t, dir, "lab.yaml", fmt.Sprintf(`admin: 127.0.0.1:%d
defaults: {ssh-port: %d, ftp-port: %d}
devices:
  - {sysname: L1, address: 127.89.1.1, startup: %s}
  - {sysname: L2, address: 127.89.1.2}
`, admin, ssh, ftp, filepath.Join(mustAbs(t, "../../docs/lab-configs"), "R1.cfg")))
	out, stop := startLabRun(t, path)
	got := regexp.MustCompile(`up in \S+\.`).ReplaceAllString(out.String(), "up in TIME.")
	row := func(a, b, c, d, e string) string { return fmt.Sprintf("%-8s%-9s%-18s%-18s%s\n", a, b, c, d, e) }
	sshAddr := func(a string) string { return fmt.Sprintf("%s:%d", a, ssh) }
	want := fmt.Sprintf("vrpsim: lab %s: 2 devices up in TIME.\n\n", path) +
		row("DEVICE", "STATE", "SSH", "FTP", "FLASH") +
		row("L1", "running", sshAddr("127.89.1.1"), fmt.Sprintf("127.89.1.1:%d", ftp), "memory") +
		row("L2", "running", sshAddr("127.89.1.2"), "disabled", "memory") +
		fmt.Sprintf(`
Log in to a device with its startup configuration's users (admin, password Admin@huawei by default), e.g.:

    ssh -p %[1]d admin@127.89.1.1

Instructor's page (docs/instructor.md):

    http://127.0.0.1:%[2]d/

Admin endpoint:

    curl http://127.0.0.1:%[2]d/devices
    curl -X POST http://127.0.0.1:%[2]d/devices/L1/stop
    curl -X POST http://127.0.0.1:%[2]d/devices/L1/start

Press Ctrl+C to stop (nothing is saved implicitly: use save on each device).
`, ssh, admin)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}

	var hout, herr syncBuffer
	if code := run(t.Context(), []string{"--health", path}, &hout, &herr); code != 0 {
		t.Errorf("--health %s: exit %d: %s", path, code, herr.String())
	}
	wantHealth := fmt.Sprintf("127.89.1.1:%d: SSH-2.0-HUAWEI-1.5\n127.89.1.2:%d: SSH-2.0-HUAWEI-1.5\n", ssh, ssh)
	if diff := cmp.Diff(wantHealth, hout.String()); diff != "" {
		t.Errorf("--health stdout (-want +got):\n%s", diff)
	}

	// The instructor stops L2: the lab stays healthy (a stopped device is
	// the instructor's choice), and the check dials L1 only.
	resp, err := httpPost(fmt.Sprintf("http://127.0.0.1:%d/devices/L2/stop", admin))
	if err != nil || resp != "L2: stopped\n" {
		t.Fatalf("stop L2: %q %v", resp, err)
	}
	hout, herr = syncBuffer{}, syncBuffer{}
	if code := run(t.Context(), []string{"--health", path}, &hout, &herr); code != 0 {
		t.Errorf("--health with L2 stopped: exit %d, want 0; stderr %q", code, herr.String())
	}
	if want := fmt.Sprintf("127.89.1.1:%d: SSH-2.0-HUAWEI-1.5\n", ssh); hout.String() != want {
		t.Errorf("--health with L2 stopped: stdout %q, want %q", hout.String(), want)
	}

	final := stop()
	if !strings.HasSuffix(final, "vrpsim: shutting down the lab\n") {
		t.Errorf("stdout ends %q", final[max(0, len(final)-80):])
	}
	if c, err := net.Dial("tcp", fmt.Sprintf("127.89.1.1:%d", ssh)); err == nil {
		c.Close()
		t.Error("L1 still serves after the lab stopped")
	}
	// A lab that does not answer is unhealthy.
	hout, herr = syncBuffer{}, syncBuffer{}
	code := run(t.Context(), []string{"--health", path}, &hout, &herr)
	wantErr := fmt.Sprintf("vrpsim: health: admin endpoint 127.0.0.1:%[1]d: Get \"http://127.0.0.1:%[1]d/health\": dial tcp 127.0.0.1:%[1]d: connect: connection refused\n", admin)
	if code != 1 || hout.String() != "" || herr.String() != wantErr {
		t.Errorf("--health after the lab stopped: %d %q %q, want 1 \"\" %q", code, hout.String(), herr.String(), wantErr)
	}
}

func httpPost(url string) (string, error) {
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://")[:strings.Index(strings.TrimPrefix(url, "http://"), "/")])
	if err != nil {
		return "", err
	}
	defer c.Close()
	path := url[strings.Index(url[len("http://"):], "/")+len("http://"):]
	fmt.Fprintf(c, "POST %s HTTP/1.0\r\nContent-Length: 0\r\n\r\n", path)
	r := bufio.NewReader(c)
	var body strings.Builder
	inBody := false
	for {
		line, err := r.ReadString('\n')
		if inBody {
			body.WriteString(line)
		} else if line == "\r\n" {
			inBody = true
		}
		if err != nil {
			return body.String(), nil
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestHealth(t *testing.T) {
	serve := func(greeting string) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Write([]byte(greeting))
				c.Close()
			}
		}()
		return l.Addr().String()
	}
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return addr
	}()
	ok := serve("SSH-2.0-HUAWEI-1.5\r\n")
	preamble := serve("hello\r\nSSH-2.0-other\r\n")
	http := serve("HTTP/1.0 400 Bad Request\r\n\r\n")
	tests := []struct {
		target, stdout, stderr string
		code                   int
	}{
		{ok, ok + ": SSH-2.0-HUAWEI-1.5\n", "", 0},
		{preamble, preamble + ": SSH-2.0-other\n", "", 0},
		{http, "", "vrpsim: health " + http + ": closed before an SSH identification\n", 1},
		{closed, "", "vrpsim: health " + closed + ": dial tcp " + closed + ": connect: connection refused\n", 1},
		{"nowhere.yaml", "", "vrpsim: health: \"nowhere.yaml\" is neither ADDR:PORT nor a readable lab file: open nowhere.yaml: no such file or directory\n", 1},
	}
	for _, tt := range tests {
		var out, errOut syncBuffer
		code := run(t.Context(), []string{"--health", tt.target}, &out, &errOut)
		if code != tt.code || out.String() != tt.stdout || errOut.String() != tt.stderr {
			t.Errorf("--health %s: %d %q %q, want %d %q %q", tt.target, code, out.String(), errOut.String(), tt.code, tt.stdout, tt.stderr)
		}
	}
}

// TestExampleLab loads the lab example of the documentation, with its
// startup configurations booted on scratch devices.
func TestExampleLab(t *testing.T) {
	f, err := lab.Load("../../docs/lab.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Devices {
		names = append(names, d.Sysname+" "+d.SSHAddr().String())
	}
	want := []string{"R1 127.0.1.1:2222", "R2 127.0.1.2:2222", "R3 127.0.1.3:2222"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("devices (-want +got):\n%s", diff)
	}
	if n := len(f.Instructor.Checks); n != 3 || f.Instructor.PasswordHash != "" {
		t.Errorf("instructor section: %d checks, password %q; want 3 checks, no password", n, f.Instructor.PasswordHash)
	}
}

// clabTopology is the part of a containerlab topology file the example uses.
type clabTopology struct {
	Name string `yaml:"name"`
	Mgmt struct {
		Network string `yaml:"network"`
		Subnet  string `yaml:"ipv4-subnet"`
	} `yaml:"mgmt"`
	Topology struct {
		Defaults clabNode            `yaml:"defaults"`
		Nodes    map[string]clabNode `yaml:"nodes"`
	} `yaml:"topology"`
}

type clabNode struct {
	Kind  string            `yaml:"kind"`
	Image string            `yaml:"image"`
	Cmd   string            `yaml:"cmd"`
	IPv4  string            `yaml:"mgmt-ipv4"`
	Env   map[string]string `yaml:"env"`
	Binds []string          `yaml:"binds"`
}

// TestLabDocSnippets parses every YAML block of docs/lab.md.
func TestLabDocSnippets(t *testing.T) {
	data, err := os.ReadFile("../../docs/lab.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(data), "```yaml\n")[1:]
	if len(blocks) == 0 {
		t.Fatal("docs/lab.md has no yaml block")
	}
	for i, b := range blocks {
		text, _, ok := strings.Cut(b, "```")
		if !ok {
			t.Fatalf("block %d is not closed", i+1)
		}
		if _, err := lab.Parse("docs/lab.md", []byte(text)); err != nil {
			t.Errorf("yaml block %d: %v", i+1, err)
		}
	}
}
