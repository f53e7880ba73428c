package sshd

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/vrp/internal/frontend"
	"github.com/vrpsim/vrpsim/vrp/tty"
)

const banner = "Info: The max number of VTY users is 5, and the number\r\n" +
	"      of current VTY users on line is 1.\r\n" +
	"      The current login time is 2026-11-24 10:30:00+00:00.\r\n"

const versionOutput = "Huawei Versatile Routing Platform Software\r\n" +
	"VRP (R) software, Version 5.160 (AR2200 V200R007C00SPC600)\r\n" +
	"Copyright (C) 2011-2016 HUAWEI TECH CO., LTD\r\n" +
	"Huawei AR2220 Router uptime is 0 week, 0 day, 0 hour, 0 minute\r\n" +
	"BKP 0 version information: \r\n" +
	"1. PCB      Version  : AR01BAK2A VER.NC\r\n" +
	"2. If Supporting PoE : No\r\n" +
	"3. Board    Type     : AR2220\r\n" +
	"4. MPU Slot  Quantity : 1\r\n" +
	"5. LPU Slot  Quantity : 6\r\n" +
	"\r\n" +
	"MPU 0(Master) : uptime is 0 week, 0 day, 0 hour, 0 minute\r\n" +
	"MPU version information : \r\n" +
	"1. PCB      Version  : AR01SRU2A VER.A\r\n" +
	"2. MAB      Version  : 0\r\n" +
	"3. Board    Type     : AR2220\r\n" +
	"4. BootROM  Version  : 0\r\n"

// moreErase is what the pager writes to take "  ---- More ----" away.
const moreErase = "\x1b[42D                                          \x1b[42D"

// TestInteractiveTranscript drives a pty session key by key and checks every
// byte the device sends back, then what the screen shows.
func TestInteractiveTranscript(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	sh := openShell(t, mustDial(t, addr))
	sh.expect(t, banner+"<Huawei>")

	steps := []keyStep{
		// "?" prints "?", a new line, the help, then the prompt and the
		// line again, as plain text.
		{"partial help", "dis?",
			"dis?\r\n  display   Display information\r\n<Huawei>dis"},
		{"tab echoes the added characters", "\t", "play"},
		{"command", " ver\r", " ver\r\n" + versionOutput + "<Huawei>"},
		{"tab then enter", "sys\t\r",
			"system-view\r\nEnter system view, return user view with Ctrl+Z.\r\n[Huawei]"},
		{"error with caret", "displya\r",
			"displya\r\n        ^\r\nError: Unrecognized command found at '^' position.\r\n[Huawei]"},
		{"enter a view", "aaa\r", "aaa\r\n[Huawei-aaa]"},
		{"full help", "local-user bob ?",
			"local-user bob ?\r\n" +
				"  access-limit          Set the maximum number of accesses\r\n" +
				"  ftp-directory         Set user FTP directory permitted\r\n" +
				"  idle-timeout          Set the timeout value\r\n" +
				"  password              Password\r\n" +
				"  privilege             Privilege\r\n" +
				"  service-type          Service types for authorization\r\n" +
				"  state                 Set user state\r\n" +
				"[Huawei-aaa]local-user bob "},
		{"Ctrl+Z discards the line and returns to user view", "\x1a", "\r\n<Huawei>"},
		{"Ctrl+C discards the line", "xyz\x03", "xyz\r\n<Huawei>"},
		{"Up recalls the last command", "\x1b[A", "aaa"},
		{"Up again", "\x1b[A", "\b\b\bdisplya"},
		{"Ctrl+U clears", "\x15", "\b\b\b\b\b\b\b       \b\b\b\b\b\b\b"},
		// the pty is 80 columns wide: the 81-character line is broken at 80
		{"screen-length", "screen-length 5 temporary\r",
			"screen-length 5 temporary\r\nInfo: The configuration takes effect on the current user terminal interface only\r\n.\r\n<Huawei>"},
		{"first page", "display current-configuration\r",
			"display current-configuration\r\n[V200R007C00SPC600]\r\n#\r\n sysname Huawei\r\n#\r\n  ---- More ----"},
		{"space: next page", " ",
			moreErase + "aaa\r\n authentication-scheme default\r\n authorization-scheme default\r\n accounting-scheme default\r\n  ---- More ----"},
		{"enter: next line", "\r", moreErase + " domain default\r\n  ---- More ----"},
		{"q stops", "q", moreErase + "<Huawei>"},
		{"quit", "quit\r", "quit\r\nInfo:Configuration console exit, please retry to log on\r\n"},
	}
	sh.play(t, steps)
	all := sh.out.waitEOF(t)
	if rest := all[sh.off:]; rest != "" {
		t.Errorf("output after quit: %q", rest)
	}
	if err := sh.sess.Wait(); err != nil {
		t.Errorf("exit: %v, want status 0", err)
	}

	wantScreen := strings.Join([]string{
		"Info: The max number of VTY users is 5, and the number",
		"      of current VTY users on line is 1.",
		"      The current login time is 2026-11-24 10:30:00+00:00.",
		"<Huawei>dis?",
		"  display   Display information",
		"<Huawei>display ver",
	}, "\n") + "\n" + render(versionOutput) + strings.Join([]string{
		"<Huawei>system-view",
		"Enter system view, return user view with Ctrl+Z.",
		"[Huawei]displya",
		"        ^",
		"Error: Unrecognized command found at '^' position.",
		"[Huawei]aaa",
		"[Huawei-aaa]local-user bob ?",
		"  access-limit          Set the maximum number of accesses",
		"  ftp-directory         Set user FTP directory permitted",
		"  idle-timeout          Set the timeout value",
		"  password              Password",
		"  privilege             Privilege",
		"  service-type          Service types for authorization",
		"  state                 Set user state",
		"[Huawei-aaa]local-user bob",
		"<Huawei>xyz",
		"<Huawei>screen-length 5 temporary",
		"Info: The configuration takes effect on the current user terminal interface only", // broken at 80 columns
		".",
		"<Huawei>display current-configuration",
		"[V200R007C00SPC600]",
		"#",
		" sysname Huawei",
		"#",
		"aaa",
		" authentication-scheme default",
		" authorization-scheme default",
		" accounting-scheme default",
		" domain default",
		"<Huawei>quit",
		"Info:Configuration console exit, please retry to log on",
	}, "\n") + "\n"
	if diff := cmp.Diff(wantScreen, render(all)); diff != "" {
		t.Errorf("screen (-want +got):\n%s", diff)
	}
}

