package main

import (
	"bufio"
	"context"
	"debug/elf"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/lab"
	"go.yaml.in/yaml/v3"
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

	// The instructor stops L2: health fails for L2 only.
	resp, err := httpPost(fmt.Sprintf("http://127.0.0.1:%d/devices/L2/stop", admin))
	if err != nil || resp != "L2: stopped\n" {
		t.Fatalf("stop L2: %q %v", resp, err)
	}
	hout, herr = syncBuffer{}, syncBuffer{}
	if code := run(t.Context(), []string{"--health", path}, &hout, &herr); code != 1 {
		t.Errorf("--health with L2 stopped: exit %d, want 1", code)
	}
	if want := fmt.Sprintf("127.89.1.1:%d: SSH-2.0-HUAWEI-1.5\n", ssh); hout.String() != want {
		t.Errorf("--health with L2 stopped: stdout %q, want %q", hout.String(), want)
	}
	if want := fmt.Sprintf("vrpsim: health 127.89.1.2:%d: dial tcp 127.89.1.2:%d: connect: connection refused\n", ssh, ssh); herr.String() != want {
		t.Errorf("--health with L2 stopped: stderr %q, want %q", herr.String(), want)
	}

	final := stop()
	if !strings.HasSuffix(final, "vrpsim: shutting down the lab\n") {
		t.Errorf("stdout ends %q", final[max(0, len(final)-80):])
	}
	if c, err := net.Dial("tcp", fmt.Sprintf("127.89.1.1:%d", ssh)); err == nil {
		c.Close()
		t.Error("L1 still serves after the lab stopped")
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

// TestContainerlabExample checks that every node of the containerlab example
// runs the image's lab file with its environment, and that the resulting
// device (address, startup configuration) is a valid lab.
func TestContainerlabExample(t *testing.T) {
	const topo = "../../docs/deploy/containerlab.clab.yml"
	data, err := os.ReadFile(topo)
	if err != nil {
		t.Fatal(err)
	}
	var c clabTopology
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("%s: %v", topo, err)
	}
	subnet, err := netip.ParsePrefix(c.Mgmt.Subnet)
	if err != nil {
		t.Fatalf("mgmt ipv4-subnet: %v", err)
	}
	imageLab, err := os.ReadFile("../../docs/deploy/lab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Topology.Nodes) < 2 {
		t.Fatalf("%d nodes", len(c.Topology.Nodes))
	}
	for name, n := range c.Topology.Nodes {
		or := func(a, b string) string {
			if a != "" {
				return a
			}
			return b
		}
		kind, image, cmd := or(n.Kind, c.Topology.Defaults.Kind), or(n.Image, c.Topology.Defaults.Image), or(n.Cmd, c.Topology.Defaults.Cmd)
		if kind != "linux" || image != "localhost/vrpsim:latest" || cmd != "--lab /lab/lab.yaml" {
			t.Errorf("node %s: kind %q image %q cmd %q", name, kind, image, cmd)
		}
		ip, err := netip.ParseAddr(n.IPv4)
		if err != nil || !subnet.Contains(ip) {
			t.Errorf("node %s: mgmt-ipv4 %q is not in %s", name, n.IPv4, subnet)
		}
		// Files bound into the container, by their path there.
		inside := map[string]string{}
		for _, b := range n.Binds {
			parts := strings.Split(b, ":")
			if len(parts) < 2 {
				t.Fatalf("node %s: bind %q", name, b)
			}
			host := filepath.Join(filepath.Dir(topo), parts[0])
			if _, err := os.Stat(host); err != nil {
				t.Errorf("node %s: bind %q: %v", name, b, err)
			}
			inside[parts[1]] = mustAbs(t, host)
		}
		env := map[string]string{"VRPSIM_SYSNAME": "Huawei", "VRPSIM_STARTUP": ""} // the image's ENV
		for k, v := range n.Env {
			env[k] = v
		}
		if p, ok := inside[env["VRPSIM_STARTUP"]]; ok {
			env["VRPSIM_STARTUP"] = p
		} else if env["VRPSIM_STARTUP"] != "" {
			t.Errorf("node %s: VRPSIM_STARTUP %s is not bound", name, env["VRPSIM_STARTUP"])
		}
		f, err := lab.ParseEnv("/lab/lab.yaml", imageLab, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		if err != nil {
			t.Errorf("node %s: %v", name, err)
			continue
		}
		d := f.Devices[0]
		if d.Sysname != name || d.Address != ip || d.SSHPort != 22 || d.FTPPort != 21 {
			t.Errorf("node %s runs device %+v", name, d)
		}
		if d.Startup != "" {
			if _, err := lab.Load(writeFile(t, t.TempDir(), "lab.yaml", fmt.Sprintf("devices:\n  - {sysname: %s, address: 127.0.0.1, startup: %q}\n", name, d.Startup))); err != nil {
				t.Errorf("node %s: startup configuration: %v", name, err)
			}
		}
	}
}

// TestKubernetesExample checks the StatefulSet example against the image.
func TestKubernetesExample(t *testing.T) {
	data, err := os.ReadFile("../../docs/deploy/kubernetes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Kind string `yaml:"kind"`
		Spec struct {
			Template struct {
				Spec struct {
					SecurityContext struct {
						RunAsUser int `yaml:"runAsUser"`
						Sysctls   []struct{ Name, Value string }
					} `yaml:"securityContext"`
					Containers []struct {
						Image string   `yaml:"image"`
						Args  []string `yaml:"args"`
						Env   []struct {
							Name      string `yaml:"name"`
							Value     string `yaml:"value"`
							ValueFrom struct {
								FieldRef struct {
									FieldPath string `yaml:"fieldPath"`
								} `yaml:"fieldRef"`
							} `yaml:"valueFrom"`
						} `yaml:"env"`
						ReadinessProbe struct {
							Exec struct {
								Command []string `yaml:"command"`
							} `yaml:"exec"`
						} `yaml:"readinessProbe"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	ps := doc.Spec.Template.Spec
	if doc.Kind != "StatefulSet" || len(ps.Containers) != 1 || ps.SecurityContext.RunAsUser == 0 {
		t.Fatalf("unexpected manifest %+v", doc)
	}
	if len(ps.SecurityContext.Sysctls) != 1 || ps.SecurityContext.Sysctls[0] != (struct{ Name, Value string }{"net.ipv4.ip_unprivileged_port_start", "0"}) {
		t.Errorf("sysctls %+v", ps.SecurityContext.Sysctls)
	}
	c := ps.Containers[0]
	if diff := cmp.Diff([]string{"--lab", "/lab/lab.yaml"}, c.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"/vrpsim", "--health", "/lab/lab.yaml"}, c.ReadinessProbe.Exec.Command); diff != "" {
		t.Errorf("probe (-want +got):\n%s", diff)
	}
	var address string
	for _, e := range c.Env {
		if e.Name == "VRPSIM_ADDRESS" {
			address = e.ValueFrom.FieldRef.FieldPath
		}
	}
	if address != "status.podIP" {
		t.Errorf("VRPSIM_ADDRESS comes from %q, want status.podIP", address)
	}
}

// containerfile is what the Containerfile says about running the image.
type containerfile struct {
	from, user      string
	entrypoint, cmd []string
	health          []string
	copies          []string // sources
	env             map[string]string
}

func parseContainerfile(t *testing.T, path string) containerfile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	cf := containerfile{env: map[string]string{}}
	jsonList := func(s string) []string {
		s = strings.TrimSpace(s)
		if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
			t.Fatalf("%s: %q is not an exec-form list", path, s)
		}
		var out []string
		for _, f := range strings.Split(s[1:len(s)-1], ",") {
			out = append(out, strings.Trim(strings.TrimSpace(f), `"`))
		}
		return out
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		instr, rest, _ := strings.Cut(line, " ")
		switch instr {
		case "FROM":
			cf.from = rest
		case "USER":
			cf.user = rest
		case "ENTRYPOINT":
			cf.entrypoint = jsonList(rest)
		case "CMD":
			cf.cmd = jsonList(rest)
		case "HEALTHCHECK":
			_, c, ok := strings.Cut(rest, " CMD ")
			if !ok {
				t.Fatalf("HEALTHCHECK without CMD: %q", rest)
			}
			cf.health = jsonList(c)
		case "COPY":
			f := strings.Fields(rest)
			for _, w := range f[:len(f)-1] {
				if !strings.HasPrefix(w, "--") {
					cf.copies = append(cf.copies, w)
				}
			}
		case "ENV":
			for _, kv := range strings.Fields(rest) {
				k, v, _ := strings.Cut(kv, "=")
				cf.env[k] = v
			}
		case "EXPOSE":
		default:
			t.Errorf("%s: unexpected instruction %s", path, instr)
		}
	}
	return cf
}

// TestContainerImage checks the image definition and runs what it runs: the
// binary built static as its comment says, the image's lab file and health
// check, with the environment of a container.
func TestContainerImage(t *testing.T) {
	cf := parseContainerfile(t, "../../docs/deploy/Containerfile")
	if cf.from != "scratch" {
		t.Errorf("FROM %s, want scratch (nothing to pull)", cf.from)
	}
	if cf.user == "" || strings.HasPrefix(cf.user, "0") || strings.HasPrefix(cf.user, "root") {
		t.Errorf("USER %q, want a non-root user", cf.user)
	}
	if diff := cmp.Diff([]string{"vrpsim", "lab.yaml"}, cf.copies); diff != "" {
		t.Errorf("COPY sources (-want +got):\n%s", diff)
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "vrpsim")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ef, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	libs, _ := ef.ImportedLibraries()
	interp := slices.ContainsFunc(ef.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP })
	ef.Close()
	if len(libs) > 0 || interp {
		t.Errorf("the binary is not static: libraries %v, interpreter %v", libs, interp)
	}

	// Run ENTRYPOINT+CMD with the container's environment, on loopback.
	env := append(os.Environ(), "VRPSIM_ADDRESS=127.89.2.1", "VRPSIM_SYSNAME=C1",
		"VRPSIM_STARTUP="+mustAbs(t, "../../docs/lab-configs/R2.cfg"))
	for k, v := range cf.env {
		if k != "VRPSIM_SYSNAME" && k != "VRPSIM_STARTUP" {
			env = append(env, k+"="+v)
		}
	}
	args := func(list []string) []string {
		out := slices.Clone(list[1:])
		for i, a := range out {
			if a == "/lab/lab.yaml" {
				out[i] = mustAbs(t, "../../docs/deploy/lab.yaml")
			}
		}
		return out
	}
	if cf.entrypoint[0] != "/vrpsim" || cf.health[0] != "/vrpsim" {
		t.Fatalf("ENTRYPOINT %v, HEALTHCHECK %v", cf.entrypoint, cf.health)
	}
	cmd := exec.Command(bin, args(append(cf.entrypoint, cf.cmd...))...)
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	up := make(chan string, 1)
	go func() {
		var all strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			all.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Press Ctrl+C") {
				up <- all.String()
			}
		}
		close(up)
	}()
	var out string
	select {
	case out = <-up:
	case <-time.After(20 * time.Second):
		t.Fatalf("the image's command did not come up: %s", stderr.String())
	}
	if !strings.Contains(out, "C1      running  127.89.2.1:22  127.89.2.1:21") {
		t.Errorf("the image's command printed:\n%s", out)
	}
	health := exec.Command(bin, args(cf.health)...)
	health.Env = env
	if hout, err := health.CombinedOutput(); err != nil || string(hout) != "127.89.2.1:22: SSH-2.0-HUAWEI-1.5\n" {
		t.Errorf("health check: %v %q", err, hout)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v; stderr %s", err, stderr.String())
	}
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
