package sshd

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestBadInput: input no user should send leaves the session working.
func TestBadInput(t *testing.T) {
	const unrecognized = "Error: Unrecognized command found at '^' position.\r\n<Huawei>"
	tests := []struct {
		name, keys string
		want       string // in the output after the keys
	}{
		// Keys past 510 characters are ignored, as on the device.
		{"line over the maximum", strings.Repeat("a", 600) + "\r",
			strings.Repeat("a", 510) + "\r\n        ^\r\n" + unrecognized},
		{"line far over the maximum", strings.Repeat("display ", 1000) + "\r",
			strings.Repeat("display ", 63) + "displa\r\n                ^\r\n" + unrecognized},
		{"control characters", "\x00\x0e\x10\x1c\x1d\x1e\x1f\x1b\x1b[\x1b[9999999999D\x1b[1;3C\r", "<Huawei>"},
		{"invalid UTF-8", "\xff\xfe\xc3\x28 \xe2\x82\r", "<Huawei>"},
		{"UTF-8 text", "système ünïcode ✓\r", "Error: Unrecognized command found at '^' position.\r\n<Huawei>"},
		{"Ctrl+L is ignored", "\x0cdisplay version\r", "display version\r\n" + versionOutput + "<Huawei>"},
		{"unterminated escape sequence", "\x1b" + strings.Repeat("1", 300) + "\r", "<Huawei>"},
		{"escape before Enter", "display version\x1b\r", versionOutput + "<Huawei>"},
		{"escape sequence with a bad byte: the ESC is dropped", "display version\x1b[1\r",
			"display version[1\r\n                ^\r\nError: Unrecognized command found at '^' position.\r\n<Huawei>"},
		{"Alt+b", "\x1bb\r", "<Huawei>"},
		{"bracketed paste markers", "\x1b[200~display version\r\x1b[201~", versionOutput + "<Huawei>"},
	}
	d := newDevice(t)
	_, addr := startServer(t, d)
	c := mustDial(t, addr)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh := openShell(t, c)
			sh.waitFor(t, "<Huawei>")
			sh.send(t, tt.keys)
			sh.waitFor(t, tt.want)
			// The session still works.
			sh.send(t, "\x05\x15display version\r")
			sh.waitFor(t, versionOutput+"<Huawei>")
			sh.send(t, "quit\r")
			sh.out.waitEOF(t)
			if err := sh.sess.Wait(); err != nil {
				t.Errorf("exit: %v", err)
			}
		})
	}
}

// TestPastedBlock: many lines arriving at once run one after another, each
// echoed after its prompt, in order.
func TestPastedBlock(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	sh := openShell(t, mustDial(t, addr))
	sh.waitFor(t, "<Huawei>")
	var keys, want strings.Builder
	keys.WriteString("system-view\r")
	want.WriteString("system-view\r\nEnter system view, return user view with Ctrl+Z.\r\n[Huawei]")
	for i := range 100 {
		fmt.Fprintf(&keys, "sysname R%d\r", i)
		fmt.Fprintf(&want, "sysname R%d\r\n[R%d]", i, i)
	}
	keys.WriteString("return\r")
	want.WriteString("return\r\n<R99>")
	sh.send(t, keys.String())
	sh.expect(t, want.String())
}

// TestPastedHelp: a pasted "?" shows help and the line stays; the Enter that
// follows runs it (as on the device).
func TestPastedHelp(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	sh := openShell(t, mustDial(t, addr))
	sh.waitFor(t, "<Huawei>")
	sh.send(t, "display version ?\r")
	sh.expect(t, "display version ?\r\n  |                     Matching output\r\n  <cr>\r\n"+
		"<Huawei>display version \r\n"+versionOutput+"<Huawei>")
}

// TestAnswerKeys: questions in an interactive session read an answer with
// the line editor; Ctrl+C abandons the question; "?" is an ordinary
// character there; Ctrl+Z is ignored.
func TestAnswerKeys(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	sh := openShell(t, mustDial(t, addr))
	sh.waitFor(t, "<Huawei>")
	const question = "save\r\n  The current configuration will be written to the device.\r\n  Are you sure to continue? (y/n)[n]:"
	sh.send(t, "save\r")
	sh.expect(t, question)
	sh.send(t, "y?\x1a\x03")
	sh.expect(t, "y?\r\n\r\n<Huawei>")
	sh.send(t, "save\r")
	sh.expect(t, question)
	sh.send(t, "\x1b[A\x1b[Bn\r")
	sh.expect(t, "n\r\n<Huawei>")
	// The answers are not part of the command history.
	sh.send(t, "\x1b[A")
	sh.expect(t, "save")
}

