package ftpd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"USER huawei", "retr a b  c", "", "NOOP", "X", "ABCDE", "CWD \xc3\x28", "PASS", "STOR  two"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		verb, arg, err := parseCommand(line)
		if err != nil {
			return
		}
		if len(verb) < 3 || len(verb) > 4 || strings.ToUpper(verb) != verb {
			t.Fatalf("verb %q from %q", verb, line)
		}
		rebuilt := verb
		if strings.Contains(line, " ") {
			rebuilt += " " + arg
		}
		if !strings.EqualFold(rebuilt, line) {
			t.Fatalf("%q parsed as %q + %q", line, verb, arg)
		}
		for _, c := range []byte(arg) {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("control character in argument %q", arg)
			}
		}
	})
}

func FuzzReadCommandLine(f *testing.F) {
	f.Add([]byte("USER a\r\nPASS b\r\n"))
	f.Add([]byte("\xff\xf4\xff\xf2ABOR\r\n"))
	f.Add([]byte(strings.Repeat("x", 100) + "\nNOOP\n"))
	f.Add([]byte("\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReaderSize(bytes.NewReader(data), 32)
		for i := 0; ; i++ {
			line, err := readCommandLine(r)
			if err == errLineTooLong {
				continue
			}
			if err != nil {
				return
			}
			if strings.ContainsAny(line, "\n") || len(line) > 32 {
				t.Fatalf("line %q", line)
			}
			if i > len(data) {
				t.Fatal("more lines than bytes")
			}
		}
	})
}

func FuzzParsePORT(f *testing.F) {
	for _, s := range []string{"127,0,0,1,4,1", "1,2,3", "256,0,0,1,0,1", "127,0,0,1,0,0", " 10,0,0,1,255,255", "1,2,3,4,5,+6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		ap, err := parsePORT(arg)
		if err != nil {
			return
		}
		if !ap.Addr().Is4() || ap.Port() == 0 {
			t.Fatalf("%q -> %v", arg, ap)
		}
		again, err := parsePORT(formatPASV(ap))
		if err != nil || again != ap {
			t.Fatalf("%q -> %v -> %q -> %v, %v", arg, ap, formatPASV(ap), again, err)
		}
	})
}

func FuzzParseEPRT(f *testing.F) {
	for _, s := range []string{"|1|127.0.0.1|1025|", "|2|::1|21|", "!1!10.0.0.1!80!", "|3|x|1|", "|1|::1|1|", "|2|fe80::1%eth0|1|", "||||"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		ap, err := parseEPRT(arg)
		if err != nil {
			return
		}
		if ap.Port() == 0 || ap.Addr().Zone() != "" {
			t.Fatalf("%q -> %v", arg, ap)
		}
		proto := 2
		if ap.Addr().Is4() {
			proto = 1
		}
		text := fmt.Sprintf("|%d|%s|%d|", proto, ap.Addr(), ap.Port())
		again, err := parseEPRT(text)
		if err != nil || again != ap {
			t.Fatalf("%q -> %v -> %q -> %v, %v", arg, ap, text, again, err)
		}
	})
}

func FuzzVirtualPath(f *testing.F) {
	for _, s := range []string{"../..", "/a/../../b", "a/./b/", "", "..\\..", "//x"} {
		f.Add("/test", s)
	}
	f.Fuzz(func(t *testing.T, cwd, arg string) {
		cwd = virtualPath("/", cwd)
		v := virtualPath(cwd, arg)
		if !strings.HasPrefix(v, "/") {
			t.Fatalf("%q in %q -> %q", arg, cwd, v)
		}
		for _, el := range strings.Split(v, "/") {
			if el == ".." || el == "." {
				t.Fatalf("%q in %q -> %q", arg, cwd, v)
			}
		}
		if p := flashPath("flash:/test", v); !strings.HasPrefix(p, "flash:/test") {
			t.Fatalf("flash path %q", p)
		}
	})
}

func FuzzASCII(f *testing.F) {
	f.Add([]byte("a\r\nb\nc\r"), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		bufSize := int(size)%61 + 3
		var wire bytes.Buffer
		if _, err := toCRLF(&wire, bytes.NewReader(data), make([]byte, bufSize)); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(bytes.ReplaceAll(wire.Bytes(), []byte("\r\n"), nil), []byte("\n")) {
			t.Fatalf("bare LF on the wire: %q", wire.Bytes())
		}
		var back bytes.Buffer
		if _, err := fromCRLF(&back, io.MultiReader(&wire), make([]byte, bufSize)); err != nil {
			t.Fatal(err)
		}
		want := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		if !bytes.Equal(back.Bytes(), want) {
			t.Fatalf("round trip of %q = %q, want %q", data, back.Bytes(), want)
		}
	})
}
