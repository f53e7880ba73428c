package vrp

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPlatformDisplaysNeedLevel1: a level-0 user (the VTY default) is
// refused the hardware displays, as on the device.
func TestPlatformDisplaysNeedLevel1(t *testing.T) {
	d := newModelDevice(t, ModelAR2220)
	term := &scriptTerminal{}
	s, err := d.OpenSession(SessionInfo{Line: LineVTY, Remote: testAddr, Protocol: "SSH"}, term)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, cmd := range []string{"display device", "display device manufacture-info", "display esn",
		"display transceiver verbose", "display debugging", "display version", "display startup"} {
		term.out.Reset()
		s.Execute(cmd)
		if got := term.out.String(); !strings.Contains(got, "Error: Unrecognized command found at '^' position.") {
			t.Errorf("%s at level 0: got %q, want the unrecognized-command error", cmd, got)
		}
	}
}

func TestLookupProfile(t *testing.T) {
	for _, name := range []string{"", "ar2220", "AR2220", "s5720"} {
		if _, err := LookupProfile(name); err != nil {
			t.Errorf("LookupProfile(%q): %v", name, err)
		}
	}
	_, err := LookupProfile("NE40E")
	if err == nil || err.Error() != `unknown device model "NE40E" (known: AR2220, S5720)` {
		t.Errorf("LookupProfile(NE40E) error = %v", err)
	}
}

// TestNAPALMFacts applies the expressions NAPALM's huawei_vrp get_facts
// applies to display version and display esn: on the S5720 they find the
// model, the release, the uptime and the serial number.
func TestNAPALMFacts(t *testing.T) {
	d := newModelDevice(t, ModelS5720)
	out := run(t, d, "display version", "display esn")
	type facts struct{ Model, OSVersion, Uptime, Serial string }
	var got facts
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "VRP (R) software") {
			if m := regexp.MustCompile(`\(S\S+\s+(?P<os_version>V\S+)\)`).FindStringSubmatch(line); m != nil {
				got.OSVersion = m[1]
			}
		}
		if strings.Contains(line, "HUAWEI") && strings.Contains(line, "uptime is") && got.Model == "" {
			got.Model = regexp.MustCompile(`S\S+`).FindString(line)
			got.Uptime = line[strings.Index(line, "uptime is"):]
		}
	}
	if m := regexp.MustCompile(`(?m)ESN\s+of\s+slot\s+\S+\s+(\S+)`).FindStringSubmatch(out); m != nil {
		got.Serial = m[1]
	}
	want := facts{Model: "S5720-28X-SI-AC", OSVersion: "V200R011C10SPC500", Uptime: "uptime is 0 week, 0 day, 0 hour, 0 minute", Serial: "021KTS10H9000137"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("facts (-want +got):\n%s\n%s", diff, out)
	}
}
