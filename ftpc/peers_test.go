package ftpc

// Real FTP servers as test peers, each started by the test on a loopback port
// with a configuration of its own:
//
//   - pyftpdlib (Debian python3-pyftpdlib, run by /usr/bin/python3), as any
//     user, with a virtual user whose home is a temporary directory;
//   - vsftpd, pure-ftpd and proftpd, unpacked (not installed: they conflict,
//     and their maintainer scripts start daemons on :21) by
//     scripts/ftp-peers.sh into $VRPSIM_PEERS_DIR (default
//     /var/cache/vrpsim-peers). They run as root (the CI case) and
//     authenticate the local user "vrpsimftp" that the script creates; the
//     test works in a temporary directory owned by that user, reached with an
//     absolute CWD after login (no chroot).
//
// A missing program or user skips the peer, or fails it when CI=true.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	peerUser     = "vrpsimftp"
	peerPassword = "vrpsim-peer-pw"
	pyUser       = "tester"
	pyPassword   = "secret-pw"
)

// peer is a running FTP server.
type peer struct {
	name string
	addr string // host:port of the control connection
	user string
	pass string
	// dir is the directory the test works in, on disk: the server's files
	// are checked there.
	dir string
	// remoteDir is the absolute path to CWD to after login; empty when the
	// login lands in dir.
	remoteDir string
}

// peerStarter starts one kind of server; host is the loopback address to
// listen on.
type peerStarter struct {
	name  string
	start func(t testing.TB, host string) *peer
}

var allPeers = []peerStarter{
	{"pyftpdlib", startPyftpdlib},
	{"vsftpd", startVsftpd},
	{"pure-ftpd", startPureFTPd},
	{"proftpd", startProFTPd},
}

// missing skips the test, or fails it when CI=true.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: a missing peer is a failure; run scripts/ftp-peers.sh)", msg)
	}
	t.Skip(msg + " (run scripts/ftp-peers.sh)")
}

func peersDir() string {
	if d := os.Getenv("VRPSIM_PEERS_DIR"); d != "" {
		return d
	}
	return "/var/cache/vrpsim-peers"
}

// peerBinary returns the unpacked binary name, skipping when unusable.
func peerBinary(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join(peersDir(), "root", "usr", "sbin", name)
	if _, err := os.Stat(path); err != nil {
		missing(t, "%s not found at %s", name, path)
	}
	if os.Geteuid() != 0 {
		missing(t, "%s runs as root in these tests, and this is uid %d", name, os.Geteuid())
	}
	return path
}

