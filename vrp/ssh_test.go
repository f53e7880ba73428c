package vrp

import (
	"strings"
	"testing"
)

func TestCanonicalInterface(t *testing.T) {
	tests := map[string]string{
		"LoopBack0":                "LoopBack0",
		"loop0":                    "LoopBack0",
		"g0/0/1":                   "GigabitEthernet0/0/1",
		"GigabitEthernet0/0/1":     "GigabitEthernet0/0/1",
		"gigabitethernet0/0/1.100": "GigabitEthernet0/0/1.100",
		"Vlanif10":                 "Vlanif10",
		"eth-trunk1":               "Eth-Trunk1",
		"Ethernet0/0/0":            "Ethernet0/0/0",
		"e0/0/0":                   "", // Eth-Trunk or Ethernet
		"Foo0":                     "",
		"LoopBack":                 "",
		"0/0/0":                    "",
		"LoopBack0/":               "",
		"LoopBack0.":               "",
		"LoopBack123456":           "",
	}
	for in, want := range tests {
		if got := canonicalInterface(in); got != want {
			t.Errorf("canonicalInterface(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCanonicalInterface(f *testing.F) {
	for _, s := range []string{"LoopBack0", "g0/0/1", "eth-trunk1.5", "e0", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := canonicalInterface(s)
		if got == "" {
			return
		}
		if canonicalInterface(got) != got || strings.ContainsAny(got, " \t\n") {
			t.Fatalf("%q -> %q, which is not canonical", s, got)
		}
	})
}
