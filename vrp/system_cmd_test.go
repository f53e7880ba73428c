package vrp

import (
	"testing"
	"time"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
)

// TestUndoSysname: undo sysname returns to the device's default name
// (Options.Sysname, vrpsim --sysname), not to "Huawei".
func TestUndoSysname(t *testing.T) {
	d, err := New(Options{Sysname: "R1", Flash: flash.NewMemory(flash.Options{}), Now: func() time.Time { return testClock },
		AAA: aaa.Options{KDF: cheapKDF}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	checkTranscript(t, d, `<R1>system-view
Enter system view, return user view with Ctrl+Z.
[R1]sysname Edge
[Edge]undo sysname
[R1]display this | include sysname
 sysname R1
[R1]
`)
}
