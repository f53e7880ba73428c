package telnetd

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParser(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string // the input, as read
		data   string
		events []Event
	}{
		{"plain", []string{"abc\r\n"}, "abc\r\n", nil},
		{"CR NUL is CR", []string{"a\r\x00b"}, "a\rb", nil},
		{"CR NUL split across reads", []string{"a\r", "\x00b"}, "a\rb", nil},
		{"IAC IAC is 0xFF", []string{"a\xff\xffb"}, "a\xffb", nil},
		{"IAC IAC split", []string{"a\xff", "\xffb"}, "a\xffb", nil},
		{"negotiation", []string{"\xff\xfd\x01x\xff\xfe\x03\xff\xfb\x1f\xff\xfc\x18"}, "x",
			[]Event{{Cmd: cmdDO, Opt: optEcho}, {Cmd: cmdDONT, Opt: optSGA}, {Cmd: cmdWILL, Opt: optNAWS}, {Cmd: cmdWONT, Opt: 24}}},
		{"negotiation split", []string{"\xff", "\xfd", "\x01"}, "", []Event{{Cmd: cmdDO, Opt: optEcho}}},
		{"NAWS", []string{"\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0ok"}, "ok",
			[]Event{{Cmd: cmdSB, Opt: optNAWS, Payload: []byte{0, 80, 0, 24}}}},
		{"NAWS with 255 doubled", []string{"\xff\xfa\x1f\x00\xff\xff\x00\x18\xff\xf0"}, "",
			[]Event{{Cmd: cmdSB, Opt: optNAWS, Payload: []byte{0, 255, 0, 24}}}},
		{"subnegotiation too long is dropped", []string{"\xff\xfa\x18" + string(bytes.Repeat([]byte{'x'}, 100)) + "\xff\xf0y"}, "y",
			[]Event{{Cmd: cmdSB, Opt: 24}}},
		{"command cuts a subnegotiation", []string{"\xff\xfa\x1f\x00\xff\xf6z"}, "z", []Event{{Cmd: cmdAYT}}},
		{"one-byte commands", []string{"\xff\xf4\xff\xf1\xff\xf0"}, "", []Event{{Cmd: cmdIP}, {Cmd: cmdNOP}}},
		{"CR then IAC", []string{"\r\xff\xfb\x01\n"}, "\r\n", []Event{{Cmd: cmdWILL, Opt: optEcho}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ps Parser
			var data []byte
			var events []Event
			for _, c := range tt.chunks {
				var ev []Event
				data, ev = ps.Parse([]byte(c), data)
				events = append(events, ev...)
			}
			if diff := cmp.Diff(tt.data, string(data)); diff != "" {
				t.Errorf("data (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.events, events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	got := Escape(nil, []byte("a\xffb\r\nc\rd\r"))
	if want := []byte("a\xff\xffb\r\nc\r\x00d\r\x00"); !bytes.Equal(got, want) {
		t.Errorf("Escape = %q, want %q", got, want)
	}
}

// TestNegotiator: the answers follow RFC 1143: a request the server made is
// acknowledged without an answer, a request for a state already in force
// gets none, options it does not know are refused once.
func TestNegotiator(t *testing.T) {
	var n Negotiator
	if got, want := n.Start(), []byte{cmdIAC, cmdWILL, optEcho, cmdIAC, cmdWILL, optSGA, cmdIAC, cmdDO, optNAWS}; !bytes.Equal(got, want) {
		t.Fatalf("Start = %v, want %v", got, want)
	}
	steps := []struct {
		ev   Event
		want []byte
	}{
		{Event{Cmd: cmdDO, Opt: optEcho}, nil},                                    // the answer to WILL ECHO
		{Event{Cmd: cmdDO, Opt: optEcho}, nil},                                    // already on: no answer (no loop)
		{Event{Cmd: cmdDONT, Opt: optSGA}, nil},                                   // refusal of WILL SGA
		{Event{Cmd: cmdDO, Opt: optSGA}, []byte{cmdIAC, cmdWILL, optSGA}},         // asked again later: agreed
		{Event{Cmd: cmdWILL, Opt: optNAWS}, nil},                                  // the answer to DO NAWS
		{Event{Cmd: cmdSB, Opt: optNAWS, Payload: []byte{0, 132, 0, 43}}, nil},    // window size
		{Event{Cmd: cmdDO, Opt: 24}, []byte{cmdIAC, cmdWONT, 24}},                 // unknown: refused
		{Event{Cmd: cmdWILL, Opt: 24}, []byte{cmdIAC, cmdDONT, 24}},               // unknown: refused
		{Event{Cmd: cmdWONT, Opt: 24}, nil},                                       // already off
		{Event{Cmd: cmdDONT, Opt: optEcho}, []byte{cmdIAC, cmdWONT, optEcho}},     // on -> off, acknowledged
		{Event{Cmd: cmdDONT, Opt: optEcho}, nil},                                  // already off
		{Event{Cmd: cmdWONT, Opt: optNAWS}, []byte{cmdIAC, cmdDONT, optNAWS}},     // on -> off, acknowledged
		{Event{Cmd: cmdSB, Opt: optNAWS, Payload: []byte{0, 10, 0, 10}}, nil},     // NAWS off: ignored
		{Event{Cmd: cmdWILL, Opt: optBinary}, []byte{cmdIAC, cmdDONT, optBinary}}, // binary: refused
	}
	for i, s := range steps {
		if got := n.Handle(s.ev); !bytes.Equal(got, s.want) {
			t.Errorf("step %d: Handle(%+v) = %v, want %v", i, s.ev, got, s.want)
		}
	}
	if n.Width != 132 || n.Height != 43 {
		t.Errorf("window %dx%d, want 132x43", n.Width, n.Height)
	}
	if n.Echo() || !n.SuppressGoAhead() {
		t.Errorf("Echo %v SuppressGoAhead %v, want false true", n.Echo(), n.SuppressGoAhead())
	}
}

// FuzzParser: any input parses without panic and the same however it is
// split; data is never longer than the input, payloads stay bounded and
// every answer is one command.
func FuzzParser(f *testing.F) {
	f.Add([]byte("admin\r\x00\xff\xff\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0\xff\xfd\x01"), 3)
	f.Add([]byte("\xff\xfa\xff\xf6\xff"), 1)
	f.Fuzz(func(t *testing.T, in []byte, split int) {
		var whole Parser
		data, events := whole.Parse(in, nil)
		if split < 0 {
			split = -split
		}
		var parts Parser
		var data2 []byte
		var events2 []Event
		for i := 0; i < len(in); {
			n := min(split%7+1, len(in)-i)
			var ev []Event
			data2, ev = parts.Parse(in[i:i+n], data2)
			events2 = append(events2, ev...)
			i += n
		}
		if !bytes.Equal(data, data2) {
			t.Fatalf("split parse gives data %q, whole %q", data2, data)
		}
		if len(events) != len(events2) {
			t.Fatalf("split parse gives %d events, whole %d", len(events2), len(events))
		}
		if len(data) > len(in) {
			t.Fatalf("more data (%d) than input (%d)", len(data), len(in))
		}
		var n Negotiator
		n.Start()
		for _, ev := range events {
			if r := n.Handle(ev); len(r) != 0 && len(r) != 3 {
				t.Fatalf("answer %v", r)
			}
			if len(ev.Payload) > maxSubneg {
				t.Fatalf("payload of %d bytes", len(ev.Payload))
			}
		}
	})
}

// BenchmarkParse measures the parser on typed text with CR NUL line ends
// and a negotiation now and then.
func BenchmarkParse(b *testing.B) {
	chunk := bytes.Repeat([]byte("display current-configuration\r\x00\xff\xfd\x01"), 1000)
	b.SetBytes(int64(len(chunk)))
	var ps Parser
	data := make([]byte, 0, len(chunk))
	for b.Loop() {
		data, _ = ps.Parse(chunk, data[:0])
	}
}
