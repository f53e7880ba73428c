package sshd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp"
)

// newModelDevice is newDevice of a model.
func newModelDevice(t testing.TB, model string) *vrp.Device {
	t.Helper()
	d, err := vrp.New(vrp.Options{
		Model: model,
		Flash: flash.NewMemory(flash.Options{Clock: func() time.Time { return testClock }}),
		Now:   func() time.Time { return testClock },
		AAA:   aaa.Options{KDF: aaa.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}, Now: func() time.Time { return testClock }},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Users().SetPassword(adminUser, adminPassword, aaa.IrreversibleCipher); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestNAPALMFlow runs testdata/napalm.py with python3-netmiko against each
// model: netmiko's autodetect on the AR2220 (show version and the other vendors' commands
// refused, display version naming the platform), then what NAPALM's
// huawei_vrp driver sends for get_facts (display version, display
// current-configuration | inc sysname, display interface brief, display
// esn, and the facts its expressions find), get_config and commit_config
// (dir FILE, delete /unreserved /quiet FILE, save FILE answered y, a merge
// in system-view with VRP8's commit, save). Its output is compared with
// testdata/napalm-MODEL.txt.
func TestNAPALMFlow(t *testing.T) {
	python := tool(t, "/usr/bin/python3")
	if _, _, status := command(t, "", python, "-c", "import netmiko"); status != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-netmiko is required under CI")
		}
		t.Skip("python3-netmiko not installed")
	}
	for _, model := range vrp.Models() {
		t.Run(model, func(t *testing.T) {
			d := newModelDevice(t, model)
			_, addr := startServer(t, d)
			got, errOut, status := command(t, "", python, filepath.Join("testdata", "napalm.py"), portOf(t, addr), model)
			if status != 0 {
				t.Fatalf("napalm.py: status %d\n%s\nstderr:\n%s", status, got, errOut)
			}
			golden := filepath.Join("testdata", "napalm-"+strings.ToLower(model)+".txt")
			if os.Getenv("UPDATE_GOLDEN") != "" {
				os.WriteFile(golden, []byte(got), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("napalm.py output (-want +got):\n%s\nstderr:\n%s", diff, errOut)
			}
		})
	}
}