// peerWorkDir creates a directory the peer's local user can write to.
func peerWorkDir(t testing.TB) string {
	t.Helper()
	u, err := user.Lookup(peerUser)
	if err != nil {
		missing(t, "local user %s: %v", peerUser, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	dir, err := os.MkdirTemp("", "ftpc-peer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return dir
}

// freePort returns a port that was free a moment ago on host.
func freePort(t testing.TB, host string) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects a server's output for the log of a failing test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runServer starts cmd in its own process group and stops the whole group
// (servers fork per session) when the test ends.
func runServer(t testing.TB, name string, cmd *exec.Cmd) *syncBuffer {
	t.Helper()
	out := &syncBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	return out
}

// waitReady waits until addr accepts connections and sends a 220.
func waitReady(t testing.TB, name, addr string, out *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if strings.HasPrefix(line, "220") {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not start on %s; output:\n%s", name, addr, out.String())
}

const pyftpdlibScript = `
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
host, home, user, password = sys.argv[1:5]
authorizer = DummyAuthorizer()
authorizer.add_user(user, password, home, perm="elradfmwMT")
handler = FTPHandler
handler.authorizer = authorizer
handler.banner = "pyftpdlib ready."
server = FTPServer((host, 0), handler)
print(server.socket.getsockname()[1], flush=True)
server.serve_forever()
`

func startPyftpdlib(t testing.TB, host string) *peer {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import pyftpdlib").Run(); err != nil {
		missing(t, "%s with pyftpdlib (Debian python3-pyftpdlib): %v", python, err)
	}
	dir := t.TempDir()
	cmd := exec.Command(python, "-c", pyftpdlibScript, host, dir, pyUser, pyPassword)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cmd.Stderr = logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		if t.Failed() {
			t.Logf("pyftpdlib output:\n%s", logs.String())
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("pyftpdlib did not report its port: %v\n%s", err, logs.String())
	}
	return &peer{
		name: "pyftpdlib",
		addr: net.JoinHostPort(host, strings.TrimSpace(line)),
		user: pyUser, pass: pyPassword, dir: dir,
	}
}

func startVsftpd(t testing.TB, host string) *peer {
	t.Helper()
	bin := peerBinary(t, "vsftpd")
	dir := peerWorkDir(t)
	port := freePort(t, host)
	confDir := t.TempDir()
	empty := filepath.Join(confDir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`listen=YES
listen_ipv6=NO
listen_address=%s
listen_port=%d
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
ascii_upload_enable=YES
ascii_download_enable=YES
seccomp_sandbox=NO
secure_chroot_dir=%s
pam_service_name=vrpsim-ftpc-test
xferlog_enable=NO
connect_from_port_20=NO
ftpd_banner=vsftpd ready.
max_per_ip=0
`, host, port, empty)
	confPath := filepath.Join(confDir, "vsftpd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	out := runServer(t, "vsftpd", exec.Command(bin, confPath))
	waitReady(t, "vsftpd", addr, out)
	return &peer{name: "vsftpd", addr: addr, user: peerUser, pass: peerPassword, dir: dir, remoteDir: dir}
}

func startPureFTPd(t testing.TB, host string) *peer {
	t.Helper()
	bin := peerBinary(t, "pure-ftpd")
	dir := peerWorkDir(t)
	port := freePort(t, host)
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	// -S address,port; -l pam: system accounts through PAM's "other"
	// service (-l unix would refuse the user's nologin shell); -E: no
	// anonymous; -H: no DNS; -u 1: any uid but root's; -c 50 sessions.
	cmd := exec.Command(bin, "-S", host+","+strconv.Itoa(port), "-l", "pam", "-E", "-H", "-u", "1", "-c", "50", "-C", "50")
	out := runServer(t, "pure-ftpd", cmd)
	waitReady(t, "pure-ftpd", addr, out)
	return &peer{name: "pure-ftpd", addr: addr, user: peerUser, pass: peerPassword, dir: dir, remoteDir: dir}
}

func startProFTPd(t testing.TB, host string) *peer {
	t.Helper()
	bin := peerBinary(t, "proftpd")
	dir := peerWorkDir(t)
	port := freePort(t, host)
	confDir := t.TempDir()
	conf := fmt.Sprintf(`ServerName "proftpd test"
ServerType standalone
DefaultServer on
Port %d
DefaultAddress %s
SocketBindTight on
UseIPv6 off
User nobody
Group nogroup
PidFile %[3]s/proftpd.pid
ScoreboardFile %[3]s/proftpd.scoreboard
DelayTable none
DelayEngine off
WtmpLog off
UseReverseDNS off
UseFtpUsers off
RequireValidShell off
AuthOrder mod_auth_unix.c
<IfModule mod_auth_pam.c>
AuthPAM off
</IfModule>
AllowOverwrite on
AllowStoreRestart on
TransferLog none
SystemLog none
ServerIdent on "proftpd ready."
MaxInstances 50
Umask 022
`, port, host, confDir)
	confPath := filepath.Join(confDir, "proftpd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	out := runServer(t, "proftpd", exec.Command(bin, "-n", "-q", "-c", confPath))
	waitReady(t, "proftpd", addr, out)
	return &peer{name: "proftpd", addr: addr, user: peerUser, pass: peerPassword, dir: dir, remoteDir: dir}
}

// recorder is a Trace that records the dialogue.
type recorder struct {
	mu    sync.Mutex
	lines []string // "> COMMAND" for commands, "< reply line" for replies
}

func (r *recorder) trace() *Trace {
	return &Trace{
		Command: func(line string) { r.add("> " + line) },
		Reply:   func(line string) { r.add("< " + line) },
	}
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.lines = append(r.lines, s)
	r.mu.Unlock()
}

// take returns the lines recorded since the last take.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.lines
	r.lines = nil
	return l
}

// login dials p and logs in, then moves to the work directory.
func (p *peer) login(t testing.TB, opts Options) *Conn {
	t.Helper()
	ctx := context.Background()
	if opts.ReplyTimeout == 0 {
		opts.ReplyTimeout = 20 * time.Second
	}
	c, err := Dial(ctx, p.addr, opts)
	if err != nil {
		t.Fatalf("Dial %s: %v", p.addr, err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Login(ctx, p.user, p.pass); err != nil {
		t.Fatalf("Login: %v", err)
	}
	if p.remoteDir != "" {
		if _, err := c.Cwd(ctx, p.remoteDir); err != nil {
			t.Fatalf("Cwd: %v", err)
		}
	}
	return c
}
