package deploy_test

import (
	"bufio"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// containerfile is what the Containerfile says about building and running
// the image.
type containerfile struct {
	from, user      string
	entrypoint, cmd []string
	health          []string
	copies          []string // sources
	copyFlags       []string
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
				if strings.HasPrefix(w, "--") {
					cf.copyFlags = append(cf.copyFlags, w)
				} else {
					cf.copies = append(cf.copies, w)
				}
			}
		case "ENV":
			for _, kv := range strings.Fields(rest) {
				k, v, _ := strings.Cut(kv, "=")
				cf.env[k] = v
			}
		case "EXPOSE", "WORKDIR":
		default:
			t.Errorf("%s: unexpected instruction %s", path, instr)
		}
	}
	return cf
}

// TestContainerImage checks the image definition against what every builder
// accepts, and runs what it runs without a container: the binary built
// static as scripts/image.sh builds it, the image's lab file and health
// check, with the image's environment and a loopback address.
func TestContainerImage(t *testing.T) {
	cf := parseContainerfile(t, "Containerfile")
	if cf.from != "scratch" {
		t.Errorf("FROM %s, want scratch (nothing to pull)", cf.from)
	}
	if cf.user != "65532:65532" {
		t.Errorf("USER %q, want 65532:65532", cf.user)
	}
	if diff := cmp.Diff([]string{"vrpsim", "lab.yaml", "admin-admin.cfg", "rootfs/"}, cf.copies); diff != "" {
		t.Errorf("COPY sources (-want +got):\n%s", diff)
	}
	// COPY --chmod is BuildKit's only: the classic builder refuses it.
	if diff := cmp.Diff([]string{"--chown=65532:65532"}, cf.copyFlags); diff != "" {
		t.Errorf("COPY flags (-want +got):\n%s", diff)
	}
	wantEnv := map[string]string{"VRPSIM_SYSNAME": "Huawei", "VRPSIM_ADDRESS": "", "VRPSIM_LISTEN": "",
		"VRPSIM_SSH_PORT": "2222", "VRPSIM_FTP_PORT": "2121", "VRPSIM_FLASH": "memory", "VRPSIM_STARTUP": "",
		"VRPSIM_CONFIG": "/config/startup-config.cfg", "VRPSIM_ADMIN": "127.0.0.1:9022", "VRPSIM_MODEL": "AR2220"}
	if diff := cmp.Diff(wantEnv, cf.env); diff != "" {
		t.Errorf("ENV (-want +got):\n%s", diff)
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "vrpsim")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "../../cmd/vrpsim")
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

	// Run ENTRYPOINT+CMD with the image's environment, then the container's
	// (a loopback address, free ports).
	const addr = "127.89.2.1"
	ssh, admin := freePort(t, addr), freePort(t, addr)
	env := os.Environ()
	for k, v := range cf.env {
		env = append(env, k+"="+v)
	}
	env = append(env, "VRPSIM_ADDRESS="+addr, "VRPSIM_SYSNAME=C1", "VRPSIM_SSH_PORT="+fmt.Sprint(ssh), "VRPSIM_FTP_PORT="+fmt.Sprint(ssh+1),
		"VRPSIM_ADMIN="+fmt.Sprintf("%s:%d", addr, admin), "VRPSIM_CONFIG="+filepath.Join(dir, "startup-config.cfg"),
		"VRPSIM_STARTUP="+mustAbs(t, "../lab-configs/R2.cfg"))
	args := func(list []string) []string {
		out := slices.Clone(list[1:])
		for i, a := range out {
			if a == "/lab/lab.yaml" {
				out[i] = mustAbs(t, "lab.yaml")
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
	if want := fmt.Sprintf("C1      running  %s:%d  %s:%d  memory", addr, ssh, addr, ssh+1); !strings.Contains(out, want) {
		t.Errorf("the image's command printed:\n%s\nwant a line %q", out, want)
	}
	health := exec.Command(bin, args(cf.health)...)
	health.Env = env
	if hout, err := health.CombinedOutput(); err != nil || string(hout) != fmt.Sprintf("%s:%d: SSH-2.0-HUAWEI-1.5\n", addr, ssh) {
		t.Errorf("health check: %v %q", err, hout)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v; stderr %s", err, stderr.String())
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
