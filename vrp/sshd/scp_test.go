package sshd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/flash"
)

func TestParseSCPCommand(t *testing.T) {
	tests := []struct {
		line    string
		ok      bool
		wantErr bool
		want    scpRequest
	}{
		{line: "scp -t /vrpcfg.zip", ok: true, want: scpRequest{sink: true, paths: []string{"/vrpcfg.zip"}}},
		{line: "scp -v -r -p -d -t -- -odd name", ok: true, want: scpRequest{sink: true, recursive: true, preserve: true, targetDir: true, paths: []string{"-odd", "name"}}, wantErr: true},
		{line: "scp -v -r -p -d -t -- '-odd name'", ok: true, want: scpRequest{sink: true, recursive: true, preserve: true, targetDir: true, paths: []string{"-odd name"}}},
		{line: `scp -f a\ b.cfg "c d.cfg" 'e'`, ok: true, want: scpRequest{paths: []string{"a b.cfg", "c d.cfg", "e"}}},
		{line: "/usr/bin/scp -pf x", ok: true, want: scpRequest{preserve: true, paths: []string{"x"}}},
		{line: "scp flash:/a.cfg user@host:a.cfg", ok: false}, // the device's own scp command
		{line: "display version", ok: false},
		{line: "scp -t", ok: true, wantErr: true},
		{line: "scp -t -f x", ok: true, wantErr: true},
		{line: "scp -t -z x", ok: true, wantErr: true},
		{line: "scp -f 'unterminated", ok: false},
		{line: "", ok: false},
	}
	for _, tt := range tests {
		got, ok, err := parseSCPCommand(tt.line)
		if ok != tt.ok || (err != nil) != tt.wantErr {
			t.Errorf("%q: ok %v err %v; want ok %v, error %v", tt.line, ok, err, tt.ok, tt.wantErr)
			continue
		}
		if ok && err == nil {
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(scpRequest{})); diff != "" {
				t.Errorf("%q (-want +got):\n%s", tt.line, diff)
			}
		}
	}
}

func TestParseSCPControl(t *testing.T) {
	good := map[string]scpControl{
		"C0644 12 vrpcfg.zip":  {kind: 'C', size: 12, name: "vrpcfg.zip"},
		"C0600 0 a b":          {kind: 'C', size: 0, name: "a b"},
		"D0755 0 logfile":      {kind: 'D', name: "logfile"},
		"E":                    {kind: 'E'},
		"T1700000000 0 1700 0": {kind: 'T'},
	}
	for line, want := range good {
		got, err := parseSCPControl(line)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", line, got, err, want)
		}
	}
	for _, line := range []string{"", "C0644 12 ../x", "C0644 12 a/b", "C0644 -1 a", "C644 1 a", "C0648 1 a", "C0644 1 .", "C0644 1 ..", "D0755 0 ", "E1", "T1 0 1", "X0644 1 a", "C0644 +1 a", "C0644 1"} {
		if _, err := parseSCPControl(line); err == nil {
			t.Errorf("%q accepted", line)
		}
	}
}

func FuzzParseSCPCommand(f *testing.F) {
	for _, s := range []string{"scp -t /a", "scp -v -r -p -d -t -- x", `scp -f a\ b "c\"d" 'e'`, "scp -f", "scp"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		req, ok, err := parseSCPCommand(line)
		if ok && err == nil {
			if len(req.paths) == 0 || (req.sink && len(req.paths) != 1) {
				t.Fatalf("%q: accepted with paths %q", line, req.paths)
			}
		}
	})
}

func FuzzParseSCPControl(f *testing.F) {
	for _, s := range []string{"C0644 12 a.cfg", "D0755 0 d", "E", "T1 0 2 0", "C0644 1 ../a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := parseSCPControl(line)
		if err != nil {
			return
		}
		if c.kind == 'C' || c.kind == 'D' {
			if c.size < 0 || c.name == "" || c.name == "." || c.name == ".." || strings.ContainsAny(c.name, "/\x00") {
				t.Fatalf("%q: accepted %+v", line, c)
			}
		}
	})
}

