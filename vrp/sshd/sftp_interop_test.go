package sshd

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/flash"
)

// Interop tests of the SFTP and SCP servers with real clients: OpenSSH's
// sftp and scp (SFTP and legacy modes), paramiko's SFTPClient and lftp.

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func sha256Bytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// localFile writes n random bytes to a new file in dir.
func localFile(t *testing.T, dir, name string, n int) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, randomBytes(t, n), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sshpassArgs runs an OpenSSH program (ssh, sftp, scp) with the backup
// user's password and the tests' options.
func sshpassArgs(prog, port string, more ...string) []string {
	args := []string{"-p", backupPassword, prog}
	for _, a := range sshArgs(port, "/dev/null") {
		if prog != "ssh" && a == "-p" { // sftp and scp take the port as -P
			a = "-P"
		}
		args = append(args, a)
	}
	return append(args, more...)
}

// TestOpenSSHSFTPBatch: OpenSSH's sftp -b puts, lists, renames and gets
// back files byte for byte, and cannot reach outside the directory.
func TestOpenSSHSFTPBatch(t *testing.T) {
	sshpass := tool(t, "/usr/bin/sshpass")
	tool(t, "/usr/bin/sftp")
	d, addr := sftpDevice(t, nil)
	writeFlash(t, d.Flash(), "flash:/secret.cfg", []byte("secret"))
	dir := t.TempDir()
	src := localFile(t, dir, "r1.zip", 5<<20+3)
	batch := filepath.Join(dir, "batch")
	script := strings.Join([]string{
		"put " + src + " /r1.zip",
		"mkdir old",
		"rename r1.zip old/r1.zip",
		"ls -1 old",
		"get old/r1.zip " + filepath.Join(dir, "back.zip"),
		"-get ../secret.cfg " + filepath.Join(dir, "secret1"),
		"-get /../../secret.cfg " + filepath.Join(dir, "secret2"),
		"-symlink /../secret.cfg link",
		"pwd",
	}, "\n") + "\n"
	if err := os.WriteFile(batch, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, status := command(t, "", sshpass, sshpassArgs("sftp", portOf(t, addr), "-b", batch, "backup@127.0.0.1")...)
	if status != 0 {
		t.Fatalf("sftp -b: status %d\nstdout:\n%s\nstderr:\n%s", status, out, errOut)
	}
	if got, want := sha256File(t, filepath.Join(dir, "back.zip")), sha256File(t, src); got != want {
		t.Errorf("downloaded SHA-256 %s, want %s", got, want)
	}
	if got, want := sha256Bytes(readFlash(t, d.Flash(), "flash:/backup/old/r1.zip")), sha256File(t, src); got != want {
		t.Errorf("flash:/backup/old/r1.zip SHA-256 %s, want %s", got, want)
	}
	for _, f := range []string{"secret1", "secret2"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s: a file outside the directory was downloaded", f)
		}
	}
	if !strings.Contains(out, "sftp> ls -1 old\nold/r1.zip\n") || !strings.Contains(out, "Remote working directory: /\n") {
		t.Errorf("sftp output:\n%s", out)
	}
	if !strings.Contains(errOut, "Permission denied") {
		t.Errorf("the symlink was not refused with permission denied; stderr:\n%s", errOut)
	}
}

