package sshd

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/internal/frontend"
)

// typingSessions, typingLines and typingLength shape BenchmarkTypingLongLines:
// 4 sessions each type 2 lines of 4,000 characters, one key per SSH packet.
const (
	typingSessions = 4
	typingLines    = 2
	typingLength   = 4000
	typingPace     = 200 * time.Microsecond
)

// BenchmarkTypingLongLines measures the server's CPU time while 4 pty
// sessions (driven by a client in another process, so that only the
// server is counted) type 4,000-character lines one key per packet and end
// each with Enter. It reports the server's CPU milliseconds per line (the
// client's log-ins included) and the bytes the server sent per key typed.
// (The wall time is the client's pacing, which sleeps.)
//
//	go test -run '^$' -bench TypingLongLines -benchtime 3x ./vrp/sshd/
func BenchmarkTypingLongLines(b *testing.B) {
	_, addr := startServer(b, newDevice(b))
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	var cpu time.Duration
	var sent int64
	for range b.N {
		cmd := exec.Command(exe, "-test.run=^TestTypingClient$")
		cmd.Env = append(os.Environ(), "SSHD_TYPING_CLIENT="+addr)
		var out strings.Builder
		cmd.Stdout = &out
		cmd.Stderr = os.Stderr
		before := cpuTime()
		if err := cmd.Run(); err != nil {
			b.Fatalf("client: %v\n%s", err, out.String())
		}
		cpu += cpuTime() - before
		for _, f := range strings.Fields(out.String()) {
			if n, ok := strings.CutPrefix(f, "received="); ok {
				v, err := strconv.ParseInt(n, 10, 64)
				if err != nil {
					b.Fatal(err)
				}
				sent += v
			}
		}
	}
	lines := float64(b.N * typingSessions * typingLines)
	b.ReportMetric(float64(cpu.Microseconds())/1000/lines, "server-cpu-ms/line")
	b.ReportMetric(float64(sent)/lines/(typingLength+1), "bytes/key")
}

// cpuTime is the CPU time (user and system) of this process so far, its
// children excluded.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestTypingClient is BenchmarkTypingLongLines' client process: it types the
// lines in each session at once and prints how many bytes the server sent
// after the first prompt.
func TestTypingClient(t *testing.T) {
	addr := os.Getenv("SSHD_TYPING_CLIENT")
	if addr == "" {
		t.Skip("run by BenchmarkTypingLongLines")
	}
	c := mustDial(t, addr)
	// One key every 200 µs: each key reaches the server alone, as typed
	// keys do, instead of many per read as a paste.
	pace := func() { time.Sleep(typingPace) }
	var wg sync.WaitGroup
	received := make([]int, typingSessions)
	line := strings.Repeat("x", typingLength)
	for i := range typingSessions {
		sh := openShell(t, c)
		sh.waitFor(t, "<Huawei>")
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := sh.off
			for range typingLines {
				for j := range line {
					pace()
					if _, err := io.WriteString(sh.in, line[j:j+1]); err != nil {
						t.Error(err)
						return
					}
				}
				io.WriteString(sh.in, "\r")
				sh.off = sh.out.waitFor(t, sh.off, "<Huawei>")
			}
			received[i] = sh.off - start
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range received {
		total += n
	}
	fmt.Printf("received=%d\n", total)
}

// BenchmarkKeyBytes reports the bytes the server sends for one key of each
// kind, typed alone on the line "display version" (and at the end of a
// 300-character line): the output of the keys then Ctrl+C, less that of
// the line and Ctrl+C alone.
//
//	go test -run '^$' -bench KeyBytes -benchtime 1x ./vrp/sshd/
func BenchmarkKeyBytes(b *testing.B) {
	_, addr := startServer(b, newDevice(b))
	c := mustDial(b, addr)
	sh := openShell(b, c)
	sh.waitFor(b, "<Huawei>")
	sh.send(b, "screen-length 0 temporary\r") // for Up to recall
	sh.waitFor(b, "<Huawei>")
	// output types keys one at a time, each in its own packet after the
	// echo of the one before, and returns the bytes sent until the prompt
	// that follows Ctrl+C.
	output := func(keys ...string) int {
		start := sh.off
		for _, k := range keys {
			sh.send(b, k)
			sh.out.next(b, sh.off, 1)
			sh.off = len(sh.out.String())
		}
		sh.send(b, "\x03")
		sh.waitFor(b, "<Huawei>")
		return sh.off - start
	}
	long := strings.Repeat("x", 300)
	for _, kc := range []struct {
		name, line string
		keys       []string
	}{
		{"char", "display version", []string{"x"}},
		{"backspace", "display version", []string{"\x7f"}},
		{"left", "display version", []string{"\x1b[D"}},
		{"ctrl-u", "display version", []string{"\x15"}},
		{"up", "display version", []string{"\x1b[A"}},
		{"tab", "dis", []string{"\t"}},
		{"help", "dis", []string{"?"}},
		{"long-char", long, []string{"x"}},
		{"long-backspace", long, []string{"\x7f"}},
		{"long-help", long, []string{"?"}},
	} {
		b.Run(kc.name, func(b *testing.B) {
			var typed []string
			for _, r := range kc.line {
				typed = append(typed, string(r))
			}
			var n int
			for range b.N {
				n = output(append(typed, kc.keys...)...) - output(typed...)
			}
			b.ReportMetric(float64(n), "bytes/key")
		})
	}
}

// BenchmarkLineDiscipline measures the server's line discipline alone (no
// SSH): a pty session typing lines of 80 and 4,000 characters, one key per
// chunk of input as typed keys come, each line ended by Enter. It reports
// the time per key.
//
//	go test -run '^$' -bench LineDiscipline ./vrp/sshd/
func BenchmarkLineDiscipline(b *testing.B) {
	d := newDevice(b)
	for _, n := range []int{80, 4000} {
		b.Run(fmt.Sprintf("line-%d", n), func(b *testing.B) {
			keys := strings.Repeat("x", n) + "\r"
			chunks := make(chan []byte, 4096)
			go func() {
				for i := 0; i < b.N; {
					for j := 0; j < len(keys) && i < b.N; j, i = j+1, i+1 {
						chunks <- []byte{keys[j]}
					}
				}
				close(chunks)
			}()
			p := newPtyTerminal(io.Discard, &frontend.Input{Chunks: chunks})
			s, err := d.OpenSession(vrp.SessionInfo{Line: vrp.LineVTY, Protocol: "SSH", Interactive: true}, p)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			p.Attach(s)
			b.ResetTimer()
			p.Run()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/key")
		})
	}
}
