package ftpc

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// readAll reads replies from in until an error, recording the lines traced.
func readAll(in io.Reader) (replies []Reply, traced []string, err error) {
	rr := replyReader{br: bufio.NewReaderSize(in, 16), onLine: func(l string) { traced = append(traced, l) }}
	for {
		r, err := rr.read()
		if err != nil {
			return replies, traced, err
		}
		replies = append(replies, r)
	}
}

func TestReadReply(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Reply
		wantErr error
	}{
		{
			name: "VRP greeting and login",
			in:   "220 FTP service ready.\r\n331 Password required for admin.\r\n230 User logged in.\r\n",
			want: []Reply{
				{220, []string{"220 FTP service ready."}},
				{331, []string{"331 Password required for admin."}},
				{230, []string{"230 User logged in."}},
			},
			wantErr: io.EOF,
		},
		{
			name: "newer VRP multi-line greeting",
			in:   "220-Warning: Ftp is not a secure protocol, and it is recommended to use Sftp.\r\n220 FTP service ready.\r\n",
			want: []Reply{{220, []string{
				"220-Warning: Ftp is not a secure protocol, and it is recommended to use Sftp.",
				"220 FTP service ready.",
			}}},
			wantErr: io.EOF,
		},
		{
			name: "VRP HELP, lines without code kept verbatim",
			in: "214-The following commands are recognized (Commands marked with '*' are unimplemented).\r\n" +
				"USER PASS ACCT* CWD CDUP SMNT* QUIT REIN*\r\n" +
				"FEAT\r\n" +
				"214 Direct comments to Huawei Tech.\r\n",
			want: []Reply{{214, []string{
				"214-The following commands are recognized (Commands marked with '*' are unimplemented).",
				"USER PASS ACCT* CWD CDUP SMNT* QUIT REIN*",
				"FEAT",
				"214 Direct comments to Huawei Tech.",
			}}},
			wantErr: io.EOF,
		},
		{
			name:    "FEAT with leading spaces, other code and code-dash inside",
			in:      "211-Features:\r\n EPSV\r\n 200 not the end\r\n211-still not\r\n211 End\r\n",
			want:    []Reply{{211, []string{"211-Features:", " EPSV", " 200 not the end", "211-still not", "211 End"}}},
			wantErr: io.EOF,
		},
		{
			name:    "bare LF and a bare code",
			in:      "200 ok\n226\n",
			want:    []Reply{{200, []string{"200 ok"}}, {226, []string{"226"}}},
			wantErr: io.EOF,
		},
		{
			name:    "line cut by EOF",
			in:      "220 FTP serv",
			wantErr: io.ErrUnexpectedEOF,
		},
		{
			name:    "multi-line reply cut by EOF",
			in:      "211-Features:\r\n EPSV\r\n",
			wantErr: io.EOF,
		},
		{name: "garbage", in: "hello\r\n", wantErr: ErrMalformedReply},
		{name: "code out of range", in: "600 what\r\n", wantErr: ErrMalformedReply},
		{name: "no separator", in: "200x\r\n", wantErr: ErrMalformedReply},
		{name: "line too long", in: "200 " + strings.Repeat("a", maxLineLength+10) + "\r\n", wantErr: ErrMalformedReply},
		{
			name:    "multi-line reply too long",
			in:      "211-x\r\n" + strings.Repeat("line\r\n", maxReplyLines+1),
			wantErr: ErrMalformedReply,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, traced, err := readAll(strings.NewReader(tt.in))
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("replies mismatch (-want +got):\n%s", diff)
			}
			var wantTraced []string
			for _, r := range tt.want {
				wantTraced = append(wantTraced, r.Lines...)
			}
			if tt.wantErr == io.EOF {
				if diff := cmp.Diff(wantTraced, traced); diff != "" && len(tt.want) > 0 {
					t.Errorf("traced lines mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestReadReplyResumes: a read interrupted by a timeout in the middle of a
// line or of a multi-line reply resumes where it stopped.
func TestReadReplyResumes(t *testing.T) {
	in := "211-Features:\r\n EPSV\r\n211 End\r\n200 next\r\n"
	r := iotest.TimeoutReader(strings.NewReader(in)) // second read fails with a timeout
	rr := replyReader{br: bufio.NewReaderSize(&splitReader{r: r, n: 17}, 16)}
	var got []Reply
	for i := 0; i < 10 && len(got) < 2; i++ {
		reply, err := rr.read()
		if err != nil {
			continue
		}
		got = append(got, reply)
	}
	want := []Reply{{211, []string{"211-Features:", " EPSV", "211 End"}}, {200, []string{"200 next"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies mismatch (-want +got):\n%s", diff)
	}
}

// splitReader returns at most n bytes a read, and passes on errors of r only
// once (iotest.TimeoutReader fails the second read only).
type splitReader struct {
	r io.Reader
	n int
}

func (s *splitReader) Read(p []byte) (int, error) {
	if len(p) > s.n {
		p = p[:s.n]
	}
	return s.r.Read(p)
}

func TestReplyMessage(t *testing.T) {
	tests := []struct {
		reply Reply
		want  string
	}{
		{Reply{227, []string{"227 Entering Passive Mode (127,0,0,1,4,1)."}}, "Entering Passive Mode (127,0,0,1,4,1)."},
		{Reply{211, []string{"211-x", "211 End"}}, "End"},
		{Reply{226, []string{"226"}}, ""},
		{Reply{}, ""},
	}
	for _, tt := range tests {
		if got := tt.reply.Message(); got != tt.want {
			t.Errorf("%v.Message() = %q, want %q", tt.reply.Lines, got, tt.want)
		}
	}
}

func TestParsePASV(t *testing.T) {
	tests := []struct {
		msg     string
		want    string
		wantErr bool
	}{
		{"Entering Passive Mode (127,0,0,1,4,1).", "127.0.0.1:1025", false},
		{"Entering Passive Mode (127,0,1,1,255,255)", "127.0.1.1:65535", false},
		{"Entering passive mode 10,1,1,1,0,21", "10.1.1.1:21", false},
		{"=127,0,0,1,200,10", "127.0.0.1:51210", false},
		{"PASV 1,2,3 then (127,0,0,1,0,1)", "127.0.0.1:1", false},
		{"Entering Passive Mode (127,0,0,1,256,1).", "", true},
		{"Entering Passive Mode (127,0,0,1,4).", "", true},
		{"Entering Passive Mode (1127,0,0,1,4,1).", "", true},
		{"Entering Passive Mode", "", true},
	}
	for _, tt := range tests {
		addr, err := parsePASV(tt.msg)
		if (err != nil) != tt.wantErr {
			t.Errorf("parsePASV(%q) error = %v, want error %v", tt.msg, err, tt.wantErr)
			continue
		}
		if err == nil && addr.String() != tt.want {
			t.Errorf("parsePASV(%q) = %s, want %s", tt.msg, addr, tt.want)
		}
	}
}

func TestParseEPSV(t *testing.T) {
	tests := []struct {
		msg     string
		want    int
		wantErr bool
	}{
		{"Entering Extended Passive Mode (|||6446|)", 6446, false},
		{"Entering extended passive mode (!!!1!).", 1, false},
		{"EPSV ok (|||65535|)", 65535, false},
		{"(|||65536|)", 0, true},
		{"(|||0|)", 0, true},
		{"(|||x|)", 0, true},
		{"(||||)", 0, true},
		{"(|1||2|)", 0, true},
		{"(   80 )", 0, true},
		{"no parens", 0, true},
	}
	for _, tt := range tests {
		got, err := parseEPSV(tt.msg)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseEPSV(%q) = %d, %v; want %d, error %v", tt.msg, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestPortArguments(t *testing.T) {
	a := &net.TCPAddr{IP: net.ParseIP("127.0.1.1"), Port: 2134}
	got, err := portArgument(a)
	if err != nil || got != "127,0,1,1,8,86" {
		t.Errorf("portArgument(%v) = %q, %v; want 127,0,1,1,8,86", a, got, err)
	}
	if _, err := portArgument(&net.TCPAddr{IP: net.IPv6loopback, Port: 1}); err == nil {
		t.Errorf("portArgument(::1) succeeded, want an error")
	}
	for _, tt := range []struct {
		addr *net.TCPAddr
		want string
	}{
		{a, "|1|127.0.1.1|2134|"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 65535}, "|2|::1|65535|"},
	} {
		if got := eprtArgument(tt.addr); got != tt.want {
			t.Errorf("eprtArgument(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestParsePWD(t *testing.T) {
	tests := []struct {
		msg  string
		want string
		ok   bool
	}{
		{`"/" is current directory.`, "/", true},
		{`"/a ""b""" is current directory.`, `/a "b"`, true},
		{`"flash:/test" new directory created.`, "flash:/test", true},
		{`no quotes`, "", false},
		{`"unterminated`, "", false},
	}
	for _, tt := range tests {
		got, ok := parsePWD(tt.msg)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parsePWD(%q) = %q, %v; want %q, %v", tt.msg, got, ok, tt.want, tt.ok)
		}
	}
}

func TestASCIIConversion(t *testing.T) {
	tests := []struct {
		name string
		wire string // CRLF form
		text string // local LF form
		back string // text converted back to the wire
	}{
		{"lines", "a\r\nb\r\n", "a\nb\n", "a\r\nb\r\n"},
		{"lone CR kept", "a\rb\r\n\r", "a\rb\n\r", "a\rb\r\n\r"},
		{"CR CR LF", "x\r\r\n", "x\r\n", "x\r\n"},
		{"empty", "", "", ""},
		{"no line end", "abc", "abc", "abc"},
		{"blank lines", "\r\n\r\n\r\n", "\n\n\n", "\r\n\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Every split of the input into writes: CRs at chunk ends.
			for split := 0; split <= len(tt.wire); split++ {
				var out bytes.Buffer
				conv := &crlfToLF{w: &out}
				conv.Write([]byte(tt.wire[:split]))
				conv.Write([]byte(tt.wire[split:]))
				conv.flush()
				if diff := cmp.Diff(tt.text, out.String()); diff != "" {
					t.Errorf("crlfToLF split at %d mismatch (-want +got):\n%s", split, diff)
				}
			}
			for _, r := range []io.Reader{
				strings.NewReader(tt.text),
				iotest.OneByteReader(strings.NewReader(tt.text)),
				iotest.HalfReader(strings.NewReader(tt.text)),
			} {
				got, err := io.ReadAll(&lfToCRLF{r: r})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.back, string(got)); diff != "" {
					t.Errorf("lfToCRLF mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}
