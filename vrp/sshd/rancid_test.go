package sshd

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/vrp"
)

// TestRANCID runs Debian's RANCID against the device as a user sets it up:
// rancid -t vrp HOST, whose login script xilogin logs in with OpenSSH (a
// .cloginrc names the user, the password and the port; a wrapper gives ssh
// its options) and sends the vrp type's commands (display version, display
// startup, display device, display device manufacture-info, display
// transceiver verbose, display debugging, dir /all /all-filesystems,
// display current-configuration). RANCID writes HOST.new only when every
// command answered and the configuration ended; the file is compared with
// a golden copy per model, the password's cipher text masked.
func TestRANCID(t *testing.T) {
	rancid := tool(t, "/usr/lib/rancid/bin/rancid")
	tool(t, "/usr/lib/rancid/bin/xilogin")
	tool(t, "/usr/bin/expect")
	ssh := tool(t, "/usr/bin/ssh")
	for _, model := range vrp.Models() {
		t.Run(model, func(t *testing.T) { testRANCID(t, rancid, ssh, model) })
	}
}

func testRANCID(t *testing.T, rancid, ssh, model string) {
	d := newModelDevice(t, model)
	_, addr := startServer(t, d)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	wrapper := filepath.Join(dir, "ssh-wrapper")
	script := "#!/bin/sh\nexec " + ssh + " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR" +
		" -o PubkeyAuthentication=no -o IdentityAgent=none \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cloginrc := fmt.Sprintf("add user 127.0.0.1 %s\nadd password 127.0.0.1 %s\nadd method 127.0.0.1 {ssh:%s}\nadd sshcmd 127.0.0.1 {%s}\n",
		adminUser, adminPassword, portOf(t, addr), wrapper)
	if err := os.WriteFile(filepath.Join(home, ".cloginrc"), []byte(cloginrc), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, rancid, "-t", "vrp", "127.0.0.1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+home, "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) != 0 {
		t.Fatalf("rancid: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "127.0.0.1.new"))
	if err != nil {
		t.Fatalf("rancid wrote no file (a command failed or the configuration did not end): %v", err)
	}
	got := regexp.MustCompile(`irreversible-cipher \S+`).ReplaceAllString(string(data), "irreversible-cipher <cipher>")
	for _, l := range strings.Split(got, "\n") {
		if strings.Contains(l, "Error:") {
			t.Errorf("error line in RANCID's file: %q", l)
		}
	}
	golden := filepath.Join("testdata", "rancid-vrp-"+strings.ToLower(model)+".txt")
	want, err := os.ReadFile(golden)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("RANCID's file (-want +got):\n%s", diff)
	}
}
