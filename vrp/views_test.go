package vrp

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkTranscript plays a transcript (see runTranscript) on the console of
// d and compares what the user sees with it.
func checkTranscript(t *testing.T, d *Device, want string) {
	t.Helper()
	got := runTranscript(t, d, SessionInfo{Line: LineConsole, Interactive: true}, want)
	if !strings.HasSuffix(got, "\n") {
		got += "\n"
	}
	norm := func(s string) string { return cipherRe.ReplaceAllString(s, "$1<cipher>") }
	if diff := cmp.Diff(norm(want), norm(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestDisplayThisInEachView: display this shows the version line, as on the
// AR (device-reference.md 1.6), then the section of the view it is typed in;
// in an ACL's view, that ACL (it showed the global section).
func TestDisplayThisInEachView(t *testing.T) {
	d := newTestDevice(t, nil)
	checkTranscript(t, d, `<Huawei>system-view
Enter system view, return user view with Ctrl+Z.
[Huawei]acl 2001
[Huawei-acl-basic-2001]rule deny
[Huawei-acl-basic-2001]quit
[Huawei]acl 2000
[Huawei-acl-basic-2000]rule permit source 192.0.2.0 0.0.0.255
[Huawei-acl-basic-2000]rule deny
[Huawei-acl-basic-2000]display this
[V200R007C00SPC600]
#
acl number 2000
 rule 5 permit source 192.0.2.0 0.0.0.255
 rule 10 deny
#
return
[Huawei-acl-basic-2000]return
<Huawei>display this
[V200R007C00SPC600]
#
 sysname Huawei
#
 stelnet server enable
 ssh user admin
 ssh user admin authentication-type password
 ssh user admin service-type stelnet
#
return
<Huawei>system-view
Enter system view, return user view with Ctrl+Z.
[Huawei]user-interface con 0
[Huawei-ui-console0]display this
[V200R007C00SPC600]
#
user-interface con 0
#
return
[Huawei-ui-console0]^Z
<Huawei>
`)
}

// TestViewTable: every view the grammar knows is in the view table, and
// return is declared exactly in the views it leaves.
func TestViewTable(t *testing.T) {
	g, err := grammar()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range g.Reference() {
		for _, v := range r.Views {
			if v != "*" {
				viewOf(v) // panics on a view the table lacks
			}
		}
		if r.Syntax == "return" {
			if diff := cmp.Diff(returnViews(), r.Views); diff != "" {
				t.Errorf("return is declared in (-table +declared):\n%s", diff)
			}
		}
	}
	want := map[string]string{
		viewUser: "<R1>", viewSystem: "[R1]", viewAAA: "[R1-aaa]", viewVTY: "[R1-ui-vty0-4]",
		viewConsole: "[R1-ui-console0]", viewACL: "[R1-acl-basic-2000]", viewFTP: "[R1-ftp]", viewSFTP: "sftp-client>",
		viewGE: "[R1-GigabitEthernet0/0/1]", viewLoopBack: "[R1-LoopBack0]", viewNULL: "[R1-NULL0]",
		viewPeerKey: "[R1-rsa-public-key]", viewKeyCode: "[R1-ecc-key-code]",
		viewSwitchPort: "[R1-XGigabitEthernet0/0/1]",
	}
	args := map[string]string{viewGE: "GigabitEthernet0/0/1", viewLoopBack: "LoopBack0", viewNULL: "NULL0",
		viewPeerKey: "rsa", viewKeyCode: "ecc", viewSwitchPort: "XGigabitEthernet0/0/1"}
	for _, v := range viewTable {
		arg := args[v.name]
		if arg == "" {
			arg = "2000"
		}
		if got := v.promptOf("R1", arg); got != want[v.name] {
			t.Errorf("prompt of %s = %q, want %q", v.name, got, want[v.name])
		}
	}
}
