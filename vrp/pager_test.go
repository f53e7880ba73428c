package vrp

import (
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pagerTerminal gives the pager keys and records what it does with them.
type pagerTerminal struct {
	out      strings.Builder
	keys     []rune
	unread   int // UnreadKey calls
	lastRead rune
}

func (t *pagerTerminal) Write(p []byte) (int, error)           { return t.out.Write(p) }
func (t *pagerTerminal) ReadLine(string, bool) (string, error) { return "", io.EOF }
func (t *pagerTerminal) ReadKey() (rune, error) {
	if len(t.keys) == 0 {
		return 0, io.EOF
	}
	t.lastRead, t.keys = t.keys[0], t.keys[1:]
	return t.lastRead, nil
}
func (t *pagerTerminal) UnreadKey() {
	t.unread++
	t.keys = append([]rune{t.lastRead}, t.keys...)
}

// TestPagerOtherKey: a key that is not the pager's ends the paging and goes
// back to the terminal, for the next command line (a command typed ahead).
func TestPagerOtherKey(t *testing.T) {
	d := newTestDevice(t, nil)
	term := &pagerTerminal{}
	s, err := d.OpenSession(vtyAdmin, term)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Execute("screen-length 3 temporary")
	term.out.Reset()
	term.keys = []rune("display clock")
	s.Execute("display current-configuration")
	want := "[V200R007C00SPC600]\n#\n" + morePrompt + moreErase
	if diff := cmp.Diff(want, term.out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if term.unread != 1 || string(term.keys) != "display clock" {
		t.Errorf("%d keys put back; the keys left are %q, want \"display clock\"", term.unread, string(term.keys))
	}
}
