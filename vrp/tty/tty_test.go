package tty

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// testCLI is a command line with a few words: "?" and Tab know "display"
// and "dir"; the history holds two lines.
type testCLI struct{ history []string }

func (c *testCLI) Help(line string) string {
	switch line {
	case "dis":
		return "  display   Display information\n"
	case "display th":
		return "  this   Current view\n"
	case "":
		return "User view commands:\n  dir       List files\n  display   Display information\n"
	}
	return "Error: Unrecognized command found at '^' position.\n"
}

func (c *testCLI) Complete(line string) string {
	switch {
	case strings.HasSuffix(line, "dis"):
		return strings.TrimSuffix(line, "dis") + "display"
	case strings.HasSuffix(line, "th"):
		return strings.TrimSuffix(line, "th") + "this"
	}
	return line
}

func (c *testCLI) History() []string { return c.history }

const prompt = "<Huawei>"

// session reads command lines from keys until the input ends, and returns
// them with what the terminal sent. Keys come one byte per read, so that
// every key is cut between reads.
func session(t *testing.T, keys string) ([]string, string) {
	t.Helper()
	var out bytes.Buffer
	term := New(iotest.OneByteReader(strings.NewReader(keys)), &out)
	cli := &testCLI{history: []string{"display version", "system-view"}}
	var lines []string
	for {
		line, end, err := term.ReadCommand(prompt, cli)
		if err != nil {
			if err != io.EOF {
				t.Fatalf("ReadCommand: %v", err)
			}
			break
		}
		switch end {
		case Cancel:
			line = "<Ctrl+C>"
		case CtrlZ:
			line = "<Ctrl+Z>"
		}
		lines = append(lines, line)
	}
	if err := term.Flush(); err != nil {
		t.Fatal(err)
	}
	return lines, out.String()
}

