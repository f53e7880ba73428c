package vrp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/flash"
)

// TestCurrentConfigurationAllReplays: display current-configuration all
// (what Oxidized backs up) shows the default lines the plain display leaves
// out, and a device booted from it has the configuration of the device it
// was taken from.
func TestCurrentConfigurationAllReplays(t *testing.T) {
	fs := flash.NewMemory(flash.Options{})
	if err := fs.Mkdir("flash:/logfile"); err != nil {
		t.Fatal(err)
	}
	d := bootFrom(t, fs, "flash:/r1.cfg", strings.Replace(everyCommand, " ftp server port 2121\n", "", 1))
	plain, withDefaults := d.render(sectionAll), d.renderDefaults()
	// (the exact lines of a factory device are in the
	// current-configuration transcript)
	for _, line := range []string{" ftp server port 21\n", " ftp server max-sessions 50\n"} {
		if !strings.Contains(withDefaults, line) {
			t.Errorf("display current-configuration all has no line %q:\n%s", line, withDefaults)
		}
	}
	if strings.Contains(plain, " ftp server port 21\n") {
		t.Errorf("the plain display shows the default port:\n%s", plain)
	}
	d2 := bootFrom(t, fs, "flash:/all.cfg", withDefaults)
	if diff := cmp.Diff(plain, d2.render(sectionAll)); diff != "" {
		t.Errorf("booted from display current-configuration all (-before +after):\n%s", diff)
	}
}

// BenchmarkDisplayCurrentConfiguration: the whole configuration of a
// factory device shown in an interactive session, lines not broken (width
// 0) and broken at 80 columns (its cipher lines are longer).
func BenchmarkDisplayCurrentConfiguration(b *testing.B) {
	for _, width := range []int{0, 80} {
		b.Run(fmt.Sprintf("width=%d", width), func(b *testing.B) {
			d := newTestDevice(b, nil)
			s, err := d.OpenSession(SessionInfo{Line: LineConsole, Interactive: true, Width: width}, discardTerminal{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				s.Execute("display current-configuration | no-more")
			}
		})
	}
}
