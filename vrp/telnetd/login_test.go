package telnetd

import (
	"strings"
	"testing"
)

// The golden transcripts are what a Telnet client receives, byte for byte
// (rendered by render), for input typed in advance: the server's option
// requests, the login dialogue, the echo and the CLI's output.

func TestTranscriptLoginAAA(t *testing.T) {
	_, addr := newDevice(t, telnetConfig)
	// Enter alone at "Username:" asks again (netmiko sends it to wake the
	// line); Telnet clients end lines with CR LF or CR NUL
	out := session(t, addr, "\r\n\r\x00admin\r\x00Admin@huawei\r\ndisplay telnet server status\r\nquit\r\n")
	golden(t, "login-aaa", render(out))
}

func TestTranscriptLoginFails(t *testing.T) {
	d, addr := newDevice(t, telnetConfig)
	out := session(t, addr, "admin\r\nwrong1\r\nadmin\r\nwrong2\r\nnobody\r\nAdmin@huawei\r\n")
	golden(t, "login-fails", render(out))
	log := strings.Join(d.Log(), "\n")
	if !strings.Contains(log, "TELNET_LOGIN_FAIL") {
		t.Errorf("no TELNET_LOGIN_FAIL in the log:\n%s", log)
	}
}

// TestTranscriptLockout: three wrong passwords lock admin out from this
// source address (aaa's default: 3 tries in 5 minutes, blocked 5 minutes);
// the right password is then refused too, as for SSH.
func TestTranscriptLockout(t *testing.T) {
	_, addr := newDevice(t, telnetConfig)
	session(t, addr, "admin\r\nwrong1\r\nadmin\r\nwrong2\r\nadmin\r\nwrong3\r\n")
	out := session(t, addr, "admin\r\nAdmin@huawei\r\n")
	golden(t, "lockout", render(out))
}

func TestTranscriptPasswordMode(t *testing.T) {
	config := strings.Replace(telnetConfig, " authentication-mode aaa\n", " authentication-mode password\n set authentication password cipher Vty@12345\n user privilege level 3\n", 1)
	_, addr := newDevice(t, config)
	out := session(t, addr, "Admin@huawei\r\nVty@12345\r\ndisplay users | include VTY\r\nquit\r\n")
	golden(t, "login-password", render(out))
}

func TestTranscriptNoAuthentication(t *testing.T) {
	config := strings.Replace(telnetConfig, " authentication-mode aaa\n", " authentication-mode none\n", 1)
	_, addr := newDevice(t, config)
	out := session(t, addr, "quit\r\n")
	golden(t, "login-none", render(out))
}

// TestTranscriptProtocolSSH: VTY lines that take only SSH say so to a
// Telnet client and close the connection, instead of asking a password
// they would refuse.
func TestTranscriptProtocolSSH(t *testing.T) {
	config := strings.Replace(telnetConfig, " protocol inbound all\n", " protocol inbound ssh\n", 1)
	_, addr := newDevice(t, config)
	out := session(t, addr, "admin\r\nAdmin@huawei\r\n")
	golden(t, "protocol-ssh", render(out))
}

// TestTranscriptLockoutWarnings: a Telnet session that refuses its own next
// login (protocol inbound ssh, undo telnet server enable) is warned, and
// goes on.
func TestTranscriptLockoutWarnings(t *testing.T) {
	_, addr := newDevice(t, telnetConfig)
	out := session(t, addr, "admin\r\nAdmin@huawei\r\nsystem-view\r\nuser-interface vty 0 4\r\nprotocol inbound telnet\r\nprotocol inbound ssh\r\nquit\r\nundo telnet server enable\r\ndisplay telnet server status\r\nreturn\r\nquit\r\n")
	golden(t, "lockout-warnings", render(out))
}