// TestSCPKilledUpload: a legacy scp upload cut short leaves the good file;
// a complete one replaces it and gets the zero byte.
func TestSCPKilledUpload(t *testing.T) {
	d, addr := sftpDevice(t, nil)
	good := []byte("good configuration\n")
	writeFlash(t, d.Flash(), "flash:/backup/vrpcfg.zip", good)

	c, err := dial(t, addr, backupUser, backupPassword)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := s.StdinPipe()
	out, _ := s.StdoutPipe()
	if err := s.Start("scp -t /vrpcfg.zip"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	expectByte := func(want byte) {
		t.Helper()
		b, err := r.ReadByte()
		if err != nil || b != want {
			t.Fatalf("read %q, %v; want %q", b, err, want)
		}
	}
	expectByte(0)
	fmt.Fprintf(in, "C0644 %d vrpcfg.zip\n", 1<<20)
	expectByte(0)
	in.Write(randomBytes(t, 300<<10))
	c.Close() // killed mid-file
	lines := waitLog(t, d, "SSH_USER_LOGOUT", "OperateType=upload")
	if len(lines) != 1 || !strings.HasSuffix(lines[0], "ErrCode=1)") {
		t.Errorf("upload log %q, want one failed upload", lines)
	}
	if got := readFlash(t, d.Flash(), "flash:/backup/vrpcfg.zip"); !bytes.Equal(got, good) {
		t.Fatalf("after a killed scp the file has %d bytes, want the good %d", len(got), len(good))
	}

	c2 := func() io.Reader {
		c, err := dial(t, addr, backupUser, backupPassword)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		data := randomBytes(t, 5000)
		var stdin bytes.Buffer
		fmt.Fprintf(&stdin, "C0644 %d vrpcfg.zip\n", len(data))
		stdin.Write(data)
		stdin.WriteByte(0)
		s.Stdin = &stdin
		got, err := s.Output("scp -t /")
		if err != nil {
			t.Fatalf("scp -t: %v (output %q)", err, got)
		}
		if want := []byte{0, 0, 0}; !bytes.Equal(got, want) {
			t.Errorf("acknowledgements %q, want %q", got, want)
		}
		if got := readFlash(t, d.Flash(), "flash:/backup/vrpcfg.zip"); !bytes.Equal(got, data) {
			t.Error("a complete scp upload did not replace the file")
		}
		return nil
	}
	c2()
}

// TestSCPRefused: with the SCP server off, scp gets a fatal error and the
// exit status 1; the file is untouched.
func TestSCPRefused(t *testing.T) {
	_, addr := sftpDevice(t, nil)
	configure(t, addr, "system-view\nundo scp server")
	c, err := dial(t, addr, backupUser, backupPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Output("scp -f /x")
	if diff := cmp.Diff("\x02scp: "+msgRefused, string(got)); diff != "" || err == nil {
		t.Errorf("err %v, output (-want +got):\n%s", err, diff)
	}
}

// TestSCPFlashFull: a file the flash cannot hold is read to its end and
// refused with the device's message; the old file stays.
func TestSCPFlashFull(t *testing.T) {
	fs := flash.NewMemory(flash.Options{Capacity: 2 << 20, Clock: func() time.Time { return testClock }})
	_, addr := sftpDevice(t, fs)
	writeFlash(t, fs, "flash:/backup/big.bin", []byte("old"))
	c, err := dial(t, addr, backupUser, backupPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stdin bytes.Buffer
	fmt.Fprintf(&stdin, "C0644 %d big.bin\n", 3<<20)
	stdin.Write(randomBytes(t, 3<<20))
	stdin.WriteByte(0)
	s.Stdin = &stdin
	got, err := s.Output("scp -t /")
	want := "\x00\x00\x01scp: big.bin: The space of the flash is insufficient\n"
	if diff := cmp.Diff(want, string(got)); diff != "" || err == nil {
		t.Errorf("err %v (want exit status 1), output (-want +got):\n%s", err, diff)
	}
	if b := readFlash(t, fs, "flash:/backup/big.bin"); string(b) != "old" {
		t.Errorf("the old file became %d bytes", len(b))
	}
}
