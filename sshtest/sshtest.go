// Package sshtest starts Debian's OpenSSH server (sshd from openssh-server)
// on a loopback port for tests, as the peer of an SSH, SFTP or SCP client
// under test.
//
// The server runs with a configuration of its own (a throwaway sshd_config
// and host key in a temporary directory), in the foreground (-D -e), as
// root, and accepts password logins of one local user only: the account
// "vrpsimftp" that scripts/ftp-peers.sh creates for the FTP peers. Its SFTP
// subsystem is sshd's internal-sftp, so the user needs no login shell; a
// session starts in a temporary directory owned by that user.
//
// A missing sshd, user or root privilege skips the test, or fails it when the
// environment variable CI is "true".
package sshtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vrpsim/vrpsim/internal/testserver"
	"golang.org/x/crypto/ssh"
)

// The account the server accepts (created by scripts/ftp-peers.sh).
const (
	User     = "vrpsimftp"
	Password = "vrpsim-peer-pw"
)

// SSHD is the path of Debian's sshd.
const SSHD = "/usr/sbin/sshd"

// Server is a running sshd.
type Server struct {
	// Addr is host:port.
	Addr string
	// Host and Port are Addr's parts.
	Host string
	Port int
	// User and Password log in.
	User, Password string
	// Dir is the directory an SFTP session starts in (its working
	// directory), on disk: owned by User.
	Dir string
	// HostKey is the server's public host key.
	HostKey ssh.PublicKey
	// UID and GID are User's numeric ids, as SFTP listings show them.
	UID, GID int

	out *testserver.Output
}

// Log returns what sshd wrote so far.
func (s *Server) Log() string { return s.out.String() }

// Missing skips the test, or fails it when CI=true.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	testserver.Missing(t, "run scripts/test.sh as root", format, args...)
}

// Start runs sshd on a free port of host (a loopback address) and stops it
// with every process it forked when the test ends.
func Start(t testing.TB, host string) *Server {
	t.Helper()
	if _, err := os.Stat(SSHD); err != nil {
		Missing(t, "sshd not found at %s (Debian package openssh-server)", SSHD)
	}
	if os.Geteuid() != 0 {
		Missing(t, "sshd authenticates passwords only as root, and this is uid %d", os.Geteuid())
	}
	u, err := user.Lookup(User)
	if err != nil {
		Missing(t, "local user %s: %v", User, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// sshd's privilege separation needs its empty directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatalf("sshtest: %v", err)
	}

	conf := t.TempDir()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(conf, "ssh_host_ed25519_key")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	hostKey, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}

	dir := testserver.UserDir(t, "sshtest-", uid, gid)

	port := testserver.FreePort(t, "tcp", host)
	config := strings.Join([]string{
		"ListenAddress " + net.JoinHostPort(host, strconv.Itoa(port)),
		"HostKey " + keyPath,
		"PidFile none",
		"UsePAM no",
		"PasswordAuthentication yes",
		"KbdInteractiveAuthentication no",
		"PubkeyAuthentication no",
		"AuthorizedKeysFile none",
		"PermitRootLogin no",
		"AllowUsers " + User,
		"StrictModes no",
		"MaxStartups 50",
		"LogLevel DEBUG1", // shows the algorithms negotiated
		"Subsystem sftp internal-sftp -d " + dir,
		"",
	}, "\n")
	confPath := filepath.Join(conf, "sshd_config")
	if err := os.WriteFile(confPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	p := testserver.Start(t, "sshd", exec.Command(SSHD, "-D", "-e", "-f", confPath))
	s := &Server{Addr: net.JoinHostPort(host, strconv.Itoa(port)), Host: host, Port: port, User: User, Password: Password,
		Dir: dir, HostKey: hostKey, UID: uid, GID: gid, out: p.Out}
	// sshd sends its version line once it listens
	testserver.WaitGreeting(t, p, "sshd", s.Addr, "SSH-2.0-")
	return s
}
