package ftptest_test

import (
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/ftpc/ftptest"
)

// TestStart starts each server and, over a raw control connection, checks
// what a Peer promises: the banner in the 220 greeting, the login, RemoteDir
// as the place to work, and Dir as where the server stores what it is told to.
func TestStart(t *testing.T) {
	for _, name := range ftptest.Peers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := ftptest.Start(t, name, "127.0.0.1")
			if p.Name != name {
				t.Errorf("Name = %q, want %q", p.Name, name)
			}
			c, err := textproto.Dial("tcp", p.Addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, greeting, err := c.ReadResponse(220)
			if err != nil {
				t.Fatalf("greeting: %v", err)
			}
			if !strings.Contains("220 "+greeting, p.Banner) {
				t.Errorf("greeting %q does not contain the banner %q", greeting, p.Banner)
			}
			var codes []int
			cmd := func(line string) {
				t.Helper()
				if err := c.PrintfLine("%s", line); err != nil {
					t.Fatal(err)
				}
				code, _, err := c.ReadResponse(0)
				if err != nil && code == 0 {
					t.Fatalf("%s: %v", line, err)
				}
				codes = append(codes, code)
			}
			cmd("USER " + p.User)
			cmd("PASS " + p.Password)
			want := []int{331, 230}
			if p.RemoteDir != "" {
				cmd("CWD " + p.RemoteDir)
				want = append(want, 250)
			}
			cmd("MKD made-by-test")
			cmd("QUIT")
			want = append(want, 257, 221)
			if diff := cmp.Diff(want, codes); diff != "" {
				t.Errorf("reply codes (-want +got):\n%s", diff)
			}
			if fi, err := os.Stat(filepath.Join(p.Dir, "made-by-test")); err != nil || !fi.IsDir() {
				t.Errorf("the directory made is not in Dir %s: %v", p.Dir, err)
			}
		})
	}
}

func TestPort(t *testing.T) {
	for _, tt := range []struct {
		addr string
		want int
	}{
		{"127.0.0.1:2121", 2121},
		{"[::1]:40000", 40000},
		{"no port", 0},
	} {
		if got := (&ftptest.Peer{Addr: tt.addr}).Port(); got != tt.want {
			t.Errorf("Port of %q = %d, want %d", tt.addr, got, tt.want)
		}
	}
}
