package sshtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// TestStart: the server takes the user's password, pins its host key, and
// an SFTP session starts in Dir, where a file written shows up on disk.
func TestStart(t *testing.T) {
	s := Start(t, "127.0.0.1")
	c, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{User: s.User, Auth: []ssh.AuthMethod{ssh.Password(s.Password)},
		HostKeyCallback: ssh.FixedHostKey(s.HostKey)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, err := sftp.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	wd, err := sc.Getwd()
	if err != nil || wd != s.Dir {
		t.Fatalf("working directory %q, %v; want %q", wd, err, s.Dir)
	}
	f, err := sc.Create("hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("hello\n"))
	f.Close()
	b, err := os.ReadFile(filepath.Join(s.Dir, "hello.txt"))
	if err != nil || string(b) != "hello\n" {
		t.Fatalf("file on disk %q, %v", b, err)
	}
	if _, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{User: s.User, Auth: []ssh.AuthMethod{ssh.Password("wrong")},
		HostKeyCallback: ssh.FixedHostKey(s.HostKey)}); err == nil {
		t.Error("a wrong password logged in")
	}
}
