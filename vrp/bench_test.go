package vrp

import (
	"io"
	"testing"
)

type discardTerminal struct{}

func (discardTerminal) Write(p []byte) (int, error)           { return len(p), nil }
func (discardTerminal) ReadLine(string, bool) (string, error) { return "", io.EOF }
func (discardTerminal) ReadKey() (rune, error)                { return 0, io.EOF }

// BenchmarkMatch parses a typical abbreviated line.
func BenchmarkMatch(b *testing.B) {
	g, err := grammar()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := g.Match(viewAAA, 15, "local-user huawei priv lev 15"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExecute parses and runs typical lines in a session: a
// configuration change and a display.
func BenchmarkExecute(b *testing.B) {
	for _, line := range []string{"local-user admin privilege level 15", "display this", "dis cu | inc local-user"} {
		b.Run(line, func(b *testing.B) {
			d := newTestDevice(b, nil)
			s, err := d.OpenSession(SessionInfo{Line: LineConsole}, discardTerminal{})
			if err != nil {
				b.Fatal(err)
			}
			s.Execute("system-view")
			s.Execute("aaa")
			b.ReportAllocs()
			for b.Loop() {
				s.Execute(line)
			}
		})
	}
}
