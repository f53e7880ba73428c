package vrp

import (
	"strings"
	"testing"
)

// TestParseIfName: interface names as one word, abbreviated and in any
// case, as VRP takes them; numbers the AR2220 does not have are refused.
func TestParseIfName(t *testing.T) {
	for _, tc := range []struct {
		word, want string
	}{
		{"GigabitEthernet0/0/0", "GigabitEthernet0/0/0"},
		{"gigabitethernet0/0/1", "GigabitEthernet0/0/1"},
		{"g0/0/2", "GigabitEthernet0/0/2"},
		{"GE0/0/0", ""}, // not a prefix of GigabitEthernet
		{"g0/0/3", ""},
		{"g0/0", ""},
		{"LoopBack0", "LoopBack0"},
		{"lo1023", "LoopBack1023"},
		{"l5", "LoopBack5"},
		{"lo1024", ""},
		{"lo01", ""},
		{"lo", ""},
		{"NULL0", "NULL0"},
		{"nu0", "NULL0"},
		{"null1", ""},
		{"0/0/0", ""},
		{"", ""},
	} {
		n, ok := parseIfName(tc.word)
		got := ""
		if ok {
			got = n.String()
		}
		if got != tc.want {
			t.Errorf("parseIfName(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}

// TestMaskBits: dotted masks with contiguous ones, and their lengths back.
func TestMaskBits(t *testing.T) {
	for _, tc := range []struct {
		mask string
		bits int
		ok   bool
	}{
		{"255.255.255.0", 24, true},
		{"255.255.255.255", 32, true},
		{"0.0.0.0", 0, true},
		{"255.255.128.0", 17, true},
		{"255.0.255.0", 0, false},
		{"0.255.255.255", 0, false},
		{"255.255.255", 0, false},
	} {
		bits, ok := maskBits(tc.mask)
		if ok != tc.ok || ok && bits != tc.bits {
			t.Errorf("maskBits(%q) = %d, %v; want %d, %v", tc.mask, bits, ok, tc.bits, tc.ok)
		}
		if ok && prefixMask(bits) != tc.mask {
			t.Errorf("prefixMask(%d) = %q, want %q", bits, prefixMask(bits), tc.mask)
		}
	}
}

// FuzzParseIfName: a name the parser takes names an interface the device
// can have, and its canonical spelling reads back as the same interface.
func FuzzParseIfName(f *testing.F) {
	for _, s := range []string{"g0/0/1", "GigabitEthernet0/0/2", "lo7", "NULL0", "x", "", "l", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, word string) {
		n, ok := parseIfName(word)
		if !ok {
			return
		}
		if !validIfNumber(n.kind, n.number) {
			t.Fatalf("%q: parsed to %v, which the device cannot have", word, n)
		}
		back, ok := parseIfName(n.String())
		if !ok || back != n {
			t.Fatalf("%q: %v does not read back (%v, %v)", word, n, back, ok)
		}
		if !strings.HasSuffix(word, n.number) {
			t.Fatalf("%q: number %q is not what was typed", word, n.number)
		}
	})
}

// TestInterfaceTab: Tab completes an interface type as the device spells
// it, and the one-word form of a name is no keyword to complete.
func TestInterfaceTab(t *testing.T) {
	d := newTestDevice(t, nil)
	s, err := d.OpenSession(SessionInfo{Line: LineConsole, Interactive: true}, &scriptTerminal{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Execute("system-view")
	for _, tc := range []struct{ line, want string }{
		{"interface g", "interface GigabitEthernet"},
		{"int lo", "int LoopBack"},
		{"interface nu", "interface NULL"},
		{"interface g0/", "interface g0/"},
	} {
		s.tabLine = ""
		if got := s.Complete(tc.line); got != tc.want {
			t.Errorf("Tab after %q = %q, want %q", tc.line, got, tc.want)
		}
	}
}
