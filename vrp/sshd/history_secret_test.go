package sshd

import (
	"testing"
)

// TestUpRecallsMaskedPassword: a password typed in a command is kept in the
// history masked, so Up brings the masked line back, not the password.
func TestUpRecallsMaskedPassword(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	sh := openShell(t, mustDial(t, addr))
	sh.expect(t, banner+"<Huawei>")
	steps := []keyStep{
		{"enter aaa", "system-view\raaa\r",
			"system-view\r\nEnter system view, return user view with Ctrl+Z.\r\n[Huawei]aaa\r\n[Huawei-aaa]"},
		{"set a password", "local-user bob password cipher Bob@Secret2\r",
			"local-user bob password cipher Bob@Secret2\r\nInfo: Add a new user.\r\n[Huawei-aaa]"},
		{"Up recalls it masked", "\x1b[A", "local-user bob password cipher ******"},
	}
	sh.play(t, steps)
}
