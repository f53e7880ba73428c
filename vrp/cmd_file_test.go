package vrp

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/flash"
)

// The file transcripts run on a flash whose clock is the test clock, so that
// dir shows fixed dates, seeded with the files of a lab router.
const fileTranscripts = "testdata/file-transcripts/*.txt"

// duidText is flash:/dhcp/dhcp-duid.txt of a real AR (REFERENCE.md §3.3).
const duidText = "*Huawei DHCP DUID*\n*time* 2020-07-28 10:52:54\n*version* 1\n#DUID_LL: 0003000100E0FC1463AC\n*end*\n"

func testClockFn() time.Time { return testClock }

// newFileTestFlash returns a memory flash with the test clock holding a few
// files: dhcp/dhcp-duid.txt, notes.txt (40 lines), statemach.efs (binary),
// vrpcfg.cfg and backup.cfg.
func newFileTestFlash(t testing.TB, capacity int64) flash.FS {
	t.Helper()
	fs := flash.NewMemory(flash.Options{Clock: testClockFn, Capacity: capacity})
	if err := flash.Init(fs); err != nil {
		t.Fatal(err)
	}
	var notes strings.Builder
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&notes, "note line %d\r\n", i)
	}
	bin := make([]byte, 300)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	for name, data := range map[string]string{
		"flash:/dhcp/dhcp-duid.txt": duidText,
		"flash:/notes.txt":          notes.String(),
		"flash:/statemach.efs":      string(bin),
		"flash:/vrpcfg.cfg":         "#\n sysname Huawei\n#\nreturn\n",
		"flash:/backup.cfg":         "#\n sysname R1\n#\nreturn\n",
	} {
		writeTestFile(t, fs, name, data)
	}
	return fs
}

func writeTestFile(t testing.TB, fs flash.FS, name, data string) {
	t.Helper()
	w, err := fs.Create(name, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, data); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func readTestFile(t testing.TB, fs flash.FS, name string) string {
	t.Helper()
	f, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

var vtyAdmin = SessionInfo{Line: LineVTY, User: "admin", Protocol: "SSH", Remote: testAddr, Interactive: true}

func TestFileTranscripts(t *testing.T) {
	files, err := filepath.Glob(fileTranscripts)
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			golden := string(data)
			d := newTestDevice(t, newFileTestFlash(t, 0))
			got := runTranscript(t, d, vtyAdmin, golden)
			if !strings.HasSuffix(got, "\n") {
				got += "\n"
			}
			if diff := cmp.Diff(golden, got); diff != "" {
				if os.Getenv("UPDATE_GOLDEN") != "" {
					os.WriteFile(f, []byte(got), 0o644)
				}
				t.Errorf("transcript %s (-want +got):\n%s", f, diff)
			}
		})
	}
}