// TestDisconnects: clients that vanish mid-command, mid-question or
// mid-paging free their VTY line.
func TestDisconnects(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	for _, keys := range []string{
		"screen-length 3 temporary\rdisplay current-configuration\r", // stops at "---- More ----"
		"save\r", // stops at the question
		"dis",    // mid-line
	} {
		for range 5 { // as many as there are VTY lines
			c := mustDial(t, addr)
			sh := openShell(t, c)
			sh.waitFor(t, "<Huawei>")
			sh.send(t, keys)
			sh.waitFor(t, keys[len(keys)-2:])
			c.Close()
		}
	}
	// The lines are free again (the server notices the disconnects shortly).
	deadline := time.Now().Add(20 * time.Second)
	for {
		c := mustDial(t, addr)
		out, status := run(t, c, "display version", "")
		c.Close()
		if status == 0 {
			if out != strings.ReplaceAll(versionOutput, "\r\n", "\n") {
				t.Errorf("output %q", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("VTY lines still taken: %q", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestNoGoroutineLeak opens and ends 200 sessions in all the ways they end
// and checks that the number of goroutines returns to where it was.
func TestNoGoroutineLeak(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	settle := func(limit int) int {
		deadline := time.Now().Add(20 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= limit || time.Now().After(deadline) {
				return n
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	warm := mustDial(t, addr)
	run(t, warm, "display version", "")
	warm.Close()
	baseline := runtime.NumGoroutine()
	for { // wait until the warm-up's goroutines are gone
		time.Sleep(20 * time.Millisecond)
		n := runtime.NumGoroutine()
		if n == baseline {
			break
		}
		baseline = n
	}

	ends := []func(t *testing.T, sh *shell){
		func(t *testing.T, sh *shell) { sh.send(t, "quit\r"); sh.out.waitEOF(t) },
		func(t *testing.T, sh *shell) { sh.sess.Close() },
		func(t *testing.T, sh *shell) {
			sh.send(t, "screen-length 3 temporary\rdisplay current-configuration\r")
			sh.waitFor(t, "---- More ----")
		},
		func(t *testing.T, sh *shell) { sh.send(t, "save\r"); sh.waitFor(t, "(y/n)[n]:") },
	}
	for i := range 200 {
		c, err := dial(t, addr, adminUser, adminPassword)
		if err != nil {
			t.Fatal(err)
		}
		if i%5 == 4 {
			run(t, c, "display version", "")
		} else {
			sh := openShell(t, c)
			sh.waitFor(t, "<Huawei>")
			ends[i%5](t, sh)
		}
		c.Close()
	}
	if n := settle(baseline); n > baseline {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%d goroutines after 200 sessions, %d before:\n%s", n, baseline, buf)
	}
}

// TestCloseEndsEverything: Close ends open sessions, waiting logins and
// idle connections, and Serve returns.
func TestCloseEndsEverything(t *testing.T) {
	d := newDevice(t)
	srv, addr := startServer(t, d, func(s *Server) { s.FailureDelay = time.Hour })
	c := mustDial(t, addr)
	sh := openShell(t, c)
	sh.waitFor(t, "<Huawei>")
	idle := mustDial(t, addr)
	_ = idle
	refused := make(chan error, 1)
	go func() {
		c, err := dial(t, addr, adminUser, "wrong")
		if err == nil {
			c.Close()
		}
		refused <- err
	}()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	sh.out.waitEOF(t)
	if err := <-refused; err == nil {
		t.Error("refused login succeeded")
	}
	if _, err := dial(t, addr, adminUser, adminPassword); err == nil {
		t.Error("login after Close")
	}
	if diff := cmp.Diff("Info: The max number", sh.out.String()[:20]); diff != "" {
		t.Error(diff)
	}
}
