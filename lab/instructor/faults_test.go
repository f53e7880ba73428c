package instructor

import (
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFaultsScript runs scripts/faults.py against R2 of a lab: it injects
// each fault over the HTTP API and sees it as a user would, with curl,
// ftplib and netmiko.
func TestFaultsScript(t *testing.T) {
	for _, tool := range []string{"curl", "/usr/bin/python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required under CI", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import netmiko").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-netmiko is required under CI")
		}
		t.Skip("python3-netmiko not installed")
	}
	ll := startLessonLab(t, "127.86.3")
	cmd := exec.Command("/usr/bin/python3", "../../scripts/faults.py", "--admin", ll.http.URL, "--device", "R2",
		"--host", ll.r2.Address.String(), "--ssh-port", strconv.Itoa(int(ll.r2.SSH.Port())), "--ftp-port", strconv.Itoa(int(ll.r2.FTP.Port())))
	cmd.Env = append(os.Environ(), "VRPSIM_INSTRUCTOR_PASSWORD="+instrPassword)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("faults.py: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr)
	}
	want := `refuse_logins: curl exit 67
refuse_logins: netmiko authentication failed
refuse_logins off: curl exit 0
slow: curl --max-time 1 exit 28
drop: at least 2 sessions ended: True
drop: ftplib 421 Service not available, closing control connection.
drop: netmiko connection closed
flash_full: curl upload exit 25
flash_full: save: Error: Failed to save the configuration file because the storage space is insufficient.
flash_full off: curl upload exit 0
save_delay: save took at least 2 s: True; saved
cut: upload before the fault, curl exit 0
cut: download curl exit 18, got less than 1 MiB: True
cut off: download curl exit 0, got 1 MiB: True
`
	if diff := cmp.Diff(want, string(out)); diff != "" {
		t.Errorf("what the user saw (-want +got):\n%s", diff)
	}
}