func TestReadCommand(t *testing.T) {
	x600 := strings.Repeat("x", 600)
	x510 := strings.Repeat("x", MaxLine)
	tests := []struct {
		name, keys string
		lines      []string
		out        string
	}{
		{"echo", "display version\r", []string{"display version"},
			prompt + "display version\r\n" + prompt},
		{"backspace at the end", "displaxx\x7f\x7fy\r", []string{"display"},
			prompt + "displaxx\b \b\b \by\r\n" + prompt},
		{"Ctrl+H", "ab\x08\r", []string{"a"}, prompt + "ab\b \b\r\n" + prompt},
		{"backspace at the start", "\x7f\x08a\r", []string{"a"}, prompt + "a\r\n" + prompt},
		{"backspace in the middle", "abcd\x1b[D\x1b[D\x7f\r", []string{"acd"},
			prompt + "abcd\b\b\bcd \b\b\b\r\n" + prompt},
		{"tab echoes the added characters", "dis\t\r", []string{"display"},
			prompt + "display\r\n" + prompt},
		{"tab with nothing to add", "xyz\t\r", []string{"xyz"}, prompt + "xyz\r\n" + prompt},
		{"tab left of the cursor", "display th \x1b[D\t\r", []string{"display this "},
			prompt + "display th \b" + "is \b\r\n" + prompt},
		{"help prints ? and the help, then the prompt and the line", "dis?\r", []string{"dis"},
			prompt + "dis?\r\n  display   Display information\r\n" + prompt + "dis\r\n" + prompt},
		{"help on an empty line", "?", nil,
			prompt + "?\r\nUser view commands:\r\n  dir       List files\r\n  display   Display information\r\n" + prompt},
		{"help left of the cursor blanks the rest", "display this\x1b[D\x1b[D?\x03", []string{"<Ctrl+C>"},
			prompt + "display this\b\b" + "  \b\b?\r\n  this   Current view\r\n" + prompt + "display this\b\b\r\n" + prompt},
		{"Ctrl+U clears the line", "abc\x15\r", []string{""},
			prompt + "abc\b\b\b   \b\b\b\r\n" + prompt},
		{"Ctrl+U in the middle", "abc\x02\x15d\r", []string{"d"},
			prompt + "abc\b\b\b   \b\b\bd\r\n" + prompt},
		{"Ctrl+X deletes left of the cursor", "undo xyz\x1b[D\x1b[D\x1b[D\x18\r", []string{"xyz"},
			prompt + "undo xyz\b\b\b\b\b\b\b\bxyz     \b\b\b\b\b\b\b\b\r\n" + prompt},
		{"Ctrl+Y deletes right of the cursor", "pwdxyz\x1b[D\x1b[D\x1b[D\x19\r", []string{"pwd"},
			prompt + "pwdxyz\b\b\b   \b\b\b\r\n" + prompt},
		{"Ctrl+K deletes right of the cursor", "ab\x02\x0b\r", []string{"a"},
			prompt + "ab\b \b\r\n" + prompt},
		{"Ctrl+W deletes a word", "display vers bogus\x17\r", []string{"display vers "},
			prompt + "display vers bogus\b\b\b\b\b     \b\b\b\b\b\r\n" + prompt},
		{"Delete deletes under the cursor", "abc\x01\x1b[3~\r", []string{"bc"},
			prompt + "abc\b\b\bbc \b\b\b\r\n" + prompt},
		{"insert in the middle", "ac\x1b[Db\r", []string{"abc"}, prompt + "ac\bbc\b\r\n" + prompt},
		{"Ctrl+A and Ctrl+E", "isplay\x01d\x05 x\r", []string{"display x"},
			prompt + "isplay\b\b\b\b\b\bdisplay\b\b\b\b\b\bisplay x\r\n" + prompt},
		{"Home and End", "bc\x1b[Ha\x1b[F\x1bOHx\x1b[4~\r", []string{"xabc"},
			prompt + "bc\b\babc\b\bbc\b\b\bxabc\b\b\babc\r\n" + prompt},
		{"Right moves by re-printing", "abc\x1b[D\x1b[D\x06\x1b[C\x1b[C\r", []string{"abc"},
			prompt + "abc\b\bbc\r\n" + prompt},
		{"Up and Down walk the history", "dis\x1b[A\x1b[A\x1b[A\x10\x1b[B\x0e\x1b[B\r", []string{"dis"},
			prompt + "dis\b\b\bsystem-view" + // Up: system-view
				"\b\b\b\b\b\b\b\b\b\b\bdisplay version" + // Up: display version
				"\b\b\b\b\b\b\b\b\b\b\b\b\b\b\bsystem-view    \b\b\b\b" + // Down: system-view
				"\b\b\b\b\b\b\b\b\b\b\bdis        \b\b\b\b\b\b\b\b" + // Down: the line typed
				"\r\n" + prompt},
		{"Ctrl+C discards the line", "xyz\x03", []string{"<Ctrl+C>"}, prompt + "xyz\r\n" + prompt},
		{"Ctrl+Z discards the line", "xyz\x1a", []string{"<Ctrl+Z>"}, prompt + "xyz\r\n" + prompt},
		{"Ctrl+D is ignored", "dis\x04play\r", []string{"display"}, prompt + "display\r\n" + prompt},
		{"other control keys are ignored", "a\x00\x0c\x14\x1c\x1f\x1b[200~b\x1b[201~\x1b[Z\r", []string{"ab"},
			prompt + "ab\r\n" + prompt},
		{"CRLF is one Enter, LF alone is Enter", "a\r\nb\n\nc\r\r", []string{"a", "b", "", "c", ""},
			prompt + "a\r\n" + prompt + "b\r\n" + prompt + "\r\n" + prompt + "c\r\n" + prompt + "\r\n" + prompt},
		{"a long line is echoed as typed, up to 510 characters", x600 + "\r", []string{x510},
			prompt + x510 + "\r\n" + prompt},
		{"a full line still takes editing keys", x600 + "\x7fab\r", []string{x510[1:] + "a"},
			prompt + x510 + "\b \ba\r\n" + prompt},
		{"ESC followed by no sequence is dropped", "ab\x1bc\x1b[1\r", []string{"abc[1"},
			prompt + "abc[1\r\n" + prompt},
		{"the ESC of a sequence too long is dropped", "ab\x1b[" + strings.Repeat("9", 20) + "\r", []string{"ab[" + strings.Repeat("9", 20)},
			prompt + "ab[" + strings.Repeat("9", 20) + "\r\n" + prompt},
		{"UTF-8", "système ✓\x7f\r", []string{"système "}, prompt + "système ✓\b \b\r\n" + prompt},
		{"invalid UTF-8 is dropped", "a\xff\xc3\x28b\r", []string{"a(b"}, prompt + "a(b\r\n" + prompt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, out := session(t, tt.keys)
			if diff := cmp.Diff(tt.lines, lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.out, out); diff != "" {
				t.Errorf("output (-want +got):\n%s\nwant %q\ngot  %q", diff, tt.out, out)
			}
		})
	}
}

