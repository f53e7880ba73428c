// Package deploy_test checks the deployment files of docs/deploy: it builds
// the container image with Podman and runs it on the host's network, on
// loopback addresses only, and decodes the containerlab topology and the
// Kubernetes manifest strictly.
package deploy_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	gossh "golang.org/x/crypto/ssh"
)

// Passwords of docs/lab-configs.
const (
	adminPassword = "Admin@huawei"
	ftpUser       = "ftpuser"
	ftpPassword   = "Ftp@huawei123"
)

// podman runs the image under Podman as this machine needs it: runc, host
// networking only (never a bridge network), no capabilities, and ulimits
// that fit the host's.
type podman struct {
	t      *testing.T
	image  string
	prefix string // of container and volume names
}

// with is p for the subtest t.
func (p *podman) with(t *testing.T) *podman {
	q := *p
	q.t = t
	return &q
}

func (p *podman) cmd(args ...string) (string, error) {
	p.t.Helper()
	defer func(t0 time.Time) {
		p.t.Logf("%v podman %s", time.Since(t0), strings.Join(args[:min(2, len(args))], " "))
	}(time.Now())
	cmd := exec.Command("podman", append([]string{"--runtime", "runc"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (p *podman) must(args ...string) string {
	p.t.Helper()
	out, err := p.cmd(args...)
	if err != nil {
		p.t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// run starts a container named prefix-name with the environment env and the
// extra podman run arguments.
func (p *podman) run(name string, env map[string]string, extra ...string) string {
	p.t.Helper()
	full := p.prefix + "-" + name
	args := []string{"run", "-d", "--name", full, "--network", "host", "--cap-drop", "ALL",
		"--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"}
	for k, v := range env {
		args = append(args, "-e", k+"="+v)
	}
	args = append(args, extra...)
	args = append(args, p.image)
	p.t.Cleanup(func() { p.cmd("rm", "-f", "-t", "0", full) })
	p.must(args...)
	return full
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// needPodman skips the test when podman is absent, unless CI=true.
func needPodman(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("podman is not installed (scripts/test.sh installs it)")
		}
		t.Skip("podman is not installed")
	}
}

// freePort returns a port that is free on addr now.
func freePort(t *testing.T, addr string) int {
	t.Helper()
	l, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitSSH waits until an SSH server answers at addr with its identification.
func waitSSH(t *testing.T, addr string, logs func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "SSH-2.0-") {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no SSH server at %s: %v\n%s", addr, err, logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sshClient(t *testing.T, addr, user, password string) *gossh.Client {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            user,
		Auth:            []gossh.AuthMethod{gossh.Password(password)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		t.Fatalf("ssh %s@%s: %v", user, addr, err)
	}
	return c
}

// execute runs command lines on a device (answering its questions with
// input) and returns their output.
func execute(t *testing.T, addr, password, input string, lines ...string) string {
	t.Helper()
	c := sshClient(t, addr, "admin", password)
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Stdin = strings.NewReader(input)
	out, err := s.CombinedOutput(strings.Join(lines, "\n"))
	if err != nil {
		t.Fatalf("%q on %s: %v (output %q)", lines, addr, err, out)
	}
	return string(out)
}

// hostKey returns the SSH host key a server presents.
func hostKey(t *testing.T, addr string) string {
	t.Helper()
	var key string
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: "admin",
		Auth: []gossh.AuthMethod{gossh.Password(adminPassword)},
		HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			key = gossh.FingerprintSHA256(k)
			return nil
		},
		Timeout: 10 * time.Second,
	})
	if err == nil {
		c.Close()
	}
	if key == "" {
		t.Fatalf("no host key from %s: %v", addr, err)
	}
	return key
}

// retr downloads a file from an FTP server (passive mode) and returns its
// SHA-256.
func retr(t *testing.T, addr, user, password, name string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	reply := func() string {
		var all string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("FTP %s: %v (so far %q)", addr, err, all)
			}
			all += line
			if len(line) >= 4 && line[3] == ' ' {
				return strings.TrimRight(all, "\r\n")
			}
		}
	}
	cmd := func(line, want string) string {
		fmt.Fprintf(c, "%s\r\n", line)
		got := reply()
		if !strings.HasPrefix(got, want) {
			t.Fatalf("FTP %s: %q: %q, want %s", addr, line, got, want)
		}
		return got
	}
	reply()
	cmd("USER "+user, "331")
	cmd("PASS "+password, "230")
	cmd("TYPE I", "200")
	pasv := cmd("PASV", "227")
	open, close := strings.IndexByte(pasv, '('), strings.IndexByte(pasv, ')')
	f := strings.Split(pasv[open+1:close], ",")
	hi, _ := strconv.Atoi(f[4])
	lo, _ := strconv.Atoi(f[5])
	data, err := net.DialTimeout("tcp", net.JoinHostPort(strings.Join(f[:4], "."), strconv.Itoa(hi*256+lo)), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer data.Close()
	cmd("RETR "+name, "150")
	h := sha256.New()
	if _, err := io.Copy(h, data); err != nil {
		t.Fatal(err)
	}
	if got := reply(); !strings.HasPrefix(got, "226") {
		t.Fatalf("RETR %s: %q", name, got)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// shared copies files into a directory that the container's user (65532)
// can read, and returns it.
func shared(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// procStatus returns the Uid and Cap lines of a container's main process.
func procStatus(t *testing.T, p *podman, name string) string {
	t.Helper()
	pid := strings.TrimSpace(p.must("inspect", "--format", "{{.State.Pid}}", name))
	text := readFile(t, "/proc/"+pid+"/status")
	var keep []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "Uid:") || strings.HasPrefix(line, "Gid:") || strings.HasPrefix(line, "Cap") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n") + "\n"
}

// httpDo sends a request to a lab's admin endpoint and returns the answer.
func httpDo(t *testing.T, method, url string) string {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// TestImage builds the image with Podman and runs it on the host's network,
// each device on a loopback address of its own: two routers with startup
// configurations (SSH, FTP from one to the other, uid 65532 without
// capabilities, the health check, SIGTERM, save written back to the
// configuration file), a lab of 20 devices in one container, and flash that
// persists on a named volume.
func TestImage(t *testing.T) {
	needPodman(t)
	p := &podman{t: t, image: fmt.Sprintf("localhost/vrpsim-test:%d", os.Getpid()), prefix: fmt.Sprintf("vrpsim-test-%d", os.Getpid())}
	build := exec.Command("../../scripts/image.sh", "podman", "build", "--runtime", "runc", "--quiet")
	build.Env = append(os.Environ(), "IMAGE="+p.image)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("scripts/image.sh: %v\n%s", err, out)
	}
	t.Cleanup(func() { p.cmd("rmi", "-f", p.image) })

	t.Run("routers", func(t *testing.T) { testRouters(t, p.with(t)) })
	t.Run("lab", func(t *testing.T) { testLab(t, p.with(t)) })
	t.Run("volume", func(t *testing.T) { testVolume(t, p.with(t)) })
}

// testRouters runs R1 and R2 in two containers.
func testRouters(t *testing.T, p *podman) {
	cfgs := shared(t, map[string]string{
		"R1.cfg": readFile(t, "../lab-configs/R1.cfg"),
		"R2.cfg": readFile(t, "../lab-configs/R2.cfg"),
	})
	// R2's configuration file, where its saves go: owned by the device's user
	// as a containerlab user makes it.
	r2config := filepath.Join(cfgs, "r2-startup-config.cfg")
	if err := os.WriteFile(r2config, []byte(readFile(t, "../lab-configs/R2.cfg")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(r2config, 65532, 65532); err != nil {
		t.Fatal(err)
	}
	addr := map[string]string{"R1": "127.0.1.201", "R2": "127.0.1.202"}
	ssh, ftp, admin := freePort(t, addr["R1"]), freePort(t, addr["R1"]), freePort(t, addr["R1"])
	names := map[string]string{}
	for _, r := range []string{"R1", "R2"} {
		env := map[string]string{
			"VRPSIM_SYSNAME": r, "VRPSIM_ADDRESS": addr[r],
			"VRPSIM_SSH_PORT": strconv.Itoa(ssh), "VRPSIM_FTP_PORT": strconv.Itoa(ftp),
			"VRPSIM_ADMIN":   fmt.Sprintf("%s:%d", addr[r], admin),
			"VRPSIM_STARTUP": "/startup/" + r + ".cfg",
		}
		extra := []string{"-v", cfgs + ":/startup:ro"}
		if r == "R2" {
			extra = append(extra, "-v", r2config+":/config/startup-config.cfg")
		}
		names[r] = p.run(strings.ToLower(r), env, extra...)
	}
	sshAddr := func(r string) string { return fmt.Sprintf("%s:%d", addr[r], ssh) }
	for _, r := range []string{"R1", "R2"} {
		waitSSH(t, sshAddr(r), func() string { out, _ := p.cmd("logs", names[r]); return out })
	}

	// Each device is its startup configuration, on its own address.
	for _, r := range []string{"R1", "R2"} {
		got := execute(t, sshAddr(r), adminPassword, "", "display current-configuration | include sysname", "display ftp-client")
		want := fmt.Sprintf(" sysname %s\nThe source address of FTP client is %s.\n", r, addr[r])
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", r, diff)
		}
	}

	// R1's FTP client puts its configuration on R2; R2's copy is R1.cfg.
	c := sshClient(t, sshAddr("R1"), "admin", adminPassword)
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	in, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var session syncBuffer
	s.Stdout, s.Stderr = &session, &session
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(in, "ftp %s %d\n%s\n%s\nbinary\nput vrpcfg.cfg from-r1.cfg\nbye\n", addr["R2"], ftp, ftpUser, ftpPassword)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !strings.Contains(session.String(), "221"); {
		time.Sleep(20 * time.Millisecond)
	}
	in.Close()
	s.Wait()
	c.Close()
	if out := session.String(); !strings.Contains(out, "226") || !strings.Contains(out, "221") {
		t.Errorf("FTP from R1 to R2:\n%s", out)
	}
	if got, want := retr(t, fmt.Sprintf("%s:%d", addr["R2"], ftp), ftpUser, ftpPassword, "from-r1.cfg"), sha256File(t, "../lab-configs/R1.cfg"); got != want {
		t.Errorf("R2's from-r1.cfg has SHA-256 %s, R1.cfg %s", got, want)
	}

	// The device runs as uid 65532 with no capabilities.
	want := "Uid:\t65532\t65532\t65532\t65532\nGid:\t65532\t65532\t65532\t65532\n" +
		"CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000000\nCapAmb:\t0000000000000000\n"
	if diff := cmp.Diff(want, procStatus(t, p, names["R1"])); diff != "" {
		t.Errorf("R1's process (-want +got):\n%s", diff)
	}

	// Healthy; still healthy when the instructor stops the device.
	health := func(name string) string {
		out, err := p.cmd("healthcheck", "run", name)
		if err != nil {
			return fmt.Sprintf("%v: %s", err, out)
		}
		return strings.TrimSpace(p.must("inspect", "--format", "{{.State.Health.Status}}", name))
	}
	if got := health(names["R1"]); got != "healthy" {
		t.Errorf("R1's health: %s", got)
	}
	if got := httpDo(t, "POST", fmt.Sprintf("http://%s:%d/devices/R1/stop", addr["R1"], admin)); got != "R1: stopped\n" {
		t.Errorf("stop R1: %q", got)
	}
	if got := health(names["R1"]); got != "healthy" {
		t.Errorf("R1's health after the instructor stopped R1: %s", got)
	}

	// save on R2 writes its configuration file.
	execute(t, sshAddr("R2"), adminPassword, "y\n", "system-view", "sysname R2-saved", "quit", "save")
	saved := execute(t, sshAddr("R2"), adminPassword, "", "display saved-configuration")
	if diff := cmp.Diff(saved, readFile(t, r2config)); diff != "" {
		t.Errorf("R2's configuration file after save (-saved +file):\n%s", diff)
	}

	// SIGTERM stops the lab cleanly.
	for _, r := range []string{"R1", "R2"} {
		p.must("kill", "--signal", "TERM", names[r])
		if code := strings.TrimSpace(p.must("wait", names[r])); code != "0" {
			t.Errorf("%s exited with %s after SIGTERM", r, code)
		}
		if logs := p.must("logs", names[r]); !strings.HasSuffix(logs, "vrpsim: shutting down the lab\n") {
			t.Errorf("%s's output ends %q", r, logs[max(0, len(logs)-200):])
		}
	}
}

// testLab runs a lab of 20 devices in one container.
func testLab(t *testing.T, p *podman) {
	ssh, admin := freePort(t, "127.0.2.1"), freePort(t, "127.0.2.1")
	var lab strings.Builder
	fmt.Fprintf(&lab, "admin: 127.0.2.1:%d\ndefaults:\n  ssh-port: %d\n  ftp-port: %d\n  startup: /lab/admin-admin.cfg\ndevices:\n", admin, ssh, ssh+1)
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&lab, "  - {sysname: D%d, address: 127.0.2.%d}\n", i, i)
	}
	dir := shared(t, map[string]string{"lab.yaml": lab.String()})
	name := p.run("lab", nil, "-v", filepath.Join(dir, "lab.yaml")+":/lab/lab.yaml:ro")
	waitSSH(t, fmt.Sprintf("127.0.2.20:%d", ssh), func() string { out, _ := p.cmd("logs", name); return out })
	status := httpDo(t, "GET", fmt.Sprintf("http://127.0.2.1:%d/devices", admin))
	if n := strings.Count(status, " running "); n != 20 {
		t.Errorf("%d devices running:\n%s", n, status)
	}
	for _, i := range []int{1, 20} {
		got := execute(t, fmt.Sprintf("127.0.2.%d:%d", i, ssh), "admin", "", "display ftp-client")
		if want := fmt.Sprintf("The source address of FTP client is 127.0.2.%d.\n", i); got != want {
			t.Errorf("D%d: %q, want %q", i, got, want)
		}
	}
	if out, err := p.cmd("healthcheck", "run", name); err != nil {
		t.Errorf("health of the lab: %v %s", err, out)
	}
}

// testVolume keeps a disk device's flash and host key on a named volume
// across containers.
func testVolume(t *testing.T, p *podman) {
	vol := p.prefix + "-data"
	p.must("volume", "create", vol)
	t.Cleanup(func() { p.cmd("volume", "rm", "-f", vol) })
	ssh := freePort(t, "127.0.1.203")
	env := map[string]string{"VRPSIM_SYSNAME": "P1", "VRPSIM_ADDRESS": "127.0.1.203", "VRPSIM_FLASH": "disk",
		"VRPSIM_SSH_PORT": strconv.Itoa(ssh), "VRPSIM_FTP_PORT": strconv.Itoa(ssh + 1), "VRPSIM_ADMIN": ""}
	addr := fmt.Sprintf("127.0.1.203:%d", ssh)
	var key string
	for i, step := range []string{"first", "second"} {
		name := p.run("vol-"+step, env, "-v", vol+":/data")
		waitSSH(t, addr, func() string { out, _ := p.cmd("logs", name); return out })
		if i == 0 {
			key = hostKey(t, addr)
			execute(t, addr, adminPassword, "y\n", "system-view", "sysname Persisted", "quit", "save")
		} else {
			if got := hostKey(t, addr); got != key {
				t.Errorf("host key %s in the second container, %s in the first", got, key)
			}
			if got := execute(t, addr, adminPassword, "", "display current-configuration | include sysname"); got != " sysname Persisted\n" {
				t.Errorf("the second container booted %q", got)
			}
		}
		p.must("stop", "-t", "10", name)
		p.must("rm", name)
	}
}

// BenchmarkContainerReady measures how long a container of the image takes
// from "podman run" to its device's SSH identification line (Podman's own
// start included), one device with a startup configuration on a loopback
// address:
//
//	go test -run '^$' -bench ContainerReady -benchtime 5x ./docs/deploy
func BenchmarkContainerReady(b *testing.B) {
	if _, err := exec.LookPath("podman"); err != nil {
		b.Skip("podman is not installed")
	}
	image := fmt.Sprintf("localhost/vrpsim-bench:%d", os.Getpid())
	build := exec.Command("../../scripts/image.sh", "podman", "build", "--runtime", "runc", "--quiet")
	build.Env = append(os.Environ(), "IMAGE="+image)
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("scripts/image.sh: %v\n%s", err, out)
	}
	defer exec.Command("podman", "rmi", "-f", image).Run()
	l, err := net.Listen("tcp", "127.0.1.204:0")
	if err != nil {
		b.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	addr := fmt.Sprintf("127.0.1.204:%d", port)
	name := fmt.Sprintf("vrpsim-bench-%d", os.Getpid())
	b.ResetTimer()
	for range b.N {
		run := exec.Command("podman", "--runtime", "runc", "run", "-d", "--name", name, "--network", "host", "--cap-drop", "ALL",
			"--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768",
			"-e", "VRPSIM_ADDRESS=127.0.1.204", "-e", "VRPSIM_SSH_PORT="+strconv.Itoa(port), "-e", "VRPSIM_FTP_PORT="+strconv.Itoa(port+1),
			"-e", "VRPSIM_ADMIN=", "-e", "VRPSIM_STARTUP=/lab/admin-admin.cfg", image)
		if out, err := run.CombinedOutput(); err != nil {
			b.Fatalf("podman run: %v\n%s", err, out)
		}
		for {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				line, _ := bufio.NewReader(c).ReadString('\n')
				c.Close()
				if strings.HasPrefix(line, "SSH-2.0-") {
					break
				}
			}
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		if out, err := exec.Command("podman", "rm", "-f", "-t", "0", name).CombinedOutput(); err != nil {
			b.Fatalf("podman rm: %v\n%s", err, out)
		}
		b.StartTimer()
	}
}
