package tftpc

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want Packet
		bad  bool
	}{
		{in: "\x00\x01a.txt\x00octet\x00", want: Packet{Op: opRRQ, File: "a.txt", Mode: "octet"}},
		{in: "\x00\x02a\x00OCTET\x00tsize\x0012\x00BlkSize\x001428\x00", want: Packet{Op: opWRQ, File: "a", Mode: "octet", Options: map[string]string{"tsize": "12", "blksize": "1428"}}},
		{in: "\x00\x03\x00\x07abc", want: Packet{Op: opDATA, Block: 7, Data: []byte("abc")}},
		{in: "\x00\x04\xff\xff", want: Packet{Op: opACK, Block: 65535}},
		{in: "\x00\x05\x00\x01File not found\x00", want: Packet{Op: opERROR, Code: 1, Message: "File not found"}},
		{in: "\x00\x06tsize\x00100\x00", want: Packet{Op: opOACK, Options: map[string]string{"tsize": "100"}}},
		{in: "\x00", bad: true},
		{in: "\x00\x09", bad: true},
		{in: "\x00\x01a.txt\x00octet", bad: true},
		{in: "\x00\x01\x00octet\x00", bad: true},
		{in: "\x00\x01a\x00octet\x00tsize\x00", bad: true},
		{in: "\x00\x04\x00", bad: true},
		{in: "\x00\x04\x00\x01\x00", bad: true},
		{in: "\x00\x06\x00x\x00", bad: true},
	}
	for _, c := range cases {
		got, err := Parse([]byte(c.in))
		if c.bad {
			if err == nil {
				t.Errorf("Parse(%q) = %+v, want an error", c.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", c.in, diff)
		}
	}
}

// FuzzParse: a packet that parses marshals to bytes that parse to the same
// packet.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"\x00\x01a.txt\x00octet\x00", "\x00\x02a\x00octet\x00tsize\x0012\x00blksize\x001428\x00",
		"\x00\x03\x00\x07abc", "\x00\x04\x00\x01", "\x00\x05\x00\x01File not found\x00",
		"\x00\x06tsize\x00100\x00", "\x00\x05\x00\x00no zero",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		p.Data = bytes.Clone(p.Data)
		q, err := Parse(p.Marshal())
		if err != nil {
			t.Fatalf("Parse(Marshal(%+v)): %v", p, err)
		}
		if p.Op == opERROR && bytes.IndexByte([]byte(p.Message), 0) >= 0 {
			return
		}
		if diff := cmp.Diff(p, q, cmp.Comparer(func(a, b []byte) bool { return bytes.Equal(a, b) })); diff != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", b, diff)
		}
	})
}
