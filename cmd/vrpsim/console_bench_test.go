package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// BenchmarkConsoleKeyBytes reports the bytes "vrpsim console" writes to its
// terminal for one key of each kind, typed alone at the end of the line
// "display version" (or "dis", or a 300-character line).
//
//	go test -run '^$' -bench ConsoleKeyBytes -benchtime 1x ./cmd/vrpsim/
func BenchmarkConsoleKeyBytes(b *testing.B) {
	con := startConsole(b)
	con.do(step{"screen-length 0 temporary\r", "<Huawei>", true}) // for Up to recall
	// output types the line, then the key once the terminal is quiet, and
	// returns the bytes written after the key until the terminal is quiet
	// again; Ctrl+C then discards the line.
	output := func(line, key string) int64 {
		io.WriteString(con.pty, line)
		con.quiet()
		start := con.written.Load()
		io.WriteString(con.pty, key)
		con.quiet()
		n := con.written.Load() - start
		con.do(step{"\x03", "<Huawei>", true})
		return n
	}
	long := strings.Repeat("x", 300)
	for _, kc := range []struct {
		name, line, key string
	}{
		{"char", "display version", "x"},
		{"backspace", "display version", "\x7f"},
		{"left", "display version", "\x1b[D"},
		{"ctrl-u", "display version", "\x15"},
		{"up", "display version", "\x1b[A"},
		{"tab", "dis", "\t"},
		{"help", "dis", "?"},
		{"long-char", long, "x"},
		{"long-backspace", long, "\x7f"},
		{"long-help", long, "?"},
	} {
		b.Run(kc.name, func(b *testing.B) {
			var n int64
			for range b.N {
				n = output(kc.line, kc.key)
			}
			b.ReportMetric(float64(n), "bytes/key")
		})
	}
}

// quiet waits until vrpsim has written nothing to the terminal for 200 ms
// (a benchmark's pace, not a test's).
func (p *consoleProcess) quiet() {
	for {
		n := p.written.Load()
		time.Sleep(200 * time.Millisecond)
		if p.written.Load() == n {
			return
		}
	}
}
