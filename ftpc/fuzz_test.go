package ftpc

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

func FuzzReadReply(f *testing.F) {
	f.Add([]byte("220 FTP service ready.\r\n"))
	f.Add([]byte("220-Warning: Ftp is not a secure protocol.\r\n220 FTP service ready.\r\n331 x\r\n"))
	f.Add([]byte("211-Features:\r\n EPSV\r\n211 End\r\n"))
	f.Add([]byte("226\n150-\n150 \n"))
	f.Add([]byte("2"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var traced []string
		rr := replyReader{br: bufio.NewReaderSize(bytes.NewReader(in), 16), onLine: func(l string) { traced = append(traced, l) }}
		var lines []string
		for i := 0; ; i++ {
			r, err := rr.read()
			if err != nil {
				break
			}
			if r.Code < 100 || r.Code > 599 || len(r.Lines) == 0 {
				t.Fatalf("bad reply %+v", r)
			}
			first, last := r.Lines[0], r.Lines[len(r.Lines)-1]
			if code, _, ok := parseCode(first); !ok || code != r.Code {
				t.Fatalf("first line %q does not carry code %d", first, r.Code)
			}
			if code, sep, ok := parseCode(last); !ok || code != r.Code || sep != ' ' {
				t.Fatalf("last line %q does not end reply %d", last, r.Code)
			}
			for _, l := range r.Lines {
				if strings.ContainsAny(l, "\n") || len(l) > maxLineLength+2 {
					t.Fatalf("bad line %q", l)
				}
			}
			lines = append(lines, r.Lines...)
			if i > len(in) {
				t.Fatalf("more replies than input bytes")
			}
		}
		// Every line of every reply was traced, in order.
		if len(traced) < len(lines) {
			t.Fatalf("traced %d lines, replies have %d", len(traced), len(lines))
		}
		for i := range lines {
			if traced[i] != lines[i] {
				t.Fatalf("traced line %d = %q, reply line %q", i, traced[i], lines[i])
			}
		}
	})
}

func FuzzParsePASV(f *testing.F) {
	f.Add("Entering Passive Mode (127,0,0,1,4,1).")
	f.Add("=10,1,1,1,0,21")
	f.Add("1,2,3,4,5,6,7")
	f.Fuzz(func(t *testing.T, msg string) {
		addr, err := parsePASV(msg)
		if err != nil {
			return
		}
		if addr.Port < 0 || addr.Port > 65535 || addr.IP.To4() == nil {
			t.Fatalf("parsePASV(%q) = %v", msg, addr)
		}
		arg, err := portArgument(addr)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parsePASV("Entering Passive Mode (" + arg + ").")
		if err != nil || again.String() != addr.String() {
			t.Fatalf("round trip of %v through %q gave %v, %v", addr, arg, again, err)
		}
	})
}

func FuzzParseEPSV(f *testing.F) {
	f.Add("Entering Extended Passive Mode (|||6446|)")
	f.Add("(!!!1!)")
	f.Add("(|||)")
	f.Fuzz(func(t *testing.T, msg string) {
		port, err := parseEPSV(msg)
		if err != nil {
			return
		}
		if port < 1 || port > 65535 {
			t.Fatalf("parseEPSV(%q) = %d", msg, port)
		}
	})
}

func FuzzASCIIRoundTrip(f *testing.F) {
	f.Add([]byte("a\nb\r\nc\r"), 3)
	f.Fuzz(func(t *testing.T, text []byte, split int) {
		wire, err := io.ReadAll(&lfToCRLF{r: bytes.NewReader(text)})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Count(wire, []byte("\n")) != bytes.Count(text, []byte("\n")) {
			t.Fatalf("line count changed: %q -> %q", text, wire)
		}
		for i := 0; i < len(wire); i++ {
			if wire[i] == '\n' && (i == 0 || wire[i-1] != '\r') {
				t.Fatalf("bare LF on the wire: %q", wire)
			}
		}
		var back bytes.Buffer
		conv := &crlfToLF{w: &back}
		if split < 0 {
			split = -split
		}
		if len(wire) > 0 {
			split %= len(wire) + 1
		} else {
			split = 0
		}
		conv.Write(wire[:split])
		conv.Write(wire[split:])
		conv.flush()
		// Text without CRLF comes back unchanged.
		if !bytes.Contains(text, []byte("\r\n")) && !bytes.Equal(back.Bytes(), text) {
			t.Fatalf("round trip %q -> %q -> %q", text, wire, back.Bytes())
		}
	})
}
