package vrp

import (
	"time"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

func uiCommands() []*command {
	return []*command{
		{Views: systemView, Syntax: "user-interface vty <vty-first> [ <vty-last> ]", Level: 3, Help: "Enter the view of the VTY lines", Run: runUserInterfaceVTY},
		{Views: systemView, Syntax: "user-interface { con | console } <console-num>", Level: 3, Help: "Enter the view of the console port", Run: runUserInterfaceConsole},
		{Views: uiViews, Syntax: "authentication-mode { aaa | password | none }:mode", Level: 3, Help: "Set how users of these lines are authenticated", Run: runAuthenticationMode},
		{Views: []string{viewVTY}, Syntax: "protocol inbound { ssh | telnet | all }:protocol", Level: 3, Help: "Set the protocols the VTY lines accept", Run: runProtocolInbound, Undo: "undo protocol inbound", RunUndo: runUndoProtocolInbound},
		{Views: uiViews, Syntax: "user privilege level <level>", Level: 3, Help: "Set the level of users of these lines", Run: runUserPrivilegeLevel, Undo: "undo user privilege level", RunUndo: runUndoUserPrivilegeLevel},
		{Views: uiViews, Syntax: "idle-timeout <minutes> [ <seconds> ]", Level: 3, Help: "Set the idle timeout of these lines (0 0: never)", Run: runIdleTimeout, Undo: "undo idle-timeout", RunUndo: runUndoIdleTimeout},
		{Views: uiViews, Syntax: "set authentication password cipher <password>", Level: 3, Help: "Set the password of authentication-mode password on these lines", Run: runSetAuthenticationPassword, Undo: "undo set authentication password", RunUndo: runUndoSetAuthenticationPassword},
		{Views: uiViews, Syntax: "screen-length <screen>", Level: 3, Help: "Set the number of lines per page on these lines", Run: runScreenLength, Undo: "undo screen-length", RunUndo: runUndoScreenLength},
	}
}

// uiLine is the user interface the current view configures.
func (e *callEnv) uiLine() LineKind {
	if e.view().view == viewVTY {
		return LineVTY
	}
	return LineConsole
}

// changeUI changes the user interface of the current view.
func (e *callEnv) changeUI(change func(*uiConfig)) { e.dev.changeUI(e.uiLine(), change) }

func runUserInterfaceVTY(e *callEnv, c *cli.Call) error {
	e.enter(viewVTY, "")
	return nil
}

func runUserInterfaceConsole(e *callEnv, c *cli.Call) error {
	e.enter(viewConsole, "")
	return nil
}

func runAuthenticationMode(e *callEnv, c *cli.Call) error {
	mode := c.Value("mode")
	e.warnVTYLockout(func(ui *uiConfig) { ui.authMode = mode })
	e.changeUI(func(ui *uiConfig) { ui.authMode = mode })
	if mode == "aaa" && !e.replaying {
		e.Print("Warning: The level of the user-interface(s) will be the default level of AAA users, please check whether it is correct.\n")
	}
	return nil
}

func runProtocolInbound(e *callEnv, c *cli.Call) error {
	p := c.Value("protocol")
	e.warnVTYLockout(func(ui *uiConfig) { ui.protocol = p })
	e.changeUI(func(ui *uiConfig) { ui.protocol = p })
	return nil
}

func runUndoProtocolInbound(e *callEnv, c *cli.Call) error {
	e.warnVTYLockout(func(ui *uiConfig) { ui.protocol = defaultUI(e.uiLine()).protocol })
	e.changeUI(func(ui *uiConfig) { ui.protocol = defaultUI(e.uiLine()).protocol })
	return nil
}

func runUserPrivilegeLevel(e *callEnv, c *cli.Call) error {
	l := c.Int("level")
	e.changeUI(func(ui *uiConfig) { ui.level = l })
	return nil
}

func runUndoUserPrivilegeLevel(e *callEnv, c *cli.Call) error {
	e.changeUI(func(ui *uiConfig) { ui.level = -1 })
	return nil
}

func runIdleTimeout(e *callEnv, c *cli.Call) error {
	d := time.Duration(c.Int("minutes"))*time.Minute + time.Duration(c.Int("seconds"))*time.Second
	e.changeUI(func(ui *uiConfig) { ui.idle = d })
	return nil
}

func runUndoIdleTimeout(e *callEnv, c *cli.Call) error {
	e.changeUI(func(ui *uiConfig) { ui.idle = defaultIdle })
	return nil
}

func runSetAuthenticationPassword(e *callEnv, c *cli.Call) error {
	ct, err := e.dev.Users().LinePassword(c.Value("password"))
	if err != nil {
		return aaaError(err)
	}
	e.changeUI(func(ui *uiConfig) { ui.password = ct })
	return nil
}

func runUndoSetAuthenticationPassword(e *callEnv, c *cli.Call) error {
	e.changeUI(func(ui *uiConfig) { ui.password = "" })
	return nil
}

func runScreenLength(e *callEnv, c *cli.Call) error {
	n := c.Int("screen")
	e.changeUI(func(ui *uiConfig) { ui.screenLength = n })
	return nil
}

func runUndoScreenLength(e *callEnv, c *cli.Call) error {
	e.changeUI(func(ui *uiConfig) { ui.screenLength = defaultScreenLength })
	return nil
}