// TestOpenSSHSCP: scp both ways, in its default (SFTP) mode and in the
// legacy mode (-O), a file and a directory tree (-r), byte for byte.
func TestOpenSSHSCP(t *testing.T) {
	sshpass := tool(t, "/usr/bin/sshpass")
	tool(t, "/usr/bin/scp")
	d, addr := sftpDevice(t, nil)
	writeFlash(t, d.Flash(), "flash:/secret.cfg", []byte("secret"))
	port := portOf(t, addr)
	for _, mode := range []struct{ name, flag string }{{"sftp", "-s"}, {"legacy", "-O"}} {
		t.Run(mode.name, func(t *testing.T) {
			dir := t.TempDir()
			src := localFile(t, dir, "vrpcfg.zip", 2<<20+5)
			scp := func(args ...string) (string, int) {
				t.Helper()
				out, errOut, status := command(t, "", sshpass, sshpassArgs("scp", port, append([]string{mode.flag}, args...)...)...)
				return out + errOut, status
			}
			remote := "backup@127.0.0.1:"
			if out, status := scp(src, remote+mode.name+".zip"); status != 0 {
				t.Fatalf("upload: status %d: %s\n%s", status, out, strings.Join(d.Log(), "\n"))
			}
			if got, want := sha256Bytes(readFlash(t, d.Flash(), "flash:/backup/"+mode.name+".zip")), sha256File(t, src); got != want {
				t.Fatalf("uploaded SHA-256 %s, want %s", got, want)
			}
			back := filepath.Join(dir, "back.zip")
			if out, status := scp(remote+"/"+mode.name+".zip", back); status != 0 {
				t.Fatalf("download: status %d: %s", status, out)
			}
			if got, want := sha256File(t, back), sha256File(t, src); got != want {
				t.Fatalf("downloaded SHA-256 %s, want %s", got, want)
			}
			// a tree, up and down again
			tree := filepath.Join(dir, "tree")
			os.MkdirAll(filepath.Join(tree, "sub"), 0o755)
			a := localFile(t, tree, "a.cfg", 1000)
			b := localFile(t, filepath.Join(tree, "sub"), "b.cfg", 70000)
			if out, status := scp("-r", tree, remote+mode.name+"-tree"); status != 0 {
				t.Fatalf("upload -r: status %d: %s", status, out)
			}
			got := filepath.Join(dir, "got")
			if out, status := scp("-r", remote+mode.name+"-tree", got); status != 0 {
				t.Fatalf("download -r: status %d: %s", status, out)
			}
			for _, p := range []struct{ local, back string }{{a, "a.cfg"}, {b, "sub/b.cfg"}} {
				if sha256File(t, p.local) != sha256File(t, filepath.Join(got, p.back)) {
					t.Errorf("%s differs after the round trip", p.back)
				}
			}
			// confinement
			if out, status := scp(remote+"../secret.cfg", filepath.Join(dir, "secret")); status == 0 {
				t.Errorf("../secret.cfg was downloaded: %s", out)
			}
			if _, err := os.Stat(filepath.Join(dir, "secret")); err == nil {
				t.Error("a file outside the directory was downloaded")
			}
			if out, status := scp(src, remote+"../../"+mode.name+"-escape.zip"); status != 0 {
				t.Fatalf("upload to ../../: status %d: %s", status, out)
			}
			if _, err := d.Flash().Stat("flash:/" + mode.name + "-escape.zip"); err == nil {
				t.Error("an upload to ../../ left the directory")
			}
		})
	}
}

// TestParamikoBackup: the backup script of a course: log in with paramiko,
// read the startup file from display startup, fetch it with SFTPClient.
func TestParamikoBackup(t *testing.T) {
	python := tool(t, "/usr/bin/python3")
	if _, _, status := command(t, "", python, "-c", "import paramiko"); status != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-paramiko is required under CI")
		}
		t.Skip("python3-paramiko not installed")
	}
	d, addr := sftpDevice(t, nil)
	configure(t, addr, "system-view\nssh user backup service-type all\nssh user backup sftp-directory flash:")
	c := mustDial(t, addr)
	if out, status := run(t, c, "save", "y\n"); status != 0 {
		t.Fatalf("save: %s", out)
	}
	dir := t.TempDir()
	script := `
import sys, paramiko
host, port, user, password, dest = "127.0.0.1", int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
client = paramiko.SSHClient()
client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
client.connect(host, port=port, username=user, password=password,
               look_for_keys=False, allow_agent=False, timeout=20)
stdin, stdout, stderr = client.exec_command("display startup")
startup = None
for line in stdout.read().decode().splitlines():
    if "Next startup saved-configuration file" in line:
        startup = line.split()[-1]
assert startup and startup.startswith("flash:/"), startup
sftp = client.open_sftp()
sftp.get(startup[len("flash:"):], dest)
sftp.close()
client.close()
print(startup)
`
	dest := filepath.Join(dir, "vrpcfg.zip")
	out, errOut, status := command(t, "", python, "-c", script, portOf(t, addr), backupUser, backupPassword, dest)
	if status != 0 {
		t.Fatalf("paramiko: status %d\nstdout:\n%s\nstderr:\n%s", status, out, errOut)
	}
	if diff := cmp.Diff("flash:/vrpcfg.zip\n", out); diff != "" {
		t.Errorf("startup file (-want +got):\n%s", diff)
	}
	if got, want := sha256File(t, dest), sha256Bytes(readFlash(t, d.Flash(), "flash:/vrpcfg.zip")); got != want {
		t.Errorf("backup SHA-256 %s, want %s", got, want)
	}
}

