package sshd

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestUpRecallsMaskedPassword: a password typed in a command is kept in the
// history masked, so Up brings the masked line back, not the password.
func TestUpRecallsMaskedPassword(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	sh := openShell(t, mustDial(t, addr))
	sh.expect(t, banner+"<Huawei>")
	steps := []struct {
		name, keys, want string
	}{
		{"enter aaa", "system-view\raaa\r",
			"system-view\r\nEnter system view, return user view with Ctrl+Z.\r\n[Huawei]aaa\r\n[Huawei-aaa]"},
		{"set a password", "local-user bob password cipher Bob@Secret2\r",
			"local-user bob password cipher Bob@Secret2\r\nInfo: Add a new user.\r\n[Huawei-aaa]"},
		{"Up recalls it masked", "\x1b[A", "local-user bob password cipher ******"},
	}
	for _, st := range steps {
		sh.send(t, st.keys)
		got := sh.out.next(t, sh.off, len(st.want))
		sh.off += len(got)
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Fatalf("%s: keys %q: output (-want +got):\n%s", st.name, st.keys, diff)
		}
	}
}
