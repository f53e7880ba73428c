package vrp

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestConsoleAuthentication: con 0's authentication-mode decides who logs in
// on the console and at which level; refusals are logged and count toward
// the AAA lockout.
func TestConsoleAuthentication(t *testing.T) {
	d := newTestDevice(t, nil)
	run(t, d, "system-view", "aaa",
		"local-user op password cipher Op@123456", "local-user op service-type terminal",
		"local-user op privilege level 2",
		"local-user ftpuser password cipher Ftp@123456", "local-user ftpuser service-type ftp",
		"quit", "user-interface con 0", "authentication-mode aaa")
	if got := d.ConsoleAuthMode(); got != "aaa" {
		t.Fatalf("ConsoleAuthMode = %q", got)
	}
	ctx := context.Background()
	try := func(user, password string) string {
		if err := d.AuthenticateConsole(ctx, user, password); err != nil {
			if !errors.Is(err, ErrLoginRefused) {
				t.Errorf("refusal %v is not ErrLoginRefused", err)
			}
			return "refused"
		}
		return "ok"
	}
	got := []string{
		"op: " + try("op", "Op@123456"),
		"op wrong: " + try("op", "Op@12345"),
		"ftp-only user: " + try("ftpuser", "Ftp@123456"),
		"unknown: " + try("nobody", "Op@123456"),
	}
	s, err := d.OpenSession(SessionInfo{Line: LineConsole, User: "op"}, &scriptTerminal{})
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, "op's level: "+string(rune('0'+s.Level())))
	s.Close()

	// password mode: the line's password, whatever the user name; the
	// level is the line's (15 by default, as without authentication)
	run(t, d, "system-view", "user-interface con 0", "authentication-mode password")
	got = append(got, "password mode, none set: "+try("", "Op@123456"))
	run(t, d, "system-view", "user-interface con 0", "set authentication password cipher Line@1234")
	got = append(got,
		"line password: "+try("", "Line@1234"),
		"op's password: "+try("op", "Op@123456"),
	)
	s, err = d.OpenSession(SessionInfo{Line: LineConsole}, &scriptTerminal{})
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, "password mode level 15: "+map[bool]string{true: "yes", false: "no"}[s.Level() == 15])
	s.Close()
	run(t, d, "system-view", "user-interface con 0", "user privilege level 3")
	s, err = d.OpenSession(SessionInfo{Line: LineConsole}, &scriptTerminal{})
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, "user privilege level 3: "+string(rune('0'+s.Level())))
	s.Close()

	want := []string{
		"op: ok", "op wrong: refused", "ftp-only user: refused", "unknown: refused",
		"op's level: 2",
		"password mode, none set: refused", "line password: ok", "op's password: refused",
		"password mode level 15: yes", "user privilege level 3: 3",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if u, _ := d.Users().Lookup("op"); u.FailCount != 1 {
		t.Errorf("op's fail count = %d, want 1", u.FailCount)
	}
	log := strings.Join(d.Log(), "\n")
	for _, w := range []string{
		"Failed to login through console. (UserName=op, Reason=wrong password)",
		"Failed to login through console. (UserName=, Reason=no password is set)",
	} {
		if !strings.Contains(log, w) {
			t.Errorf("log lacks %q:\n%s", w, log)
		}
	}
	if cfg := run(t, d, "display current-configuration | include authentication"); strings.Contains(cfg, "Line@1234") ||
		!strings.Contains(cfg, " set authentication password cipher %$%$") {
		t.Errorf("configuration:\n%s", cfg)
	}
}
