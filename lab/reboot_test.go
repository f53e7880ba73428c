package lab

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// curl runs Debian's curl against a device's FTP server.
func curl(t *testing.T, args ...string) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl is not installed (CI=true)")
		}
		t.Skip("curl is not installed")
	}
	out, err := exec.Command("curl", append([]string{"-sS", "--max-time", "30", "-u", adminUser + ":" + adminPassword}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("curl %q: %v\n%s", args, err, out)
	}
}

// TestRebootRestoresBackup is the HCIA backup/restore lab on a lab device:
// the backup is fetched with curl over FTP, the configuration changed and
// saved, the backup put back under another name, made the next startup
// file and the device rebooted. The reboot dialogue is the device's, the
// SSH and FTP sessions end, and the device comes back on the same ports
// running the backup.
func TestRebootRestoresBackup(t *testing.T) {
	l, _ := startLab(t, twoDevices)
	r1 := status(t, l, "R1")
	dir := t.TempDir()
	backup := filepath.Join(dir, "backup.zip")
	url := fmt.Sprintf("ftp://%s/", r1.FTP)

	// as in the HCIA lab, the device saves to vrpcfg.zip
	executeInput(t, r1.SSH, "y\n", "system-view", "sysname Before", "return", "save vrpcfg.zip", "startup saved-configuration vrpcfg.zip")
	curl(t, url+"vrpcfg.zip", "-o", backup)
	executeInput(t, r1.SSH, "y\n", "system-view", "sysname After", "return", "save")
	curl(t, "-T", backup, url+"r1-backup.zip")

	// sessions that the reboot must end: an FTP login and an SSH shell
	ftp := ftpLogin(t, r1.FTP)
	held, _, err := dial(r1.SSH, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	shell, err := held.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	shellIn, _ := shell.StdinPipe()
	shell.Stdout, shell.Stderr = io.Discard, io.Discard
	if err := shell.Shell(); err != nil {
		t.Fatal(err)
	}
	defer shellIn.Close()

	// (an exec channel does not echo the answers)
	got := executeInput(t, r1.SSH, "n\ny\n", "startup saved-configuration r1-backup.zip", "reboot")
	want := "Info: Succeeded in setting the configuration for booting system.\n" +
		"Info: The system is now comparing the configuration, please wait.\n" +
		"Warning: All the configuration will be saved to the next startup configuration. Continue ? [y/n]:\n" +
		"System will reboot! Continue ? [y/n]:\n" +
		"Info: system is rebooting ,please wait...\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("startup and reboot over SSH (-want +got):\n%s", diff)
	}
	if err := shell.Wait(); err == nil {
		// a session ended by the device exits without a status
		t.Log("the held shell ended cleanly")
	}
	// the FTP session ends: its connection closes (after a goodbye reply)
	ftp.c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if rest, err := io.ReadAll(ftp.r); err != nil {
		t.Errorf("the FTP session survived the reboot: %v (read %q)", err, rest)
	}

	if got := execute(t, r1.SSH, "display current-configuration | include sysname"); got != " sysname Before\n" {
		t.Errorf("after the reboot R1 runs %q, want the backup's sysname Before", got)
	}
	if got := execute(t, r1.SSH, "display startup | include saved-configuration"); got != "  Startup saved-configuration file:          flash:/r1-backup.zip\n"+
		"  Next startup saved-configuration file:     flash:/r1-backup.zip\n" {
		t.Errorf("display startup after the reboot: %q", got)
	}
	// the FTP server is back on its port, serving the same flash
	again := filepath.Join(dir, "again.zip")
	curl(t, url+"r1-backup.zip", "-o", again)
	a, _ := os.ReadFile(backup)
	b, _ := os.ReadFile(again)
	if sha256.Sum256(a) != sha256.Sum256(b) || !bytes.HasPrefix(a, []byte("PK")) {
		t.Errorf("the backup read back after the reboot differs (%d and %d bytes)", len(a), len(b))
	}
}
