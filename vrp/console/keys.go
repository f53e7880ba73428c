package console

// The line editor's commands bound to VRP's keys. They run on the goroutine
// that reads the line, while the editor waits for keys.

// keyHelp answers "?": the line up to the cursor is shown with the "?", the
// session's help below it, then the prompt and the whole line again, as the
// device (and the SSH front end) print it.
func (c *console) keyHelp() {
	if c.sess == nil {
		return
	}
	line := []rune(string(*c.shell.Line()))
	pos := min(c.shell.Cursor().Pos(), len(line))
	before := string(line[:pos])
	help := c.sess.Help(before)

	c.shell.Line().Set([]rune(before + "?")...)
	c.shell.Cursor().Set(pos + 1)
	c.shell.Display.Refresh()
	c.shell.Display.CursorBelowLine()
	c.write(help)
	c.shell.Line().Set(line...)
	c.shell.Cursor().Set(pos)
	c.shell.Display.PrintPrimaryPrompt()
}

// keyComplete answers Tab: the session completes the word before the cursor.
func (c *console) keyComplete() {
	if c.sess == nil {
		return
	}
	line := []rune(string(*c.shell.Line()))
	pos := min(c.shell.Cursor().Pos(), len(line))
	completed := []rune(c.sess.Complete(string(line[:pos])))
	c.shell.Line().Set(append(completed, line[pos:]...)...)
	c.shell.Cursor().Set(len(completed))
}

// keyCtrlZ discards the line and returns to user view.
func (c *console) keyCtrlZ() {
	c.action = actCtrlZ
	c.acceptLine()
}

// keyCancel (Ctrl+C) discards the line. (readline's own abort command
// would swallow the key typed after Ctrl+C.)
func (c *console) keyCancel() {
	c.action = actCancel
	c.acceptLine()
}

// keyKillLeft (Ctrl+X) deletes everything left of the cursor.
func (c *console) keyKillLeft() {
	line := []rune(string(*c.shell.Line()))
	pos := min(c.shell.Cursor().Pos(), len(line))
	c.shell.Line().Set(line[pos:]...)
	c.shell.Cursor().Set(0)
}

// keyKillRight (Ctrl+Y) deletes everything right of the cursor.
func (c *console) keyKillRight() {
	line := []rune(string(*c.shell.Line()))
	pos := min(c.shell.Cursor().Pos(), len(line))
	c.shell.Line().Set(line[:pos]...)
	c.shell.Cursor().Set(pos)
}

// keyWake makes the editor return when the console stops or the session
// ended; otherwise (the keys were typed) it does nothing.
func (c *console) keyWake() {
	if !c.in.isStopped() && !c.idle.Load() && !c.sessionDone() {
		return
	}
	c.action = actStop
	c.acceptLine()
}

func (c *console) sessionDone() bool {
	if c.sess == nil {
		return false
	}
	select {
	case <-c.sess.Done():
		return true
	default:
		return false
	}
}

// acceptLine ends the line as Enter does.
func (c *console) acceptLine() {
	if accept := c.shell.Keymap.Commands()["accept-line"]; accept != nil {
		accept()
	}
}
