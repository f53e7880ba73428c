package sshd

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

// TestPlainBytes pins the bytes an OpenSSH-like client with an 80-column
// pty gets for the editing keys: plain echo, "\b \b" for Backspace, the
// added characters for Tab, "?" then the help and a plain re-print of the
// prompt and the line, a long line echoed as typed (no line breaks at the
// window's width) and cut at 510 characters. No escape sequence is sent.
func TestPlainBytes(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	sh := openShell(t, mustDial(t, addr))
	sh.expect(t, banner+"<Huawei>")
	x510 := strings.Repeat("x", 510)
	steps := []keyStep{
		{"typed characters", "displax", "displax"},
		{"backspace", "\x7f", "\b \b"},
		{"Ctrl+H", "\x08", "\b \b"},
		{"backspace in the middle", "ys\x1b[D\x1b[D\x7f", "ys\b\b\bys \b\b\b"},
		{"Ctrl+U", "\x15", "\b\b\b\b      \b\b\b\b\b\b"}, // "dispys", the cursor after "disp"
		{"tab", "dis\t", "display"},
		{"help", " v?", " v?\r\n  version   Version information\r\n<Huawei>display v"},
		{"enter", "\r", "\r\n" + versionOutput + "<Huawei>"},
		{"help left of the cursor blanks the rest of the line", "display vxx\x1b[D\x1b[D?\x03",
			"display vxx\b\b  \b\b?\r\n  version   Version information\r\n" +
				"<Huawei>display vxx\b\b\r\n<Huawei>"},
		{"a long line, cut at 510 characters", strings.Repeat("x", 600) + "\r",
			x510 + "\r\n        ^\r\nError: Unrecognized command found at '^' position.\r\n<Huawei>"},
		{"help on a long line is bounded", strings.Repeat("x", 600) + "?\x03",
			x510 + "?\r\n        ^\r\nError: Unrecognized command found at '^' position.\r\n<Huawei>" + x510 + "\r\n<Huawei>"},
	}
	sh.play(t, steps)
	if strings.Contains(sh.out.String(), "\x1b") {
		t.Errorf("escape sequence in the output: %q", sh.out.String())
	}
}

// TestPagerTypeAhead: a command typed while "---- More ----" waits ends the
// paging and runs whole (its first key is not lost to the pager).
func TestPagerTypeAhead(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	sh := openShell(t, mustDial(t, addr))
	sh.waitFor(t, "<Huawei>")
	sh.send(t, "screen-length 5 temporary\r")
	sh.waitFor(t, "<Huawei>")
	sh.send(t, "display current-configuration\r")
	sh.expect(t, "display current-configuration\r\n[V200R007C00SPC600]\r\n#\r\n sysname Huawei\r\n#\r\n  ---- More ----")
	sh.send(t, "pwd\r")
	sh.expect(t, moreErase+"<Huawei>pwd\r\nflash:\r\n<Huawei>")
}

// TestInterruptFTP: Ctrl+K or Ctrl+C typed while the FTP client waits for
// a silent server aborts the attempt; the key then discards nothing but the
// empty line it ends.
func TestInterruptFTP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // never greets
		}
	}()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	d := newDevice(t)
	_, addr := startServer(t, d)
	sh := openShell(t, mustDial(t, addr))
	sh.waitFor(t, "<Huawei>")
	for _, tc := range []struct{ key, after string }{
		{"\x0b", ""},             // Ctrl+K deletes right of the cursor: nothing
		{"\x03", "\r\n<Huawei>"}, // Ctrl+C discards the (empty) line
	} {
		sh.send(t, "ftp 127.0.0.1 "+port+"\r")
		sh.waitFor(t, "Press CTRL+K to abort\r\n")
		sh.send(t, tc.key)
		sh.waitFor(t, "Info: The connection was aborted.\r\n<Huawei>")
		sh.send(t, "pwd\r")
		sh.expect(t, tc.after+"pwd\r\nflash:\r\n<Huawei>")
	}
}
