package vrp

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/flash"
)

// unzipLog returns the name and contents of the one file in a rotated log.
func unzipLog(t *testing.T, fs flash.FS, path string) (string, string) {
	t.Helper()
	data := readTestFile(t, fs, path)
	zr, err := zip.NewReader(strings.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(zr.File) != 1 {
		t.Fatalf("%s holds %d files, want 1", path, len(zr.File))
	}
	f, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	text, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return zr.File[0].Name, string(text)
}

func logDirNames(t *testing.T, fs flash.FS) []string {
	t.Helper()
	list, err := fs.ReadDir(logDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fi := range list {
		names = append(names, fi.Name)
	}
	return names
}

// TestLogRotation: log.log is zipped to logfile-YYYY-MM-DD-hh-mm-ss.zip when
// it would pass its limit; together the archives and log.log hold every line,
// in order; only the newest archives are kept.
func TestLogRotation(t *testing.T) {
	fs := newFileTestFlash(t, 0)
	d := newTestDevice(t, fs)
	const limit = 1000
	d.log.setFileLimits(limit, 3)
	var all strings.Builder
	event := func(i int) {
		d.logf("TEST", 5, "EVENT", "Event number %03d happened.", i)
		lines := d.Log()
		all.WriteString(lines[len(lines)-1] + "\n")
	}
	// Each line is 79 bytes: 12 fit under the limit, the 13th rotates.
	for i := range 12 {
		event(i)
	}
	if diff := cmp.Diff([]string{"log.log"}, logDirNames(t, fs)); diff != "" {
		t.Fatalf("before the limit (-want +got):\n%s", diff)
	}
	first := readTestFile(t, fs, logFilePath)
	if first != all.String() || len(first) > limit {
		t.Fatalf("log.log (%d bytes) = %q, want every line", len(first), first)
	}
	event(12)
	wantNames := []string{"log.log", "logfile-2026-11-24-10-30-00.zip"}
	if diff := cmp.Diff(wantNames, logDirNames(t, fs)); diff != "" {
		t.Fatalf("after one rotation (-want +got):\n%s", diff)
	}
	name, text := unzipLog(t, fs, logDir+"/logfile-2026-11-24-10-30-00.zip")
	if name != "logfile-2026-11-24-10-30-00.log" || text != first {
		t.Errorf("archive holds %s = %q, want the old log.log %q", name, text, first)
	}
	if got, want := readTestFile(t, fs, logFilePath), strings.TrimPrefix(all.String(), first); got != want {
		t.Errorf("new log.log = %q, want %q", got, want)
	}
	// Two more rotations in the same second get -1 and -2; the concatenation
	// is the whole log.
	i := 13
	until := func(archives int) {
		t.Helper()
		for ; len(logDirNames(t, fs)) < archives+1 && i < 1000; i++ {
			event(i)
		}
	}
	until(3)
	wantNames = []string{"log.log", "logfile-2026-11-24-10-30-00-1.zip", "logfile-2026-11-24-10-30-00-2.zip", "logfile-2026-11-24-10-30-00.zip"}
	if diff := cmp.Diff(wantNames, logDirNames(t, fs)); diff != "" {
		t.Fatalf("after three rotations (-want +got):\n%s", diff)
	}
	var joined strings.Builder
	for _, n := range []string{"logfile-2026-11-24-10-30-00.zip", "logfile-2026-11-24-10-30-00-1.zip", "logfile-2026-11-24-10-30-00-2.zip"} {
		_, text := unzipLog(t, fs, logDir+"/"+n)
		if len(text) > limit {
			t.Errorf("%s holds %d bytes, more than the limit %d", n, len(text), limit)
		}
		joined.WriteString(text)
	}
	joined.WriteString(readTestFile(t, fs, logFilePath))
	if diff := cmp.Diff(all.String(), joined.String()); diff != "" {
		t.Errorf("archives + log.log (-want +got):\n%s", diff)
	}
	// A fourth rotation deletes the oldest archive, for good.
	for n := len(readTestFile(t, fs, logFilePath)); n+80 <= limit; n += 79 {
		event(i)
		i++
	}
	event(i)
	wantNames = []string{"log.log", "logfile-2026-11-24-10-30-00-1.zip", "logfile-2026-11-24-10-30-00-2.zip", "logfile-2026-11-24-10-30-00-3.zip"}
	if diff := cmp.Diff(wantNames, logDirNames(t, fs)); diff != "" {
		t.Fatalf("after four rotations (-want +got):\n%s", diff)
	}
	if bin, _ := fs.RecycleBin(logDir); len(bin) != 0 {
		t.Errorf("pruned archives went to the recycle bin: %v", bin)
	}
}

// TestLogFileFailure: a log file that cannot be written never fails the
// command that logs; the failure is reported once in the log buffer, and a
// log that cannot be archived keeps growing rather than being truncated.
func TestLogFileFailure(t *testing.T) {
	fs := newFileTestFlash(t, 8192)
	d := newTestDevice(t, fs)
	d.log.setFileLimits(300, 3)
	for i := range 3 {
		d.logf("TEST", 5, "EVENT", "Event number %03d happened.", i)
	}
	before := readTestFile(t, fs, logFilePath)
	_, free := fs.Usage()
	writeTestFile(t, fs, "flash:/fill.bin", strings.Repeat("x", int(free)))
	// The next event would rotate: the archive does not fit, so log.log is
	// kept as is and the line is lost only to the file.
	for i := 3; i < 6; i++ {
		d.logf("TEST", 5, "EVENT", "Event number %03d happened.", i)
	}
	if got := readTestFile(t, fs, logFilePath); got != before {
		t.Errorf("log.log changed on a full flash:\n%q\nwant\n%q", got, before)
	}
	var fails []string
	for _, l := range d.Log() {
		if strings.Contains(l, "LOGFILE_WRITE_FAIL") {
			fails = append(fails, l)
		}
	}
	want := []string{"Nov 24 2026 10:30:00 Huawei %%01INFO/4/LOGFILE_WRITE_FAIL(l)[0]:Failed to write the log file. (FileName=flash:/logfile/log.log, Reason=insufficient space)"}
	if diff := cmp.Diff(want, fails); diff != "" {
		t.Errorf("failure reports (-want +got):\n%s", diff)
	}
	// With space again the log goes on: rotation, then the new line.
	if err := fs.Remove("flash:/fill.bin", true); err != nil {
		t.Fatal(err)
	}
	d.logf("TEST", 5, "EVENT", "Event number %03d happened.", 6)
	if got := logDirNames(t, fs); len(got) != 2 {
		t.Errorf("logfile holds %v, want log.log and one archive", got)
	}
	if got, want := readTestFile(t, fs, logFilePath), d.Log()[len(d.Log())-1]+"\n"; got != want {
		t.Errorf("log.log = %q, want %q", got, want)
	}
	// A command still works and answers normally on a full flash.
	_, free = fs.Usage()
	writeTestFile(t, fs, "flash:/fill.bin", strings.Repeat("x", int(free)))
	golden := "<Huawei>delete /force vrpcfg.cfg\nInfo: Deleting file flash:/vrpcfg.cfg...succeed.\n"
	if diff := cmp.Diff(golden, runTranscript(t, d, vtyAdmin, golden)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestLogFileRecreated: a deleted log.log, or a deleted logfile directory,
// comes back with the next event.
func TestLogFileRecreated(t *testing.T) {
	fs := newFileTestFlash(t, 0)
	d := newTestDevice(t, fs)
	d.logf("TEST", 5, "EVENT", "one")
	if err := fs.Remove(logFilePath, true); err != nil {
		t.Fatal(err)
	}
	if err := fs.Rmdir(logDir); err != nil {
		t.Fatal(err)
	}
	d.logf("TEST", 5, "EVENT", "two")
	want := "Nov 24 2026 10:30:00 Huawei %%01TEST/5/EVENT(l)[1]:two\n"
	if got := readTestFile(t, fs, logFilePath); got != want {
		t.Errorf("log.log = %q, want %q", got, want)
	}
}

func TestParseArchiveName(t *testing.T) {
	tests := []struct {
		name  string
		stamp string
		n     int
		ok    bool
	}{
		{"logfile-2026-11-24-10-30-00.zip", "2026-11-24-10-30-00", 0, true},
		{"LOGFILE-2026-11-24-10-30-00-12.ZIP", "2026-11-24-10-30-00", 12, true},
		{"logfile-2026-11-24-10-30-00-.zip", "", 0, false},
		{"logfile-2026-11-24-10-30-00-01.zip", "", 0, false},
		{"logfile-2026-11-24-10-30-0x.zip", "", 0, false},
		{"logfile-2026-11-24_10-30-00.zip", "", 0, false},
		{"logfile-2026-11-24-10-30-00.log", "", 0, false},
		{"log.log", "", 0, false},
		{"logfile-.zip", "", 0, false},
	}
	for _, tt := range tests {
		stamp, n, ok := parseArchiveName(tt.name)
		if stamp != tt.stamp || n != tt.n || ok != tt.ok {
			t.Errorf("parseArchiveName(%q) = %q, %d, %v; want %q, %d, %v", tt.name, stamp, n, ok, tt.stamp, tt.n, tt.ok)
		}
	}
}

func FuzzParseArchiveName(f *testing.F) {
	f.Add("logfile-2026-11-24-10-30-00-3.zip")
	f.Add("logfile-0000-00-00-00-00-00.zip")
	f.Fuzz(func(t *testing.T, name string) {
		stamp, n, ok := parseArchiveName(name)
		if !ok {
			return
		}
		// what it accepts is exactly what the rotation writes
		again := "logfile-" + stamp
		if n > 0 {
			again += fmt.Sprintf("-%d", n)
		}
		if s2, n2, ok2 := parseArchiveName(again + ".zip"); !ok2 || s2 != stamp || n2 != n {
			t.Errorf("%q -> %q, %d does not parse back", name, stamp, n)
		}
		if !strings.EqualFold(name, again+".zip") {
			t.Errorf("%q parsed as %q, %d", name, stamp, n)
		}
	})
}

func BenchmarkLogf(b *testing.B) {
	d := newTestDevice(b, flash.NewMemory(flash.Options{}))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.logf("TEST", 5, "EVENT", "Event number %d happened.", i)
	}
}
