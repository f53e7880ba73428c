package instructor

import "testing"

func TestDecode(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"PORT 127,0,1,1,195,80", "127,0,1,1,195,80 -> 127.0.1.1 port 195*256+80 = 50000"},
		{"227 Entering Passive Mode (127,0,1,2,4,1).", "127,0,1,2,4,1 -> 127.0.1.2 port 4*256+1 = 1025"},
		{"227 Entering Passive Mode 127,0,1,2,4,1", "127,0,1,2,4,1 -> 127.0.1.2 port 4*256+1 = 1025"},
		{"EPRT |1|127.0.1.1|50000|", "127.0.1.1 port 50000"},
		{"229 Entering Extended Passive Mode (|||50001|).", "port 50001 (the control connection's address)"},
		{"PORT 127,0,1,1,256,80", ""},
		{"PORT 127,0,1,1,80", ""},
		{"PORT", ""},
		{"EPRT |1|127.0.1.1|0|", ""},
		{"229 Entering Extended Passive Mode (|||x|).", ""},
		{"RETR a,b,c,d,e,f", ""},
		{"200 Port command okay.", ""},
	} {
		if got := Decode(tc.line); got != tc.want {
			t.Errorf("Decode(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"PORT 127,0,1,1,195,80", "227 Entering Passive Mode (127,0,1,2,4,1).", "EPRT |1|::1|5|", "229 (|||1|)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		Decode(line) // must not panic
	})
}
