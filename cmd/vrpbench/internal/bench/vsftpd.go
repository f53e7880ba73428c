package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vrpsim/vrpsim/cmd/vrpbench/internal/bench/proc"
)

// The local user scripts/ftp-peers.sh creates for vsftpd's logins (SHA-512
// crypt hash: a login costs about 20 ms, as fair as vsftpd's login gets).
const (
	peerUser     = "vrpsimftp"
	peerPassword = "vrpsim-peer-pw"
)

// vsftpdConfig is what a benchmark sets of vsftpd's configuration.
type vsftpdConfig struct {
	Host     string
	Port     int
	Root     string // local_root: the directory served, owned by peerUser
	EmptyDir string // secure_chroot_dir: empty, owned by root
	ASCII    bool   // convert LF to CRLF in ASCII mode (TYPE A), as vrpsim does
}

// String renders vsftpd.conf: listening on Host:Port only, in the
// foreground, local users (PAM's "other" service) with write access, no
// seccomp sandbox (vsftpd runs unpacked, as root), no limit of clients.
// vsftpd's listen backlog is hard-coded to 32: with 200 clients at once some
// wait for SYN retransmissions. That is part of the result, not tuned away.
func (c vsftpdConfig) String() string {
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%s=%s\n", k, v) }
	line("listen", "YES")
	line("listen_ipv6", "NO")
	line("listen_address", c.Host)
	line("listen_port", strconv.Itoa(c.Port))
	line("background", "NO")
	line("anonymous_enable", "NO")
	line("local_enable", "YES")
	line("write_enable", "YES")
	line("local_umask", "022")
	line("local_root", c.Root)
	if c.ASCII {
		line("ascii_upload_enable", "YES")
		line("ascii_download_enable", "YES")
	}
	line("seccomp_sandbox", "NO")
	line("secure_chroot_dir", c.EmptyDir)
	line("pam_service_name", "vrpsim-bench")
	line("xferlog_enable", "NO")
	line("connect_from_port_20", "NO")
	line("max_per_ip", "0")
	line("max_clients", "0")
	return b.String()
}

// parsePeersEnv reads the output of "scripts/ftp-peers.sh --env", one
// export line, and returns the directory it names.
func parsePeersEnv(out []byte) (string, error) {
	for _, l := range strings.Split(string(out), "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(l), "export VRPSIM_PEERS_DIR=")
		if !ok {
			continue
		}
		if uq, err := strconv.Unquote(strings.ReplaceAll(v, "'", `"`)); err == nil {
			v = uq
		}
		if v == "" {
			break
		}
		return v, nil
	}
	return "", fmt.Errorf("no VRPSIM_PEERS_DIR in %q", out)
}

// vsftpdBinary runs scripts/ftp-peers.sh (which unpacks Debian's vsftpd and
// creates its test user) and returns the path of vsftpd.
func (j *job) vsftpdBinary(ctx context.Context) (string, error) {
	j.logf("fetching vsftpd (scripts/ftp-peers.sh)")
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(j.repo, "scripts/ftp-peers.sh"), "--env")
	cmd.Stderr = j.stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("scripts/ftp-peers.sh: %w", err)
	}
	dir, err := parsePeersEnv(out)
	if err != nil {
		return "", fmt.Errorf("scripts/ftp-peers.sh: %w", err)
	}
	bin := filepath.Join(dir, "root/usr/sbin/vsftpd")
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("vsftpd missing: %w", err)
	}
	return bin, nil
}

// vsftpd is a running vsftpd under "vrpbench reaper".
type vsftpd struct {
	reaper   *process
	listener int // vsftpd's listening process; each session forks from it
	proc     proc.Dir
}