// TestLFTPSFTP: lftp's sftp:// puts and gets a file byte for byte.
func TestLFTPSFTP(t *testing.T) {
	lftp := tool(t, "/usr/bin/lftp")
	tool(t, "/usr/bin/ssh")
	d, addr := sftpDevice(t, nil)
	dir := t.TempDir()
	src := localFile(t, dir, "r2.cfg", 1<<20+9)
	back := filepath.Join(dir, "back.cfg")
	script := strings.Join([]string{
		`set sftp:connect-program "ssh -a -x -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no -o LogLevel=ERROR"`,
		"set net:max-retries 1",
		"open -u backup,Backup@123 sftp://127.0.0.1:" + portOf(t, addr),
		"put " + src + " -o r2.cfg",
		"get r2.cfg -o " + back,
		"cls -1",
	}, "; ")
	out, errOut, status := command(t, "", lftp, "-c", script)
	if status != 0 {
		t.Fatalf("lftp: status %d\nstdout:\n%s\nstderr:\n%s", status, out, errOut)
	}
	if got, want := sha256File(t, back), sha256File(t, src); got != want {
		t.Errorf("downloaded SHA-256 %s, want %s", got, want)
	}
	if got, want := sha256Bytes(readFlash(t, d.Flash(), "flash:/backup/r2.cfg")), sha256File(t, src); got != want {
		t.Errorf("flash SHA-256 %s, want %s", got, want)
	}
	if diff := cmp.Diff("r2.cfg\n", out); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
	_ = flash.Root
}

// TestPythonSCP: the scp module of Python (paramiko's SCP client, which
// netmiko and Ansible use) puts and gets a file through the legacy protocol.
func TestPythonSCP(t *testing.T) {
	python := tool(t, "/usr/bin/python3")
	if _, _, status := command(t, "", python, "-c", "import scp, paramiko"); status != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-scp and python3-paramiko are required under CI")
		}
		t.Skip("python3-scp not installed")
	}
	d, addr := sftpDevice(t, nil)
	dir := t.TempDir()
	src := localFile(t, dir, "r3.cfg", 700000)
	back := filepath.Join(dir, "back.cfg")
	script := `
import sys, paramiko
from scp import SCPClient
port, user, password, src, back = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
client = paramiko.SSHClient()
client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
client.connect("127.0.0.1", port=port, username=user, password=password,
               look_for_keys=False, allow_agent=False, timeout=20)
with SCPClient(client.get_transport()) as scp:
    scp.put(src, "r3.cfg")
    scp.get("r3.cfg", back)
client.close()
print("OK")
`
	out, errOut, status := command(t, "", python, "-c", script, portOf(t, addr), backupUser, backupPassword, src, back)
	if status != 0 || out != "OK\n" {
		t.Fatalf("python scp: status %d\nstdout:\n%s\nstderr:\n%s", status, out, errOut)
	}
	if got, want := sha256Bytes(readFlash(t, d.Flash(), "flash:/backup/r3.cfg")), sha256File(t, src); got != want {
		t.Errorf("flash SHA-256 %s, want %s", got, want)
	}
	if got, want := sha256File(t, back), sha256File(t, src); got != want {
		t.Errorf("downloaded SHA-256 %s, want %s", got, want)
	}
}