// TestEditingKeys checks the line editor: each row's keys must leave the
// line "display version" on the screen and run it.
func TestEditingKeys(t *testing.T) {
	tests := []struct{ name, keys string }{
		{"plain", "display version\r"},
		{"backspace", "display versiom\x7fn\r"},
		{"Ctrl+H", "display versiom\x08n\r"},
		{"Ctrl+A inserts at the start", "isplay version\x01d\r"},
		{"Ctrl+E and Ctrl+B", "display versin\x02o\x05\r"},
		{"arrows", "display verson\x1b[D\x1b[Di\x1b[C\x1b[C\r"},
		{"Ctrl+X deletes left of the cursor", "xxx display version\x01\x06\x06\x06\x06\x18\r"},
		{"Ctrl+Y deletes right of the cursor", "display versionxyz\x1b[D\x1b[D\x1b[D\x19\r"},
		{"Ctrl+W deletes a word", "display vers bogus\x17\x7fion\r"},
		{"Ctrl+K deletes to the end", "display version bogus\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x0b\r"},
		{"Ctrl+D is ignored", "display\x04 version\r"},
		{"CRLF is one Enter", "display version\r\n"},
		{"LF alone is Enter", "display version\n"},
	}
	d := newDevice(t)
	_, addr := startServer(t, d)
	c := mustDial(t, addr)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh := openShell(t, c)
			sh.waitFor(t, "<Huawei>")
			start := sh.off
			sh.send(t, tt.keys)
			sh.waitFor(t, versionOutput+"<Huawei>")
			screen := render(sh.out.String()[start:])
			want := render("display version\r\n" + versionOutput + "<Huawei>")
			if diff := cmp.Diff(want, screen); diff != "" {
				t.Errorf("keys %q: screen (-want +got):\n%s", tt.keys, diff)
			}
			sh.send(t, "quit\r")
			sh.out.waitEOF(t)
		})
	}
}

// TestWindowChange: a line longer than the window is echoed as typed,
// without line breaks, before and after the window changes; window changes
// do not hold up the session.
func TestWindowChange(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)
	sh := openShell(t, mustDial(t, addr))
	sh.expect(t, banner+"<Huawei>")
	line := strings.Repeat("x", 100)
	const errLine = "\r\n        ^\r\nError: Unrecognized command found at '^' position.\r\n<Huawei>"
	sh.send(t, line+"\r")
	sh.expect(t, line+errLine)
	for i := range 50 {
		if err := sh.sess.WindowChange(24, 20+i); err != nil {
			t.Fatal(err)
		}
	}
	sh.send(t, line+"\r")
	sh.expect(t, line+errLine)
}

// TestReadLineWithoutEcho: a password question shows nothing of what is
// typed; Ctrl+C abandons it.
func TestReadLineWithoutEcho(t *testing.T) {
	for _, tc := range []struct {
		name, keys, want string
		err              error
	}{
		{"typed", "Secret@1\r", "Secret@1", nil},
		{"edited", "Secret@2\x7f1\r", "Secret@1", nil},
		{"Ctrl+C", "Sec\x03ret\r", "", tty.ErrInterrupted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			p := newPtyTerminal(&out, &frontend.Input{Chunks: feed([]byte(tc.keys))})
			got, err := p.ReadLine("Enter password:", false)
			p.Flush()
			if got != tc.want || err != tc.err {
				t.Errorf("got %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
			if diff := cmp.Diff("Enter password:\r\n", out.String()); diff != "" {
				t.Errorf("screen (-want +got):\n%s", diff)
			}
		})
	}
}
