// Package ftptest starts real FTP servers on loopback addresses for tests, as
// peers of an FTP client under test.
//
// Four servers are known (see [Peers]):
//
//   - "pyftpdlib" (Debian python3-pyftpdlib, run by /usr/bin/python3), as any
//     user, with a virtual user whose home is a temporary directory;
//   - "vsftpd", "pure-ftpd" and "proftpd", unpacked (not installed: they
//     conflict, and their maintainer scripts start daemons on :21) by
//     scripts/ftp-peers.sh into $VRPSIM_PEERS_DIR (default
//     /var/cache/vrpsim-peers). They run as root and authenticate the local
//     user "vrpsimftp" that the script creates; the test works in a temporary
//     directory owned by that user, reached with an absolute CWD after login
//     (no chroot).
//
// [Start] runs one of them with a configuration of its own on a free port of
// the given host and stops it (with every process it forked) when the test
// ends. A missing program or user skips the test, or fails it when the
// environment variable CI is "true".
package ftptest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vrpsim/vrpsim/internal/testserver"
)

// The accounts the servers accept.
const (
	// SystemUser and SystemPassword are the local account scripts/ftp-peers.sh
	// creates, which vsftpd, pure-ftpd and proftpd authenticate.
	SystemUser     = "vrpsimftp"
	SystemPassword = "vrpsim-peer-pw"
	// PyftpdlibUser and PyftpdlibPassword are pyftpdlib's virtual user.
	PyftpdlibUser     = "tester"
	PyftpdlibPassword = "secret-pw"
)

// Peer is a running FTP server.
type Peer struct {
	// Name is the server's name as given to Start.
	Name string
	// Addr is the host:port of the control connection.
	Addr string
	// User and Password log in.
	User     string
	Password string
	// Dir is the directory the test works in, on disk: the files the server
	// stores are checked there.
	Dir string
	// RemoteDir is the absolute path to CWD to after login; empty when the
	// login lands in Dir.
	RemoteDir string
	// Banner is a piece of the server's 220 greeting.
	Banner string
}

// Port returns the port of p's control connection.
func (p *Peer) Port() int {
	_, port, err := net.SplitHostPort(p.Addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(port)
	return n
}

// starters maps a server's name to the function that starts it on host.
func starters() map[string]func(t testing.TB, host string) *Peer {
	return map[string]func(t testing.TB, host string) *Peer{
		"pyftpdlib": startPyftpdlib,
		"vsftpd":    startVsftpd,
		"pure-ftpd": startPureFTPd,
		"proftpd":   startProFTPd,
	}
}

// Peers returns the names of the servers Start knows, in a fixed order.
func Peers() []string {
	return []string{"pyftpdlib", "vsftpd", "pure-ftpd", "proftpd"}
}

// Start starts the server called name (one of [Peers]) listening on host, a
// loopback address such as "127.0.0.1" or "::1", and stops it when t ends.
// It returns once the server greets with a 220 reply. When the server cannot
// run here (program, user or root privileges missing) Start skips t, or
// fails it when CI=true; the server's output is logged when t fails.
func Start(t testing.TB, name, host string) *Peer {
	t.Helper()
	start, ok := starters()[name]
	if !ok {
		t.Fatalf("ftptest: unknown server %q (known: %s)", name, strings.Join(Peers(), ", "))
	}
	return start(t, host)
}

// missing skips the test, or fails it when CI=true.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	testserver.Missing(t, "run scripts/ftp-peers.sh", format, args...)
}

func peersDir() string {
	if d := os.Getenv("VRPSIM_PEERS_DIR"); d != "" {
		return d
	}
	return "/var/cache/vrpsim-peers"
}

// peerBinary returns the path of an unpacked server, skipping when unusable.
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

// systemWorkDir creates a directory SystemUser can write to.
func systemWorkDir(t testing.TB) string {
	t.Helper()
	u, err := user.Lookup(SystemUser)
	if err != nil {
		missing(t, "local user %s: %v", SystemUser, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return testserver.UserDir(t, "ftptest-peer-", uid, gid)
}

// writeConfig writes a server's configuration file into dir.
func writeConfig(t testing.TB, dir, name, conf string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
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

func startPyftpdlib(t testing.TB, host string) *Peer {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import pyftpdlib").Run(); err != nil {
		missing(t, "%s with pyftpdlib (Debian python3-pyftpdlib): %v", python, err)
	}
	dir := t.TempDir()
	cmd := exec.Command(python, "-c", pyftpdlibScript, host, dir, PyftpdlibUser, PyftpdlibPassword)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := testserver.Start(t, "pyftpdlib", cmd).Out
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("pyftpdlib did not report its port: %v\n%s", err, logs.String())
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("pyftpdlib port %q: %v", line, err)
	}
	return &Peer{
		Name: "pyftpdlib", Addr: net.JoinHostPort(host, strconv.Itoa(port)),
		User: PyftpdlibUser, Password: PyftpdlibPassword, Dir: dir,
		Banner: "220 pyftpdlib ready.",
	}
}

// startSystem starts the unpacked server name (see scripts/ftp-peers.sh),
// which authenticates SystemUser, on a free port of host; args returns the
// server's arguments for that port and a configuration directory of its own.
// banner is a piece of the server's 220 greeting.
func startSystem(t testing.TB, name, host, banner string, args func(port int, confDir string) []string) *Peer {
	t.Helper()
	bin := peerBinary(t, name)
	dir := systemWorkDir(t)
	port := testserver.FreePort(t, "tcp", host)
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	p := testserver.Start(t, name, exec.Command(bin, args(port, t.TempDir())...))
	testserver.WaitGreeting(t, p, name, addr, "220")
	return &Peer{
		Name: name, Addr: addr, User: SystemUser, Password: SystemPassword,
		Dir: dir, RemoteDir: dir, Banner: banner,
	}
}

func startVsftpd(t testing.TB, host string) *Peer {
	t.Helper()
	return startSystem(t, "vsftpd", host, "220 vsftpd ready.", func(port int, confDir string) []string {
		empty := filepath.Join(confDir, "empty")
		if err := os.Mkdir(empty, 0o755); err != nil {
			t.Fatal(err)
		}
		// pam_service_name names no file of /etc/pam.d: PAM's "other"
		// service authenticates.
		return []string{writeConfig(t, confDir, "vsftpd.conf", fmt.Sprintf(`listen=YES
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
pam_service_name=vrpsim-ftptest
xferlog_enable=NO
connect_from_port_20=NO
ftpd_banner=vsftpd ready.
max_per_ip=0
`, host, port, empty))}
	})
}

func startPureFTPd(t testing.TB, host string) *Peer {
	t.Helper()
	return startSystem(t, "pure-ftpd", host, "Welcome to Pure-FTPd", func(port int, _ string) []string {
		// -S address,port; -l pam: system accounts through PAM's "other"
		// service (-l unix would refuse the user's nologin shell); -E: no
		// anonymous; -H: no DNS; -u 1: any uid but root's; -c 50 sessions.
		return []string{"-S", host + "," + strconv.Itoa(port), "-l", "pam", "-E", "-H", "-u", "1", "-c", "50", "-C", "50"}
	})
}

func startProFTPd(t testing.TB, host string) *Peer {
	t.Helper()
	return startSystem(t, "proftpd", host, "220 proftpd ready.", func(port int, confDir string) []string {
		return []string{"-n", "-q", "-c", writeConfig(t, confDir, "proftpd.conf", fmt.Sprintf(`ServerName "proftpd test"
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
`, port, host, confDir))}
	})
}
