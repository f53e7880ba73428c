package instructor

import "testing"

// TestPasswordFromArgon2Command: a hash printed by Debian's argon2 command
// (echo -n teach-ftp | argon2 SALT -id -e) is accepted as it is.
func TestPasswordFromArgon2Command(t *testing.T) {
	c, err := newChecker("$argon2id$v=19$m=4096,t=3,p=1$dUZYVXNodE5PLytzYi9ESw$q6G0K27jch8+hC4DCaxKMXltuueWVg9p+x9x0t9Tsig")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"teach-ftp", true}, {"teach-ftP", false}, {"", false}, {"teach-ftp", true}} {
		if got := c.check(tc.pw); got != tc.want {
			t.Errorf("check(%q) = %v, want %v", tc.pw, got, tc.want)
		}
	}
	h := hashWith("another", []byte("0123456789abcdef"), 64, 1, 1)
	c2, err := newChecker(h)
	if err != nil || !c2.check("another") || c2.check("other") {
		t.Errorf("hashWith %q: %v", h, err)
	}
}

func TestPasswordHashErrors(t *testing.T) {
	for _, h := range []string{
		"$argon2i$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=4096,t=3,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=3,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=4096,t=3,p=1$c2FsdA$short",
		"$argon2id$v=19$m=4096,t=3,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
	} {
		if _, err := newChecker(h); err == nil {
			t.Errorf("newChecker(%q) accepted it", h)
		}
	}
}

func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=4096,t=3,p=1$dUZYVXNodE5PLytzYi9ESw$q6G0K27jch8+hC4DCaxKMXltuueWVg9p+x9x0t9Tsig")
	f.Fuzz(func(t *testing.T, s string) {
		parsePHC(s) // must not panic
	})
}
