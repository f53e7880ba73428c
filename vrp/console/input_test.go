package console

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// pipeInput returns an input reading what is written to the returned file.
func pipeInput(t *testing.T) (*input, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	in, err := newInput(int(r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.close()
		r.Close()
		w.Close()
	})
	return in, w
}

func TestReadAnswer(t *testing.T) {
	tests := []struct {
		name     string
		typed    string
		echo     bool
		want     string
		wantErr  error
		wantEcho string
	}{
		{"enter", "y\r", true, "y", nil, "y\r\n"},
		{"line feed", "yes\n", true, "yes", nil, "yes\r\n"},
		{"backspace", "nx\x7fo\r", true, "no", nil, "nx\b \bo\r\n"},
		{"backspace at start", "\x08\x7fn\r", true, "n", nil, "n\r\n"},
		{"ctrl+u", "abc\x15n\r", true, "n", nil, "abc\b \b\b \b\b \bn\r\n"},
		{"password not echoed", "Secret@1\r", false, "Secret@1", nil, "\r\n"},
		{"password backspace", "ab\x7fc\r", false, "ac", nil, "\r\n"},
		{"ctrl+c", "ab\x03", true, "", errInterrupted, "ab\r\n"},
		{"controls ignored", "\x1a\x04\x01y\r", true, "y", nil, "y\r\n"},
		{"arrow keys ignored", "\x1b[Ay\x1b[D\x1bOB\r", true, "y", nil, "y\r\n"},
		{"utf-8", "é\r", true, "é", nil, "é\r\n"},
		{"end of input", "ab", true, "", errHangup, "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, w := pipeInput(t)
			if _, err := io.WriteString(w, tt.typed); err != nil {
				t.Fatal(err)
			}
			w.Close()
			var echoed strings.Builder
			got, err := readAnswer(in.readKey, func(s string) { echoed.WriteString(s) }, tt.echo)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("answer %q, want %q", got, tt.want)
			}
			if diff := cmp.Diff(tt.wantEcho, echoed.String()); diff != "" {
				t.Errorf("echo (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadAnswerLimit(t *testing.T) {
	in, w := pipeInput(t)
	go func() {
		io.WriteString(w, strings.Repeat("a", maxAnswer+100)+"\r")
	}()
	got, err := readAnswer(in.readKey, func(string) {}, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("a", maxAnswer); got != want {
		t.Errorf("answer of %d characters, want %d", len(got), len(want))
	}
}

// TestReadKeyCRLF checks that Enter sent as CR LF is one key.
func TestReadKeyCRLF(t *testing.T) {
	in, w := pipeInput(t)
	io.WriteString(w, "\r\nq\n\n")
	w.Close()
	var got []rune
	for {
		r, err := in.readKey()
		if err != nil {
			break
		}
		got = append(got, r)
	}
	if diff := cmp.Diff([]rune{'\r', 'q', '\n', '\n'}, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

// TestStopEndsRead checks that stop ends a read that waits for the terminal.
func TestStopEndsRead(t *testing.T) {
	in, _ := pipeInput(t)
	done := make(chan error, 1)
	go func() {
		_, err := in.readKey()
		done <- err
	}()
	in.stop()
	if err := <-done; !errors.Is(err, errStopped) {
		t.Fatalf("read returned %v, want %v", err, errStopped)
	}
	if _, err := in.readKey(); !errors.Is(err, errStopped) {
		t.Fatalf("read after stop returned %v, want %v", err, errStopped)
	}
}

func TestEscapeSequenceLen(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"x", 0},
		{"[A", 2},
		{"[1;5C rest", 5},
		{"[3~", 3},
		{"OB", 2},
		{"O", 1},
		{"[12", 3},
		{"[1\ry", 2},
	}
	for _, tt := range tests {
		if got := escapeSequenceLen([]byte(tt.in)); got != tt.want {
			t.Errorf("escapeSequenceLen(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// FuzzReadAnswer checks that any typed bytes give a valid UTF-8 answer of at
// most maxAnswer printable characters.
func FuzzReadAnswer(f *testing.F) {
	for _, s := range []string{"y\r", "ab\x7fc\r", "\x1b[A\x1b", "é\xff\r", "\x03"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, typed []byte) {
		keys := &input{pending: append([]byte(nil), typed...), stopped: true}
		got, err := readAnswer(keys.readKey, func(string) {}, true)
		if err != nil {
			return
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > maxAnswer {
			t.Fatalf("answer %q", got)
		}
		for _, r := range got {
			if r < ' ' || r == utf8.RuneError {
				t.Fatalf("answer %q holds %q", got, r)
			}
		}
	})
}
