package vrp

import (
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
)

// testClock is the fixed time of test devices.
var testClock = time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)

// cheapKDF keeps test logins fast.
var cheapKDF = aaa.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

func newTestDevice(t testing.TB, fs flash.FS) *Device {
	t.Helper()
	if fs == nil {
		fs = flash.NewMemory(flash.Options{})
	}
	d, err := New(Options{Flash: fs, Now: func() time.Time { return testClock }, AAA: aaa.Options{KDF: cheapKDF, Now: func() time.Time { return testClock }}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// newModelDevice is a test device of a model.
func newModelDevice(t testing.TB, model string) *Device {
	t.Helper()
	d, err := New(Options{Flash: flash.NewMemory(flash.Options{Clock: func() time.Time { return testClock }}), Model: model, Now: func() time.Time { return testClock }, AAA: aaa.Options{KDF: cheapKDF, Now: func() time.Time { return testClock }}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// scriptTerminal plays a transcript: it answers questions from a script and
// records everything the session shows.
type scriptTerminal struct {
	out     strings.Builder
	answers []string
	keys    []rune
}

func (t *scriptTerminal) Write(p []byte) (int, error) { return t.out.Write(p) }

func (t *scriptTerminal) ReadLine(prompt string, echo bool) (string, error) {
	t.out.WriteString(prompt)
	if len(t.answers) == 0 {
		return "", io.EOF
	}
	a := t.answers[0]
	t.answers = t.answers[1:]
	if echo {
		t.out.WriteString(a)
	}
	t.out.WriteString("\n")
	return a, nil
}

func (t *scriptTerminal) ReadKey() (rune, error) {
	if len(t.keys) == 0 {
		return 0, io.EOF
	}
	k := t.keys[0]
	t.keys = t.keys[1:]
	name := map[rune]string{' ': "SPACE", '\r': "ENTER"}[k]
	if name == "" {
		name = string(k)
	}
	t.out.WriteString("\n<key:" + name + ">\n")
	return k, nil
}

// A transcript is what a user sees in a session. Lines that start with the
// session's prompt hold what was typed after it; a line that ends in "?" asks
// for help; an answer to a question follows "(y/n)[n]:" or "[Y/N]:" on the
// question's line (an "Error:" line ending so is no question); a pager key is written "<key:SPACE>" on a line of its own (it is
// consumed, not shown). Cipher texts of passwords are compared as "<cipher>".
var (
	promptRe = regexp.MustCompile(`^(<[^<>\s]+>|\[[^\[\]\s]+\])`)
	askRe    = regexp.MustCompile(`(\(y/n\)\[n\]:|\? \(y/n\)\[n\]:|\? ?\[Y/N\]:?|\? \[y/n\]:|\[vrpcfg\.zip\]:)(.*)$`)
	cipherRe = regexp.MustCompile(`(%\$%\$|\$1a\$)\S+`)
)

func runTranscript(t *testing.T, d *Device, info SessionInfo, golden string) string {
	t.Helper()
	term := &scriptTerminal{}
	lines := strings.Split(strings.TrimSuffix(golden, "\n"), "\n")
	// collect answers and keys first: they are read by the session while a
	// command runs.
	for _, l := range lines {
		if m := askRe.FindStringSubmatch(l); m != nil && !strings.HasPrefix(l, "Error:") {
			term.answers = append(term.answers, m[2])
			continue
		}
		if k, ok := strings.CutPrefix(l, "<key:"); ok {
			switch strings.TrimSuffix(k, ">") {
			case "SPACE":
				term.keys = append(term.keys, ' ')
			case "ENTER":
				term.keys = append(term.keys, '\r')
			case "q":
				term.keys = append(term.keys, 'q')
			}
		}
	}
	s, err := d.OpenSession(info, term)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, l := range lines {
		p := s.Prompt()
		if !strings.HasPrefix(l, p) || askRe.MatchString(l) && !strings.HasPrefix(l, "Error:") {
			continue
		}
		term.out.WriteString(l + "\n")
		cmd := l[len(p):]
		if strings.HasSuffix(cmd, "?") {
			term.out.WriteString(s.Help(strings.TrimSuffix(cmd, "?")))
			continue
		}
		if cmd == "^Z" {
			s.CtrlZ()
			continue
		}
		if s.Execute(cmd) {
			break
		}
	}
	got := term.out.String()
	// the pager's keys are shown in the golden file where they were pressed
	got = strings.ReplaceAll(got, moreErase, "")
	return got
}

func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/transcripts/*.txt")
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
			d := newTestDevice(t, nil)
			switch prefix, _, _ := strings.Cut(filepath.Base(f), "-"); prefix {
			case "platform.txt":
				// lists files: a flash on the test clock
				d = newModelDevice(t, ModelAR2220)
			case "s5720":
				// a transcript of the S5720 profile
				d = newModelDevice(t, ModelS5720)
			}
			info := SessionInfo{Line: LineVTY, User: "admin", Remote: testAddr, Protocol: "SSH", Interactive: true}
			if strings.HasPrefix(filepath.Base(f), "level1-") {
				// a monitoring user: level 1
				run(t, d, "system-view", "aaa", "local-user viewer password cipher Viewer@123",
					"local-user viewer privilege level 1", "local-user viewer service-type ssh")
				info.User = "viewer"
			}
			if strings.HasPrefix(filepath.Base(f), "scrapli-") {
				// scrapli's client, on a pty of 80 columns until
				// screen-width widens it
				info.Width = 80
			}
			got := runTranscript(t, d, info, golden)
			// the golden ends with the last prompt, as the screen does
			if !strings.HasSuffix(got, "\n") {
				got += "\n"
			}
			norm := func(s string) string { return cipherRe.ReplaceAllString(s, "$1<cipher>") }
			if diff := cmp.Diff(norm(golden), norm(got)); diff != "" {
				if os.Getenv("UPDATE_GOLDEN") != "" {
					os.WriteFile(f, []byte(got), 0o644)
				}
				t.Errorf("transcript %s (-want +got):\n%s", f, diff)
			}
		})
	}
}

var testAddr = netip.MustParseAddrPort("127.0.0.1:50000")
