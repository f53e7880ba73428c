package telnetd

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
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/vrp"
)

// An edit replaces old, found once, with new.
type edit struct{ old, new string }

// telnetConfigEdits turn the factory configuration into one that takes
// Telnet logins, as a user does for RANCID over Telnet.
var telnetConfigEdits = []edit{
	{" local-user admin service-type ssh terminal\n", " local-user admin service-type ssh telnet terminal\n"},
	{"#\n stelnet server enable\n", "#\n telnet server enable\n stelnet server enable\n"},
	{" protocol inbound ssh\n", " protocol inbound all\n"},
}

// rancidTelnetEdits are the only lines in which RANCID's file over Telnet
// differs from the SSH run's (vrp/sshd/testdata/rancid-vrp-MODEL.txt): the
// configuration as the device renders telnetConfigEdits (telnet server
// enable after sysname; protocol inbound all is the VTY default, not
// shown).
var rancidTelnetEdits = []edit{
	{" local-user admin service-type ssh terminal\n", " local-user admin service-type ssh telnet terminal\n"},
	{"\n#\naaa\n", "\n telnet server enable\n#\naaa\n"},
	{" protocol inbound ssh\n", ""},
}

// applyEdits applies edits to s; each must match once.
func applyEdits(t *testing.T, what, s string, edits []edit) string {
	t.Helper()
	for _, e := range edits {
		if n := strings.Count(s, e.old); n != 1 {
			t.Fatalf("%s holds %q %d times, want once", what, e.old, n)
		}
		s = strings.Replace(s, e.old, e.new, 1)
	}
	return s
}

// TestRANCIDTelnet runs Debian's RANCID against the device over Telnet:
// rancid -t vrp HOST, whose login script xilogin spawns Debian's telnet
// (telnet -K HOST PORT, as .cloginrc's "add method HOST {telnet:PORT}"
// asks), answers Username: and Password: and sends the vrp type's
// commands (the same as TestRANCID's over SSH). RANCID writes HOST.new only
// when every command answered and the configuration ended. The file must
// hold no Error: line and be the SSH run's golden file
// (vrp/sshd/testdata/rancid-vrp-MODEL.txt) with the configuration lines
// that enable Telnet (rancidTelnetEdits) and nothing else changed.
func TestRANCIDTelnet(t *testing.T) {
	rancid := tool(t, "/usr/lib/rancid/bin/rancid")
	tool(t, "/usr/lib/rancid/bin/xilogin")
	tool(t, "/usr/bin/expect")
	tool(t, "/usr/bin/telnet")
	for _, model := range vrp.Models() {
		t.Run(model, func(t *testing.T) { testRANCIDTelnet(t, rancid, model) })
	}
}

func testRANCIDTelnet(t *testing.T, rancid, model string) {
	const user, password = "admin", "Admin@huawei"
	d, addr := newModelDevice(t, model, applyEdits(t, "vrp.DefaultConfig", vrp.DefaultConfig, telnetConfigEdits))
	if _, err := d.Users().SetPassword(user, password, aaa.IrreversibleCipher); err != nil {
		t.Fatal(err)
	}
	host, port := hostPort(t, addr)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	cloginrc := fmt.Sprintf("add user %[1]s %[2]s\nadd password %[1]s %[3]s\nadd method %[1]s {telnet:%[4]s}\n", host, user, password, port)
	if err := os.WriteFile(filepath.Join(home, ".cloginrc"), []byte(cloginrc), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, rancid, "-t", "vrp", host)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+home, "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) != 0 {
		t.Fatalf("rancid: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, host+".new"))
	if err != nil {
		t.Fatalf("rancid wrote no file (a command failed or the configuration did not end): %v", err)
	}
	got := regexp.MustCompile(`irreversible-cipher \S+`).ReplaceAllString(string(data), "irreversible-cipher <cipher>")
	for _, l := range strings.Split(got, "\n") {
		if strings.Contains(l, "Error:") {
			t.Errorf("error line in RANCID's file: %q", l)
		}
	}
	golden := filepath.Join("..", "sshd", "testdata", "rancid-vrp-"+strings.ToLower(model)+".txt")
	ssh, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	want := applyEdits(t, golden, string(ssh), rancidTelnetEdits)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RANCID's file over Telnet (-want +got):\n%s", diff)
	}
}
