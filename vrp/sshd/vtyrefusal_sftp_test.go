package sshd

import (
	"testing"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"
)

// TestVTYRefusalGivesNoFileService: a connection the VTY lines refuse comes
// in without a password, only to be told why (see refusedByVTY). It must get
// no SFTP subsystem and no SCP either: without the guard, a user with
// service-type sftp would get their files with no password at all.
func TestVTYRefusalGivesNoFileService(t *testing.T) {
	_, addr := sftpDevice(t, nil)
	configure(t, addr, "system-view\nuser-interface vty 0 4\nprotocol inbound telnet\nreturn")
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            "backup",
		Auth:            nil, // "none" only: no password
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		t.Fatalf("the refused connection did not come in to be told why: %v", err)
	}
	defer c.Close()
	if sc, err := sftp.NewClient(c); err == nil {
		_, statErr := sc.Getwd()
		sc.Close()
		t.Fatalf("SFTP served a connection that gave no password (Getwd: %v)", statErr)
	}
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := s.CombinedOutput("scp -f /vrpcfg.zip")
	if err == nil {
		t.Fatalf("scp -f served a connection that gave no password: %q", out)
	}
	const want = "Error: The VTY user interfaces accept only Telnet (protocol inbound telnet): SSH logins are refused.\r\n"
	if string(out) != want {
		t.Errorf("scp -f got %q, want the refusal %q", out, want)
	}
}
