package sshd

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/internal/frontend"
)

// feed returns a closed pump channel holding data in chunks of varied sizes
// (a chunk boundary can fall inside a key's bytes).
func feed(data []byte) <-chan []byte {
	var chunks [][]byte
	for size := 1; len(data) > 0; size = size%7 + 1 {
		n := min(size, len(data))
		chunks = append(chunks, data[:n])
		data = data[n:]
	}
	ch := make(chan []byte, len(chunks))
	for _, c := range chunks {
		ch <- c
	}
	close(ch)
	return ch
}

var fuzzSeeds = []string{
	"display version\r",
	"dis?\t\x1a\x03\r\n",
	"screen-length 3 temporary\rdisplay current-configuration\r \rq",
	"\x1b[A\x1b[B\x1b[C\x1b[D\x1bOA\x1b[3~\x1b[1;3C\x1b[200~x\x1b[201~",
	"\xff\xfe\xc3\x28\xe2\x82\r",
	"\x1b" + strings.Repeat("9", 40) + "\r",
	"system-view\rsysname \xe2\x9c\x93\rreturn\rsave\ry\r",
	"a\x00b\x7f\x08\x15\x17\x0b\x0c\x14\x18\x19\r",
}

// FuzzReadLine: lines read without the editor hold every byte of the input
// but the line endings, in order, and never a line ending.
func FuzzReadLine(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(strings.Repeat("x", frontend.MaxAnswer+10) + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &frontend.Input{Chunks: feed(data)}
		var lines []string
		for {
			line, err := in.ReadLine()
			if err != nil {
				break
			}
			if strings.ContainsAny(line, "\r\n") || len(line) > frontend.MaxAnswer {
				t.Fatalf("line %q", line)
			}
			lines = append(lines, line)
		}
		want := strings.NewReplacer("\r", "", "\n", "").Replace(string(data))
		got := strings.Join(lines, "")
		if len(want) <= frontend.MaxAnswer && got != want {
			t.Errorf("lines %q, want the bytes %q", lines, want)
		}
	})
}

// FuzzTerminal runs an interactive session on arbitrary keys: it must end
// when the input ends, without a panic, and print valid UTF-8. (The line
// discipline's own fuzz test is vrp/tty's FuzzTerminal.)
func FuzzTerminal(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	d := newDevice(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &frontend.Input{Chunks: feed(data)}
		var out bytes.Buffer
		p := newPtyTerminal(&out, in)
		// No AAA user: the session has the VTY's default level, so random
		// input cannot reach the commands that change the device's users or
		// connect to other hosts.
		s, err := d.OpenSession(vrp.SessionInfo{Line: vrp.LineVTY, Protocol: "SSH", Interactive: true}, p)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		p.Attach(s)
		p.Run()
		p.Flush()
		if !utf8.Valid(out.Bytes()) {
			t.Errorf("invalid UTF-8 in the output: %q", out.Bytes())
		}
	})
}
