package vrp

import (
	"strings"
	"testing"
)

// TestRebootBootsNextStartup: reboot ends every session and boots the next
// startup file, not the running configuration: an unsaved change is gone,
// the chosen file is what display startup shows as booted.
func TestRebootBootsNextStartup(t *testing.T) {
	d := newTestDevice(t, nil)
	c := openConsole(t, d)
	c.do("system-view")
	c.do("sysname Backup")
	c.do("return")
	c.do("save backup.zip", "y")
	c.do("system-view")
	c.do("sysname Unsaved")
	c.do("return")
	c.do("startup saved-configuration backup.zip")
	other := openConsole(t, d)
	out := c.do("reboot", "n", "y")
	if !strings.HasSuffix(out, "Info: system is rebooting ,please wait...\n") {
		t.Errorf("reboot showed %q", out)
	}
	for name, s := range map[string]*consoleSession{"rebooting": c, "other": other} {
		select {
		case <-s.s.Done():
		default:
			t.Errorf("the %s session survived the reboot", name)
		}
	}
	if got := d.Sysname(); got != "Backup" {
		t.Errorf("sysname after the reboot %q, want Backup (the startup file's)", got)
	}
	s := openConsole(t, d)
	got := s.do("display startup | include saved-configuration")
	want := "  Startup saved-configuration file:          flash:/backup.zip\n" +
		"  Next startup saved-configuration file:     flash:/backup.zip\n"
	if got != want {
		t.Errorf("display startup: %q, want %q", got, want)
	}
	// answering n to the reboot question keeps the device running
	if out := s.do("reboot", "n"); !strings.HasSuffix(out, "System will reboot! Continue ? [y/n]:n\n") {
		t.Errorf("reboot refused: %q", out)
	}
	select {
	case <-s.s.Done():
		t.Error("a refused reboot ended the session")
	default:
	}
}
