package vrp

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
)

// TestParseIfName: interface names as one word, abbreviated and in any
// case, as VRP takes them; numbers the AR2220 does not have are refused.
func TestParseIfName(t *testing.T) {
	ar, err := LookupProfile(ModelAR2220)
	if err != nil {
		t.Fatal(err)
	}
	ps := portsOf(ar)
	for _, tc := range []struct {
		word, want string
	}{
		{"GigabitEthernet0/0/0", "GigabitEthernet0/0/0"},
		{"gigabitethernet0/0/1", "GigabitEthernet0/0/1"},
		{"g0/0/2", "GigabitEthernet0/0/2"},
		{"GE0/0/0", ""}, // not a prefix of GigabitEthernet
		{"g0/0/3", ""},
		{"x0/0/1", ""}, // the S5720's uplink
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
		n, ok := ps.parse(tc.word)
		got := ""
		if ok {
			got = n.String()
		}
		if got != tc.want {
			t.Errorf("parse(%q) = %q, want %q", tc.word, got, tc.want)
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

// TestParseIfNameS5720: the S5720's ports, GigabitEthernet0/0/1-24 and
// XGigabitEthernet0/0/1-4; not the AR2220's GigabitEthernet0/0/0.
func TestParseIfNameS5720(t *testing.T) {
	s, err := LookupProfile(ModelS5720)
	if err != nil {
		t.Fatal(err)
	}
	ps := portsOf(s)
	for word, want := range map[string]string{
		"g0/0/1": "GigabitEthernet0/0/1", "GigabitEthernet0/0/24": "GigabitEthernet0/0/24",
		"x0/0/1": "XGigabitEthernet0/0/1", "XGigabitEthernet0/0/4": "XGigabitEthernet0/0/4", "xg0/0/2": "XGigabitEthernet0/0/2",
		"g0/0/0": "", "g0/0/25": "", "x0/0/5": "", "x0/0/0": "", "lo3": "LoopBack3",
	} {
		n, ok := ps.parse(word)
		got := ""
		if ok {
			got = n.String()
		}
		if got != want {
			t.Errorf("parse(%q) = %q, want %q", word, got, want)
		}
	}
	if got, want := portToken(ps[ifGE]), "<0-0>/<0-0>/<1-24>"; got != want {
		t.Errorf("GigabitEthernet numbers %q, want %q", got, want)
	}
}

// FuzzParseIfName: a name the parser takes names an interface the device
// can have, and its canonical spelling reads back as the same interface.
func FuzzParseIfName(f *testing.F) {
	for _, s := range []string{"g0/0/1", "GigabitEthernet0/0/2", "lo7", "NULL0", "x", "", "l", "0", "x0/0/4", "g0/0/24"} {
		f.Add(s)
	}
	ps := anyModelPorts()
	f.Fuzz(func(t *testing.T, word string) {
		n, ok := ps.parse(word)
		if !ok {
			return
		}
		if !ps.valid(n.kind, n.number) {
			t.Fatalf("%q: parsed to %v, which the device cannot have", word, n)
		}
		back, ok := ps.parse(n.String())
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

// TestS5720InterfacesReplay: the S5720's interface sections (its switch
// ports, an XGigabitEthernet uplink) replay to the same configuration,
// and an ip address under a switch port does not replay: the port takes
// none.
func TestS5720InterfacesReplay(t *testing.T) {
	d := newModelDevice(t, ModelS5720)
	run(t, d, "system-view", "interface g0/0/24", "description to PC24", "shutdown", "quit",
		"interface XGigabitEthernet 0/0/1", "description uplink", "quit", "interface lo0", "ip address 10.1.1.1 32")
	first := d.render(sectionAll)
	for _, want := range []string{"interface GigabitEthernet0/0/24\n description to PC24\n shutdown\n#\n",
		"interface XGigabitEthernet0/0/1\n description uplink\n#\n"} {
		if !strings.Contains(first, want) {
			t.Fatalf("the configuration lacks %q:\n%s", want, first)
		}
	}
	boot := func(config string) *Device {
		d, err := New(Options{Flash: flash.NewMemory(flash.Options{Clock: func() time.Time { return testClock }}), Model: ModelS5720,
			DefaultConfig: config, Now: func() time.Time { return testClock }, AAA: aaa.Options{KDF: cheapKDF, Now: func() time.Time { return testClock }}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	d2 := boot(first)
	if err := d2.BootError(); err != nil {
		t.Fatalf("boot: %v", err)
	}
	if diff := cmp.Diff(first, d2.render(sectionAll)); diff != "" {
		t.Errorf("render -> replay -> render differs (-first +second):\n%s", diff)
	}
	bad := strings.Replace(first, " description to PC24\n", " description to PC24\n ip address 10.0.0.1 255.255.255.0\n", 1)
	d3 := boot(bad)
	log := strings.Join(d3.Log(), "\n")
	if !strings.Contains(log, "RESTORE_FAIL") || strings.Contains(d3.render(sectionAll), "10.0.0.1") {
		t.Errorf("an ip address under a switch port replayed; log:\n%s", log)
	}
}