// TestLongHelp: "?" on a full line prints the line twice and the help once,
// however many characters were typed.
func TestLongHelp(t *testing.T) {
	x510 := strings.Repeat("x", MaxLine)
	_, out := session(t, strings.Repeat("x", 4000)+"?\x03")
	want := prompt + x510 + "?\r\nError: Unrecognized command found at '^' position.\r\n" + prompt + x510 + "\r\n" + prompt
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestReadLine(t *testing.T) {
	tests := []struct {
		name, keys string
		echo       bool
		want       string
		err        error
		out        string
	}{
		{"enter", "y\r", true, "y", nil, "Continue?y\r\n"},
		{"line feed", "yes\n", true, "yes", nil, "Continue?yes\r\n"},
		{"backspace", "nx\x7fo\r", true, "no", nil, "Continue?nx\b \bo\r\n"},
		{"? and tab are characters, or ignored", "y?\t\r", true, "y?", nil, "Continue?y?\r\n"},
		{"Ctrl+Z and history keys are ignored", "\x1a\x1b[A\x10y\x1b[B\r", true, "y", nil, "Continue?y\r\n"},
		{"Ctrl+C abandons the question", "ab\x03", true, "", ErrInterrupted, "Continue?ab\r\n"},
		{"password not echoed", "Secret@1\r", false, "Secret@1", nil, "Continue?\r\n"},
		{"password edited", "Secret@2\x7f1\x1b[D\x1b[C\x15Secret@1\r", false, "Secret@1", nil, "Continue?\r\n"},
		{"password abandoned", "Sec\x03ret\r", false, "", ErrInterrupted, "Continue?\r\n"},
		{"end of input", "ab", true, "", io.EOF, "Continue?ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			term := New(iotest.OneByteReader(strings.NewReader(tt.keys)), &out)
			got, err := term.ReadLine("Continue?", tt.echo)
			term.Flush()
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("got %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
			if diff := cmp.Diff(tt.out, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPagerTypeAhead: the pager reads its keys; a key it does not use goes
// back, and the command typed ahead reaches the next command line whole.
func TestPagerTypeAhead(t *testing.T) {
	var out bytes.Buffer
	term := New(iotest.OneByteReader(strings.NewReader(" \r\ndisplay clock\r\x1b[Aq")), &out)
	var keys []rune
	for range 3 {
		k, err := term.ReadKey()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	term.UnreadKey()
	term.UnreadKey() // a second time does nothing
	if diff := cmp.Diff([]rune{' ', '\r', 'd'}, keys); diff != "" {
		t.Errorf("pager keys (-want +got):\n%s", diff)
	}
	line, end, err := term.ReadCommand(prompt, &testCLI{})
	if line != "display clock" || end != Enter || err != nil {
		t.Errorf("ReadCommand: %q, %v, %v; want \"display clock\", Enter", line, end, err)
	}
	k, err := term.ReadKey() // an escape sequence is one key
	if k != keyEscape || err != nil {
		t.Errorf("ReadKey: %q, %v; want ESC", k, err)
	}
	term.UnreadKey()
	line, end, err = term.ReadCommand(prompt, &testCLI{history: []string{"display clock"}})
	if err != io.EOF {
		t.Errorf("ReadCommand at the end: %q, %v, %v; want EOF", line, end, err)
	}
	term.Flush()
	// Up recalled the history line after the ESC went back; "q" followed.
	want := prompt + "display clock\r\n" + prompt + "display clockq"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// TestUnreadCRLF: putting back the "\r" of "\r\n" keeps the "\n" dropped.
func TestUnreadCRLF(t *testing.T) {
	term := New(strings.NewReader("\r\nx\r"), io.Discard)
	if k, _ := term.ReadKey(); k != '\r' {
		t.Fatalf("key %q", k)
	}
	term.UnreadKey()
	line, _, err := term.ReadCommand("", &testCLI{})
	if line != "" || err != nil {
		t.Fatalf("first line %q, %v", line, err)
	}
	line, _, err = term.ReadCommand("", &testCLI{})
	if line != "x" || err != nil {
		t.Errorf("second line %q, %v; want \"x\"", line, err)
	}
}

// TestWrite: device output gets CRLF line ends and is sent at once, after
// the echo queued before it.
func TestWrite(t *testing.T) {
	var out bytes.Buffer
	term := New(strings.NewReader("ab"), &out)
	term.ReadCommand(prompt, &testCLI{})
	io.WriteString(term, "one\ntwo\n\nthree")
	want := prompt + "ab" + "one\r\ntwo\r\n\r\nthree"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// TestSourceErrorsAreNotKept: an error of the source ends the read, and the
// next read asks the source again (the console's idle timeout ends one
// session; the next one reads on).
func TestSourceErrorsAreNotKept(t *testing.T) {
	errIdle := errors.New("idle")
	src := &scriptedSource{reads: []any{"ab", errIdle, "cd\r"}}
	term := New(src, io.Discard)
	if _, _, err := term.ReadCommand(prompt, &testCLI{}); err != errIdle {
		t.Fatalf("first read: %v, want %v", err, errIdle)
	}
	line, _, err := term.ReadCommand(prompt, &testCLI{})
	if line != "cd" || err != nil {
		t.Errorf("second read: %q, %v; want \"cd\"", line, err)
	}
}

// scriptedSource returns its reads in turn: strings as data, errors as
// errors; then io.EOF.
type scriptedSource struct{ reads []any }

func (s *scriptedSource) Read(p []byte) (int, error) {
	if len(s.reads) == 0 {
		return 0, io.EOF
	}
	r := s.reads[0]
	s.reads = s.reads[1:]
	if err, ok := r.(error); ok {
		return 0, err
	}
	return copy(p, r.(string)), nil
}

// FuzzTerminal: on any input the terminal sends no escape sequence and
// valid UTF-8, and returns lines of at most MaxLine characters.
func FuzzTerminal(f *testing.F) {
	for _, s := range []string{
		"display version\r",
		"dis?\t\x1a\x03\r\n",
		"\x1b[A\x1b[B\x1b[C\x1b[D\x1bOA\x1b[3~\x1b[1;3C\x1b[200~x\x1b[201~",
		"\xff\xfe\xc3\x28\xe2\x82\r",
		"\x1b" + strings.Repeat("9", 40) + "\r",
		"a\x00b\x7f\x08\x15\x17\x0b\x0c\x14\x18\x19\r",
		strings.Repeat("ab", 300) + "\x01?\t\x05\x7f\r",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		term := New(iotest.OneByteReader(bytes.NewReader(data)), &out)
		cli := &testCLI{history: []string{"display version", strings.Repeat("y", 600)}}
		for i := 0; ; i++ {
			var line string
			var err error
			if i%3 == 2 {
				line, err = term.ReadLine("?", i%2 == 0)
				if err == ErrInterrupted {
					err = nil
				}
			} else {
				line, _, err = term.ReadCommand(prompt, cli)
			}
			if err != nil {
				break
			}
			if n := utf8.RuneCountInString(line); n > MaxLine {
				t.Fatalf("line of %d characters", n)
			}
		}
		term.Flush()
		if bytes.IndexByte(out.Bytes(), keyEscape) >= 0 {
			t.Errorf("escape in the output: %q", out.Bytes())
		}
		if !utf8.Valid(out.Bytes()) {
			t.Errorf("invalid UTF-8 in the output: %q", out.Bytes())
		}
	})
}

// BenchmarkKey measures a key typed at the end of lines of growing length
// (a character, then Backspace): the cost must not grow with the line.
//
//	go test -run '^$' -bench Key ./vrp/tty/
func BenchmarkKey(b *testing.B) {
	for _, n := range []int{10, 100, 500} {
		b.Run(fmt.Sprintf("line-%d", n), func(b *testing.B) {
			keys := strings.Repeat("x", n) + strings.Repeat("y\x7f", b.N/2+1) + "\r"
			term := New(strings.NewReader(keys), io.Discard)
			cli := &testCLI{}
			b.ResetTimer()
			if _, _, err := term.ReadCommand(prompt, cli); err != nil {
				b.Fatal(err)
			}
		})
	}
}
