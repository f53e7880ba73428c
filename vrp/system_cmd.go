package vrp

import (
	"github.com/vrpsim/vrpsim/vrp/cli"
)

func systemCommands() []*command {
	return []*command{
		{Views: userView, Syntax: "system-view", Level: 2, Help: "Enter the system view", Run: runSystemView},
		{Views: all, Syntax: "quit", Level: 0, Help: "Exit from the current view; in user view, end the session", Run: runQuit},
		{Views: returnViews(), Syntax: "return", Level: 0, Help: "Return to user view", Run: runReturn},
		{Views: systemView, Syntax: "sysname <host-name>", Level: 2, Help: "Set the name of the device", Run: runSysname, Undo: "undo sysname", RunUndo: runUndoSysname},
		{Views: userView, Syntax: "screen-width <width>", Level: 0, Params: screenWidthParams, Words: screenWidthWords, Help: "Set the width, in columns, output lines are broken at for the current session", Run: runScreenWidth},
		{Views: userView, Syntax: "screen-length <screen> temporary", Level: 0, Help: "Set the number of lines per page for the current session", Run: runScreenLengthTemporary, Undo: "undo screen-length temporary", RunUndo: runUndoScreenLengthTemporary},
	}
}

func runSystemView(e *callEnv, c *cli.Call) error {
	e.Print("Enter system view, return user view with Ctrl+Z.\n")
	e.enter(viewSystem, "")
	return nil
}

func runQuit(e *callEnv, c *cli.Call) error {
	if e.view().view == viewFTP {
		e.ftpBye()
		return nil
	}
	if e.view().view == viewSFTP {
		e.sftpBye()
		return nil
	}
	if len(e.views) > 1 {
		e.views = e.views[:len(e.views)-1]
		return nil
	}
	if e.info.Line == LineConsole {
		e.Print(consoleExit)
	} else {
		e.Print(vtyExit)
	}
	e.out.flush()
	e.Close()
	return nil
}

func runReturn(e *callEnv, c *cli.Call) error {
	e.views = e.views[:1]
	return nil
}

func runSysname(e *callEnv, c *cli.Call) error {
	e.dev.setSysname(c.Value("host-name"))
	return nil
}

// runUndoSysname goes back to the device's default name (Options.Sysname).
func runUndoSysname(e *callEnv, c *cli.Call) error {
	e.dev.setSysname(e.dev.opts.Sysname)
	return nil
}

// vtyExit is what quit in user view prints on a VTY line, as an AR does
// over SSH (device-reference.md 1.1; no space after "Info:").
const vtyExit = "Info:Configuration console exit, please retry to log on\n"

const temporaryInfo = "Info: The configuration takes effect on the current user terminal interface only.\n"

func runScreenLengthTemporary(e *callEnv, c *cli.Call) error {
	if e.info.Interactive {
		e.screen = c.Int("screen")
	}
	e.Print(temporaryInfo)
	return nil
}

func runUndoScreenLengthTemporary(e *callEnv, c *cli.Call) error {
	if e.info.Interactive {
		e.screen = e.dev.uiConfig(e.info.Line).screenLength
	}
	e.Print(temporaryInfo)
	return nil
}

var (
	screenWidthParams = map[string]*cli.Param{"width": cli.Integer(minScreenWidth, maxScreenWidth, "Number of characters on a line of the screen")}
	screenWidthWords  = map[string]string{"screen-width": "Set the screen width"}
)

// The widths screen-width takes.
const (
	minScreenWidth = 80
	maxScreenWidth = 256
)

// runScreenWidth asks first, as VRP does; scrapli's huawei_vrp driver
// answers the question with "y" (it writes "screen-width 256\ny\n\n").
func runScreenWidth(e *callEnv, c *cli.Call) error {
	ok, err := e.confirm("Warning: This operation will change the screen width. Continue? [Y/N]:")
	if err != nil || !ok {
		return err
	}
	if e.info.Interactive {
		e.width = c.Int("width")
	}
	return nil
}
