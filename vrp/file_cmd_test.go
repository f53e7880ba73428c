package vrp

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/flash"
)

// The file transcripts run on a flash whose clock is the test clock, so that
// dir shows fixed dates, seeded with the files of a lab router.
const fileTranscripts = "testdata/file-transcripts/*.txt"

// duidText is flash:/dhcp/dhcp-duid.txt of a real AR (docs/device-reference.md §3.3).
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

// TestFileErrors runs short transcripts on flashes of given sizes: the
// device's answers when the flash is full.
func TestFileErrors(t *testing.T) {
	tests := []struct {
		name     string
		capacity int64
		fill     int // bytes of a file that takes the free space
		golden   string
	}{
		{
			name: "copy-no-space", capacity: 4096, fill: 3500,
			golden: "<Huawei>copy notes.txt n2.txt\n" +
				"Copy flash:/notes.txt to flash:/n2.txt? (y/n)[n]:y\n" +
				"Error: The space of the flash is insufficient.\n" +
				"<Huawei>dir n2.txt\n" +
				"Info: File can't be found in the directory\n",
		},
		{
			name: "dir-totals", capacity: 5 * 1024 * 1024, fill: 1024 * 1024,
			golden: "<Huawei>dir *.bin\n" +
				"Directory of flash:/*.bin\n" +
				"\n" +
				"  Idx  Attr     Size(Byte)  Date        Time(LMT)  FileName \n" +
				"    0  -rw-      1,048,576  Nov 24 2026 10:30:00   fill.bin\n" +
				"\n" +
				"5,120 KB total (4,094 KB free)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFileTestFlash(t, tt.capacity)
			_, free := fs.Usage()
			size := int64(tt.fill)
			if size > free {
				size = free
			}
			writeTestFile(t, fs, "flash:/fill.bin", strings.Repeat("x", int(size)))
			d := newTestDevice(t, fs)
			got := runTranscript(t, d, vtyAdmin, tt.golden)
			if diff := cmp.Diff(tt.golden, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestFirstStart: a device on an empty flash creates the directories of a
// fresh router and starts its log file, on both backends.
func TestFirstStart(t *testing.T) {
	disk, err := flash.NewDisk(t.TempDir(), flash.Options{Clock: testClockFn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { disk.(io.Closer).Close() })
	for name, fs := range map[string]flash.FS{
		"memory": flash.NewMemory(flash.Options{Clock: testClockFn}),
		"disk":   disk,
	} {
		t.Run(name, func(t *testing.T) {
			d := newTestDevice(t, fs)
			golden := "<Huawei>dir\n" +
				"Directory of flash:/\n" +
				"\n" +
				dirHeader +
				"    0  -rw-             84  Nov 24 2026 10:30:00   ar2220E-V200R007C00SPC600.cc\n" +
				"    1  drw-              -  Nov 24 2026 10:30:00   dhcp\n" +
				"    2  drw-              -  Nov 24 2026 10:30:00   logfile\n" +
				"\n" +
				"1,090,732 KB total (1,090,731 KB free)\n" +
				"<Huawei>more dhcp/dhcp-duid.txt\n" +
				"*Huawei DHCP DUID*\n" +
				"*time* 2026-11-24 10:30:00\n" +
				"*version* 1\n" +
				"#DUID_LL: 0003000100E0FC000001\n" +
				"*end*\n" +
				"<Huawei>dir logfile\n" +
				"Directory of flash:/logfile/\n" +
				"\n" +
				"  Idx  Attr     Size(Byte)  Date        Time(LMT)  FileName \n" +
				"    0  -rw-            139  Nov 24 2026 10:30:00   log.log\n" +
				"\n" +
				"1,090,732 KB total (1,090,731 KB free)\n"
			got := runTranscript(t, d, vtyAdmin, golden)
			if diff := cmp.Diff(golden, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			want := "Nov 24 2026 10:30:00 Huawei %%01SHELL/5/LOGIN(l)[0]:The user succeeded in logging in to VTY0. (UserType=SSH, UserName=admin, Ip=127.0.0.1)\n" +
				"Nov 24 2026 10:30:00 Huawei %%01SHELL/5/LOGOUT(l)[0]:The user succeeded in logging out of VTY0. (UserType=SSH, UserName=admin, Ip=127.0.0.1)\n"
			if diff := cmp.Diff(want, readTestFile(t, fs, logFilePath)); diff != "" {
				t.Errorf("log.log (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMatchWild(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "", true},
		{"*", "a.txt", true},
		{"*.txt", "a.txt", true},
		{"*.txt", "A.TXT", true},
		{"*.txt", "a.txt.bak", false},
		{"a*", "a", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"*b*", "abc", true},
		{"**", "x", true},
		{"vrp*.zip", "vrpcfg.zip", true},
		{"vrp*.zip", "vrpcfg.cfg", false},
		{"é*", "É.txt", true},
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"*a", "banana", true},
		{"*an*a", "banana", true},
		{"*x*", "banana", false},
	}
	for _, tt := range tests {
		if got := matchWild(tt.pattern, tt.name); got != tt.want {
			t.Errorf("matchWild(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func FuzzMatchWild(f *testing.F) {
	f.Add("a*b", "aXXb")
	f.Add("*.txt", "x.TXT")
	f.Fuzz(func(t *testing.T, pattern, name string) {
		got := matchWild(pattern, name)
		if !strings.Contains(pattern, "*") {
			if want := strings.ToLower(pattern) == strings.ToLower(name); got != want {
				t.Errorf("matchWild(%q, %q) = %v without wildcards", pattern, name, got)
			}
		}
		if !matchWild("*", name) {
			t.Errorf("* does not match %q", name)
		}
		if !utf8.ValidString(name) || !utf8.ValidString(pattern) {
			return
		}
		if !matchWild(name, name) || !matchWild(name+"*", name+pattern) || !matchWild("*"+name, pattern+name) {
			t.Errorf("%q with a * before or after does not match itself (%q)", name, pattern)
		}
	})
}

func TestCommas(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 121802: "121,802", 1090732: "1,090,732", 1234567890: "1,234,567,890", -1234: "-1,234"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSplitPattern(t *testing.T) {
	tests := []struct {
		cwd, arg     string
		dir, pattern string
		err          string
	}{
		{"flash:/", "*.txt", "flash:/", "*.txt", ""},
		{"flash:/dhcp", "*.txt", "flash:/dhcp", "*.txt", ""},
		{"flash:/dhcp", "a.txt", "flash:/dhcp/a.txt", "", ""},
		{"flash:/dhcp", "/a.txt", "flash:/a.txt", "", ""},
		{"flash:/dhcp", "flash:*", "flash:/", "*", ""},
		{"flash:/dhcp", "FLASH:/log*/x*", "", "", msgPatternInDir},
		{"flash:/dhcp", "../*.cfg", "flash:/", "*.cfg", ""},
		{"flash:/", "logfile/log*", "flash:/logfile", "log*", ""},
		{"flash:/", "a*/b", "", "", msgPatternInDir},
		{"flash:/", `a"*`, "", "", msgInvalidPath},
		{"flash:/", "*/", "", "", msgPatternInDir},
		{"flash:/", "a:b", "", "", msgInvalidPath},
	}
	for _, tt := range tests {
		dir, pattern, err := splitPattern(tt.cwd, tt.arg)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if dir != tt.dir || pattern != tt.pattern || msg != tt.err {
			t.Errorf("splitPattern(%q, %q) = %q, %q, %q; want %q, %q, %q", tt.cwd, tt.arg, dir, pattern, msg, tt.dir, tt.pattern, tt.err)
		}
	}
}

func FuzzSplitPattern(f *testing.F) {
	for _, s := range []string{"*.txt", "flash:/a/*", "a/b/../c*", "flash:*", "/x", "a*/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		dir, pattern, err := splitPattern("flash:/dhcp", arg)
		if err != nil {
			return
		}
		// dir is always canonical
		if again, err := flash.Resolve(flash.Root, dir); err != nil || again != dir {
			t.Fatalf("%q: dir %q is not canonical (%q, %v)", arg, dir, again, err)
		}
		if pattern == "" {
			if want, _ := flash.Resolve("flash:/dhcp", arg); want != dir {
				t.Fatalf("%q: %q, want %q", arg, dir, want)
			}
			return
		}
		if !strings.Contains(pattern, "*") || strings.ContainsAny(pattern, "/\\:") {
			t.Fatalf("%q: pattern %q", arg, pattern)
		}
	})
}

// yesTerminal answers y to every question and keeps what is shown.
type yesTerminal struct{ out strings.Builder }

func (t *yesTerminal) Write(p []byte) (int, error) { return t.out.Write(p) }
func (t *yesTerminal) ReadLine(p string, _ bool) (string, error) {
	t.out.WriteString(p + "y\n")
	return "y", nil
}
func (t *yesTerminal) ReadKey() (rune, error) { return ' ', nil }

// TestFileRace: sessions copy, list and delete files at once, some of them
// the same file. Every command gets an answer of the device, and the log
// file records exactly the operations that succeeded.
func TestFileRace(t *testing.T) {
	fs := newFileTestFlash(t, 0)
	d := newTestDevice(t, fs)
	const sessions, rounds = 4, 15
	outs := make([]*yesTerminal, sessions)
	var wg sync.WaitGroup
	for i := range sessions {
		term := &yesTerminal{}
		outs[i] = term
		s, err := d.OpenSession(vtyAdmin, term)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.Close()
			s.Execute("screen-length 0 temporary")
			for k := range rounds {
				own := fmt.Sprintf("s%d-%d.cfg", i, k)
				for _, line := range []string{
					"copy vrpcfg.cfg " + own,
					"copy notes.txt shared.txt",
					"dir",
					"rename " + own + " r" + own,
					"delete r" + own,
					"delete /unreserved /force shared.txt",
					"mkdir d" + own,
					"rmdir d" + own,
					"undelete r" + own,
					"delete /force r" + own,
					"reset recycle-bin r" + own,
				} {
					s.Execute(line)
				}
			}
		}()
	}
	wg.Wait()
	count := map[string]int{}
	for i, term := range outs {
		for _, line := range strings.Split(term.out.String(), "\n") {
			switch {
			case strings.HasPrefix(line, "Info: Copied file"):
				count["FILE_COPY"]++
			case strings.HasPrefix(line, "Info: Deleting file"):
				count["FILE_DELETE"]++
			case strings.HasPrefix(line, "Info: Rename file"):
				count["FILE_RENAME"]++
			case strings.HasPrefix(line, "Error: The operation failed"), strings.HasPrefix(line, "Error: Invalid"):
				t.Errorf("session %d: %s", i, line)
			}
		}
	}
	// Each session's own files always work: at least these many succeeded.
	if count["FILE_COPY"] < sessions*rounds || count["FILE_RENAME"] != sessions*rounds || count["FILE_DELETE"] < 2*sessions*rounds {
		t.Errorf("operations: %v", count)
	}
	logged := map[string]int{}
	for _, line := range strings.Split(readTestFile(t, fs, logFilePath), "\n") {
		for brief := range count {
			if strings.Contains(line, "%%01VFS/5/"+brief+"(") {
				logged[brief]++
			}
		}
	}
	if diff := cmp.Diff(count, logged); diff != "" {
		t.Errorf("operations shown vs logged (-shown +logged):\n%s", diff)
	}
	// Nothing is left but the seeded files, and the space adds up.
	var want []string
	for _, n := range []string{"ar2220E-V200R007C00SPC600.cc", "backup.cfg", "dhcp", "logfile", "notes.txt", "statemach.efs", "vrpcfg.cfg"} {
		want = append(want, n)
	}
	list, err := fs.ReadDir(flash.Root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fi := range list {
		if fi.Name != "shared.txt" {
			got = append(got, fi.Name)
		}
	}
	if bin, err := fs.RecycleBin(flash.Root); err != nil || len(bin) != 0 {
		t.Errorf("recycle bin after the race: %v, %v", bin, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flash after the race (-want +got):\n%s", diff)
	}
}

// dirHeader is the AR2220's dir header (the default model's).
var dirHeader = mustProfile(ModelAR2220).dirHeader()

func mustProfile(model string) *Profile {
	p, err := LookupProfile(model)
	if err != nil {
		panic(err)
	}
	return p
}
