package vrp

// The SSH client's saved server keys across save and reboot, against
// Debian's OpenSSH server (package sshtest).

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/sshtest"
)

// TestSFTPClientKeySurvivesReboot: the key the first-time dialogue saves
// is configuration: save writes it, and after a reboot the next connection
// asks no question. A golden transcript of the whole story.
func TestSFTPClientKeySurvivesReboot(t *testing.T) {
	srv := sshtest.Start(t, "127.0.0.1")
	d := newDeviceAt(t, "127.0.0.1")
	port := strconv.Itoa(srv.Port)
	before := sftpTranscript(t, d, srv, [][]string{
		{"system-view"},
		{"ssh client first-time enable"},
		{"sftp 127.0.0.1 " + port, srv.User, "y", "y", srv.Password},
		{"quit"},
		{"display ssh server-info"},
		{"return"},
		{"save", "y"},
	})
	block := "ed25519 peer-public-key 127.0.0.1 encoding-type der\n public-key-code begin\n" +
		codeOf(keyEd25519, srv.HostKey) + " public-key-code end\npeer-public-key end\n#\n"
	if cfg := d.render(sectionAll); !strings.Contains(cfg, block) || !strings.Contains(cfg, " ssh client 127.0.0.1 assign ed25519-key 127.0.0.1\n") {
		t.Errorf("the server's key is not in the configuration as\n%s\n%s", block, cfg)
	}
	d.Reboot()
	after := sftpTranscript(t, d, srv, [][]string{
		{"display ssh server-info"},
		{"system-view"},
		{"undo ssh client first-time enable"},
		{"sftp 127.0.0.1 " + port, srv.User, srv.Password},
		{"quit"},
	})
	checkGolden(t, "openssh-key-reboot.txt", before+"--- reboot ---\n"+after)
}

// TestSFTPClientKeyTypedByHand: a server's key typed in its block and
// assigned before the first connection is trusted without
// ssh client first-time enable.
func TestSFTPClientKeyTypedByHand(t *testing.T) {
	srv := sshtest.Start(t, "127.0.0.1")
	d := newDeviceAt(t, "127.0.0.1")
	c := openConsole(t, d)
	c.do("system-view")
	c.do("ed25519 peer-public-key lab-server encoding-type der")
	c.do("public-key-code begin")
	for _, l := range strings.Split(strings.TrimSpace(codeOf(keyEd25519, srv.HostKey)), "\n") {
		if out := c.do(l); out != "" {
			t.Fatalf("%s: %s", l, out)
		}
	}
	c.do("public-key-code end")
	c.do("peer-public-key end")
	c.do("ssh client 127.0.0.1 assign ed25519-key lab-server")
	got := normalizeSFTP(c.do("sftp 127.0.0.1 "+strconv.Itoa(srv.Port), srv.User, srv.Password), srv)
	want := "Please input the username:vrpsimftp\nTrying 127.0.0.1 ...\nPress CTRL+K to abort\nConnected to 127.0.0.1 ...\nEnter password:\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if c.s.Prompt() != "sftp-client>" {
		t.Errorf("prompt %q", c.s.Prompt())
	}
}

// TestSFTPClientTamperedKey: a configuration whose saved key is not the
// server's boots, and the server is refused with the device's mismatch
// text; with first-time access on, the user is asked and may decline.
func TestSFTPClientTamperedKey(t *testing.T) {
	srv := sshtest.Start(t, "127.0.0.1")
	d := newDeviceAt(t, "127.0.0.1")
	port := strconv.Itoa(srv.Port)
	c := openConsole(t, d)
	c.do("system-view")
	c.do("ssh client first-time enable")
	c.do("sftp 127.0.0.1 "+port, srv.User, "y", "y", srv.Password)
	c.do("quit")
	cfg := d.render(sectionAll)
	good := codeOf(keyEd25519, srv.HostKey)
	other := codeOf(keyEd25519, testKeys(t)[keyEd25519])
	if !strings.Contains(cfg, good) {
		t.Fatalf("no key code in\n%s", cfg)
	}
	tampered := strings.Replace(cfg, good, other, 1)
	tampered = strings.Replace(tampered, " ssh client first-time enable\n", "", 1)
	if err := writeConfigFile(d.fs, "flash:/tampered.cfg", tampered, testClock); err != nil {
		t.Fatal(err)
	}
	if err := d.setStartup("flash:/tampered.cfg"); err != nil {
		t.Fatal(err)
	}
	d.Reboot()
	if err := d.BootError(); err != nil {
		t.Fatalf("the tampered configuration did not boot: %v", err)
	}
	got := sftpTranscript(t, d, srv, [][]string{
		{"system-view"},
		{"sftp 127.0.0.1 " + port, srv.User},
		{"ssh client first-time enable"},
		{"sftp 127.0.0.1 " + port, srv.User, "n"},
	})
	want := `<Huawei>system-view
Enter system view, return user view with Ctrl+Z.
[Huawei]sftp 127.0.0.1 PORT
Please input the username:vrpsimftp
Trying 127.0.0.1 ...
Press CTRL+K to abort
Connected to 127.0.0.1 ...
The server's public key does not match the one cached before.
Error: Failed to verify the server's public key.
Please run the command "ssh client first-time enable" to enable the first-time access function and try again.
[Huawei]ssh client first-time enable
[Huawei]sftp 127.0.0.1 PORT
Please input the username:vrpsimftp
Trying 127.0.0.1 ...
Press CTRL+K to abort
Connected to 127.0.0.1 ...
The server's public key does not match the one cached before.
The server is not authenticated. Continue to access it? [Y/N]:n
Error: Failed to verify the server's public key.
[Huawei]
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
