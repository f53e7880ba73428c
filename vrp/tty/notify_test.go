package tty

import (
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// syncBuffer is the terminal's output, read while the terminal runs.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitOutput waits until the output ends with want (the terminal then waits
// for a key with its state settled).
func waitOutput(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.HasSuffix(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output %q does not end with %q", out.String(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestNotify: a message printed while a command line is typed goes on a line
// of its own, followed by the prompt, the line typed so far and the cursor
// moved back where it was; while a password is typed, only the prompt comes
// back; while no line is read, the message alone is printed.
func TestNotify(t *testing.T) {
	in, keys := io.Pipe()
	out := &syncBuffer{}
	term := New(in, out)
	done := make(chan struct{})
	var line, pw string
	go func() {
		defer close(done)
		line, _, _ = term.ReadCommand(prompt, &testCLI{})
		pw, _ = term.ReadLine("Password:", false)
	}()
	io.WriteString(keys, "dis ver\x02\x02")
	waitOutput(t, out, prompt+"dis ver\b\b")
	term.Notify("Nov 24 2026 10:30:00 Huawei %%01FTPS/3/LOGINFAILED(l)[0]:Failed to login.")
	io.WriteString(keys, "X\r")
	waitOutput(t, out, "Password:")
	io.WriteString(keys, "se")
	term.Notify("second")
	io.WriteString(keys, "cret\r")
	<-done
	term.Notify("third")
	keys.Close()
	want := prompt + "dis ver\b\b" +
		"\r\nNov 24 2026 10:30:00 Huawei %%01FTPS/3/LOGINFAILED(l)[0]:Failed to login.\r\n" + prompt + "dis ver\b\b" +
		"Xer\b\b\r\n" +
		"Password:" + "\r\nsecond\r\nPassword:" + "\r\n" +
		"\r\nthird\r\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if line != "dis vXer" || pw != "secret" {
		t.Errorf("read %q and %q, want %q and %q", line, pw, "dis vXer", "secret")
	}
}
