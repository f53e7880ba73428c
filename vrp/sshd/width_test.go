package sshd

import "testing"

// infoTemporary is screen-length's answer: 81 characters.
const infoTemporary = "Info: The configuration takes effect on the current user terminal interface only."

// TestOutputWidth: output lines are broken at the width of the pty the
// client asked for (not broken when it gave none), as the device breaks them at its
// screen width; the echo of a typed line is not. screen-width, answered the
// way scrapli's huawei_vrp driver answers it (the command, "y" and an empty
// line written at once), widens the screen of the session.
func TestOutputWidth(t *testing.T) {
	d := newDevice(t)
	_, addr := startServer(t, d)

	t.Run("40 columns", func(t *testing.T) {
		sh := openShellCols(t, mustDial(t, addr), 40)
		sh.expect(t, banner+"<Huawei>") // the login banner is not command output
		sh.play(t, []keyStep{
			{"a long output line is broken", "screen-length 0 temporary\r",
				"screen-length 0 temporary\r\n" +
					"Info: The configuration takes effect on \r\n" +
					"the current user terminal interface only\r\n" +
					".\r\n<Huawei>"},
			{"the echo is not", "display current-configuration | include sysname\r",
				"display current-configuration | include sysname\r\n sysname Huawei\r\n<Huawei>"},
		})
	})

	t.Run("no width asked", func(t *testing.T) {
		sh := openShellCols(t, mustDial(t, addr), 0)
		sh.waitFor(t, "<Huawei>")
		sh.play(t, []keyStep{
			{"lines are not broken", "screen-length 0 temporary\n",
				"screen-length 0 temporary\r\n" + infoTemporary + "\r\n<Huawei>"},
		})
	})

	t.Run("scrapli on open", func(t *testing.T) {
		sh := openShellCols(t, mustDial(t, addr), 80) // paramiko's default
		sh.waitFor(t, "<Huawei>")
		sh.play(t, []keyStep{
			{"80 columns", "screen-length 0 temporary\n",
				"screen-length 0 temporary\r\n" + infoTemporary[:80] + "\r\n.\r\n<Huawei>"},
			{"screen-width 256 and its answer at once", "screen-width 256\ny\n\n",
				"screen-width 256\r\nWarning: This operation will change the screen width. Continue? [Y/N]:y\r\n<Huawei>\r\n<Huawei>"},
			{"256 columns", "screen-length 0 temporary\n",
				"screen-length 0 temporary\r\n" + infoTemporary + "\r\n<Huawei>"},
			{"answered no", "screen-width 80\nn\n",
				"screen-width 80\r\nWarning: This operation will change the screen width. Continue? [Y/N]:n\r\n<Huawei>"},
			{"still 256", "screen-length 0 temporary\n",
				"screen-length 0 temporary\r\n" + infoTemporary + "\r\n<Huawei>"},
		})
	})
}