// startVsftpd makes root (owned by the test user) and starts vsftpd serving
// it on host:port, under the reaper in a session of its own (so that the
// terminal's Ctrl+C reaches only the benchmark, which stops it). Its output
// goes to vsftpd.log.
func (j *job) startVsftpd(ctx context.Context, bin string, cfg vsftpdConfig) (*vsftpd, error) {
	u, err := user.Lookup(peerUser)
	if err != nil {
		return nil, fmt.Errorf("vsftpd's user: %w (scripts/ftp-peers.sh creates it)", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("vsftpd's user: uid %q: %w", u.Uid, err)
	}
	if err := os.Chown(cfg.Root, uid, -1); err != nil {
		return nil, fmt.Errorf("vsftpd's root: %w", err)
	}
	if err := os.MkdirAll(cfg.EmptyDir, 0o755); err != nil {
		return nil, err
	}
	conf := j.path("vsftpd.conf")
	if err := os.WriteFile(conf, []byte(cfg.String()), 0o600); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding vrpbench for its reaper: %w", err)
	}
	logf, err := j.create("vsftpd.log")
	if err != nil {
		return nil, err
	}
	pidfile := j.path("vsftpd.pid")
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	j.logf("starting vsftpd on %s", addr)
	cmd := exec.Command(self, "reaper", pidfile, bin, conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	v := &vsftpd{proc: j.proc}
	// The stop registered by start (SIGTERM to the reaper, which passes it
	// on) comes after v.stop, which also ends the sessions.
	if v.reaper, err = j.start("vsftpd's reaper", cmd, 5*time.Second); err != nil {
		return nil, err
	}
	j.onCleanup(v.stop)
	err = poll(ctx, v.reaper, 50*time.Millisecond, 20*time.Second, "vsftpd's start", func() (bool, error) {
		b, err := os.ReadFile(pidfile)
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		v.listener, err = strconv.Atoi(string(bytes.TrimSpace(b)))
		return err == nil, err
	})
	if err == nil {
		err = waitPort(ctx, v.reaper, addr, 20*time.Second)
	}
	if err != nil {
		return nil, fmt.Errorf("vsftpd: %w\n%s", err, tail(j.path("vsftpd.log")))
	}
	return v, nil
}

// processes returns vsftpd's processes: the listener and its sessions.
func (v *vsftpd) processes() ([]int, error) {
	pids, err := v.proc.Descendants(v.reaper.pid())
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(pids, func(p int) bool { return p == v.reaper.pid() }), nil
}

// stop ends the reaper, the listener and the session processes (each
// session has a process group of its own, so it walks the tree): SIGTERM,
// up to 5 s, then SIGKILL.
func (v *vsftpd) stop() {
	if v.reaper.exited() {
		return
	}
	pids, _ := v.processes()
	pids = append(pids, v.reaper.pid())
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGTERM)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && slices.ContainsFunc(pids, alive) {
		time.Sleep(100 * time.Millisecond)
	}
	for _, p := range pids {
		if alive(p) {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
	<-v.reaper.done
}

// alive reports whether process pid exists and is not a zombie waiting for
// its parent.
func alive(pid int) bool {
	s, err := proc.New("/proc").Stat(pid)
	return err == nil && s.State != 'Z'
}

// CPUTicks is the CPU time vsftpd has used: the listener's own and that of
// the sessions it reaped, plus the session processes the reaper reaped.
// Call Settle first: no session may be running.
func (v *vsftpd) CPUTicks() (int64, error) {
	l, err := v.proc.Stat(v.listener)
	if err != nil {
		return 0, err
	}
	r, err := v.proc.Stat(v.reaper.pid())
	if err != nil {
		return 0, err
	}
	return l.OwnTicks() + l.ReapedTicks() + r.ReapedTicks(), nil
}

// Memory sums the memory of all vsftpd's processes.
func (v *vsftpd) Memory() (proc.Memory, error) {
	pids, err := v.processes()
	if err != nil {
		return proc.Memory{}, err
	}
	return v.proc.Memory(pids...)
}

// Settle waits (up to limit) until the sessions are gone and reaped, so
// that their CPU time shows in the counters.
func (v *vsftpd) Settle(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		pids, err := v.processes()
		if err != nil {
			return err
		}
		if len(pids) <= 1 {
			return nil
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

// Pin puts the listener on cpus (taskset syntax); the session processes it
// forks afterwards inherit that.
func (v *vsftpd) Pin(ctx context.Context, cpus string) error {
	if out, err := exec.CommandContext(ctx, "taskset", "-cp", cpus, strconv.Itoa(v.listener)).CombinedOutput(); err != nil {
		return fmt.Errorf("taskset could not put vsftpd on CPU(s) %s: %v %s", cpus, err, out)
	}
	return nil
}
