package lab

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSFTPClientDeviceToDevice: R2's SFTP client and scp against R1's SFTP
// server (issue 15): the first-time host-key dialogue, a put and a get, and
// the files byte for byte on both flashes. R1 needs the SFTP server of the
// device ("sftp server enable"); on a build without it the test is skipped.
func TestSFTPClientDeviceToDevice(t *testing.T) {
	dir := t.TempDir()
	l, _ := startLab(t, `devices:
  - sysname: R1
    address: 127.88.2.1
    ssh-port: 0
    ftp-port: 0
    startup: ftp.cfg
    flash: disk
    data: `+filepath.Join(dir, "R1")+`
  - sysname: R2
    address: 127.88.2.2
    ssh-port: 0
    ftp-port: 0
    startup: ftp.cfg
    flash: disk
    data: `+filepath.Join(dir, "R2")+`
`)
	r1, r2 := status(t, l, "R1"), status(t, l, "R2")
	c, _, err := dial(r1.SSH, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.CombinedOutput(strings.Join([]string{"system-view", "sftp server enable", "ssh user admin service-type all", "ssh user admin sftp-directory flash:"}, "\n"))
	s.Close()
	if err != nil || strings.Contains(string(out), "Error:") {
		t.Skipf("R1 has no SFTP server in this build (%v):\n%s", err, out)
	}
	data := make([]byte, 512*1024)
	rand.Read(data)
	if err := os.WriteFile(filepath.Join(dir, "R2", "flash", "r2.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(int(r1.SSH.Port()))
	// an exec session does not echo the answers
	got := executeInput(t, r2.SSH, "admin\ny\ny\n"+adminPassword+"\n"+adminPassword+"\n",
		"system-view", "ssh client first-time enable",
		"sftp 127.88.2.1 "+port, "put r2.bin backup.bin", "get backup.bin copy.bin", "quit", "return",
		"scp -port "+port+" admin@127.88.2.1:backup.bin scp.bin")
	got = regexp.MustCompile(`\b`+port+`\b`).ReplaceAllString(got, "PORT")
	want := "Enter system view, return user view with Ctrl+Z.\n" +
		"Please input the username:\nTrying 127.88.2.1 ...\nPress CTRL+K to abort\nConnected to 127.88.2.1 ...\n" +
		"The server is not authenticated. Continue to access it? [Y/N]:\nSave the server's public key? [Y/N]:\n" +
		"The server's public key will be saved with the name 127.88.2.1. Please wait...\nEnter password:\n" +
		"Local file: flash:/r2.bin --->  Remote file: /backup.bin\nUploading file successfully ended.\n" +
		"Remote file: /backup.bin --->  Local file: flash:/copy.bin\nDownloading file successfully ended.\n" +
		"Trying 127.88.2.1 ...\nPress CTRL+K to abort\nConnected to 127.88.2.1 ...\nEnter password:\n" +
		"backup.bin                  100%     524288Bytes\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("R2's session (-want +got):\n%s", diff)
	}
	for _, p := range []string{filepath.Join(dir, "R1", "flash", "backup.bin"), filepath.Join(dir, "R2", "flash", "copy.bin"), filepath.Join(dir, "R2", "flash", "scp.bin")} {
		if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, data) {
			t.Errorf("%s differs from R2's r2.bin (%v)", p, err)
		}
	}
}

// TestSFTPClientSavesRSAKey: R1 has an RSA key pair, so R2's client
// negotiates its RSA host key (the AR's kind) and the first-time dialogue
// saves it as an rsa peer-public-key block and an assignment, shown by
// display current-configuration and display ssh server-info.
func TestSFTPClientSavesRSAKey(t *testing.T) {
	l, _ := startLab(t, `devices:
  - sysname: R1
    address: 127.88.2.3
    ssh-port: 0
    ftp-port: 0
    startup: ftp.cfg
  - sysname: R2
    address: 127.88.2.4
    ssh-port: 0
    ftp-port: 0
    startup: ftp.cfg
`)
	r1, r2 := status(t, l, "R1"), status(t, l, "R2")
	out := executeInput(t, r1.SSH, "2048\n", "system-view", "rsa local-key-pair create", "sftp server enable",
		"ssh user admin service-type all", "ssh user admin sftp-directory flash:")
	if strings.Contains(out, "Error:") {
		t.Skipf("R1 cannot serve SFTP with an RSA key in this build:\n%s", out)
	}
	port := strconv.Itoa(int(r1.SSH.Port()))
	got := executeInput(t, r2.SSH, "admin\ny\ny\n"+adminPassword+"\n",
		"system-view", "ssh client first-time enable", "sftp 127.88.2.3 "+port, "quit",
		"display ssh server-info", "display current-configuration | include peer-public-key|public-key-code|assign")
	want := "Server Name(IP)          Server public key name   Server public key type\n" +
		strings.Repeat("_", 72) + "\n" +
		"127.88.2.3               127.88.2.3               RSA\n" +
		"rsa peer-public-key 127.88.2.3\n public-key-code begin\n public-key-code end\npeer-public-key end\n" +
		" ssh client 127.88.2.3 assign rsa-key 127.88.2.3\n"
	if i := strings.Index(got, "Server Name(IP)"); i < 0 || got[i:] != want {
		t.Errorf("R2's saved key:\n%s\nwant the end:\n%s", got, want)
	}
}
