package vrp

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	if got := d.consoleAuthMode(); got != "aaa" {
		t.Fatalf("ConsoleAuthMode = %q", got)
	}
	ctx := context.Background()
	try := func(user, password string) string {
		if err := d.authenticateConsole(ctx, user, password); err != nil {
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
	got = append(got, fmt.Sprintf("op's level: %d", s.Level()))
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
	got = append(got, fmt.Sprintf("password mode level: %d", s.Level()))
	s.Close()
	run(t, d, "system-view", "user-interface con 0", "user privilege level 3")
	s, err = d.OpenSession(SessionInfo{Line: LineConsole}, &scriptTerminal{})
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, fmt.Sprintf("user privilege level 3: %d", s.Level()))
	s.Close()

	want := []string{
		"op: ok", "op wrong: refused", "ftp-only user: refused", "unknown: refused",
		"op's level: 2",
		"password mode, none set: refused", "line password: ok", "op's password: refused",
		"password mode level: 15", "user privilege level 3: 3",
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

// TestConsoleLogin: the console's login dialogue, as the terminal shows it:
// a refused try, a good one, and three refusals that send the console back
// to waiting for a key.
func TestConsoleLogin(t *testing.T) {
	d := newTestDevice(t, nil)
	run(t, d, "system-view", "aaa",
		"local-user op password cipher Op@123456", "local-user op service-type terminal",
		"quit", "user-interface con 0", "authentication-mode aaa")
	ctx := context.Background()
	term := &scriptTerminal{answers: []string{"op", "Op@12345", "op", "Op@123456"}}
	s, err := d.ConsoleLogin(ctx, term)
	if err != nil || s == nil {
		t.Fatalf("ConsoleLogin = %v, %v", s, err)
	}
	s.Close()
	want := "\nLogin authentication\n\n\n" +
		"Username:op\nPassword:\nError: Local authentication is rejected.\n\n" +
		"Username:op\nPassword:\n"
	if diff := cmp.Diff(want, term.out.String()); diff != "" {
		t.Errorf("aaa login (-want +got):\n%s", diff)
	}

	run(t, d, "system-view", "user-interface con 0", "authentication-mode password",
		"set authentication password cipher Line@1234")
	term = &scriptTerminal{answers: []string{"a", "b", "c"}}
	s, err = d.ConsoleLogin(ctx, term)
	if err != nil || s != nil {
		t.Fatalf("ConsoleLogin with wrong passwords = %v, %v", s, err)
	}
	refused := "Password:\nError: The password is wrong.\n\n"
	want = "\nLogin authentication\n\n\n" + refused + refused + refused + consoleExit
	if diff := cmp.Diff(want, term.out.String()); diff != "" {
		t.Errorf("refused password login (-want +got):\n%s", diff)
	}

	// a terminal that fails ends the dialogue with its error
	term = &scriptTerminal{}
	if s, err := d.ConsoleLogin(ctx, term); s != nil || !errors.Is(err, io.EOF) {
		t.Errorf("ConsoleLogin on a closed terminal = %v, %v", s, err)
	}
}
