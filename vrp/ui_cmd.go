package vrp

import (
	"time"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

func uiCommands() []*command {
	return []*command{
		{
			Views: systemView, Syntax: "user-interface vty <vty-first> [ <vty-last> ]", Level: 3,
			Help: "Enter the view of the VTY lines",
			Run: func(e *callEnv, c *cli.Call) error {
				e.views = append(e.views, viewFrame{view: viewVTY})
				return nil
			},
		},
		{
			Views: systemView, Syntax: "user-interface { con | console } <console-num>", Level: 3,
			Help: "Enter the view of the console port",
			Run: func(e *callEnv, c *cli.Call) error {
				e.views = append(e.views, viewFrame{view: viewConsole})
				return nil
			},
		},
		{
			Views: uiViews, Syntax: "authentication-mode { aaa | password | none }", Level: 3,
			Help: "Set how users of these lines are authenticated",
			Run: func(e *callEnv, c *cli.Call) error {
				mode := c.Keywords()[1]
				e.dev.changeUI(e.view().view, func(ui *uiConfig) { ui.authMode = mode })
				if mode == "aaa" && !e.replaying {
					e.Print("Warning: The level of the user-interface(s) will be the default level of AAA users, please check whether it is correct.\n")
				}
				return nil
			},
		},
		{
			Views: []string{viewVTY}, Syntax: "protocol inbound { ssh | telnet | all }", Level: 3,
			Help: "Set the protocols the VTY lines accept",
			Run: func(e *callEnv, c *cli.Call) error {
				p := c.Keywords()[2]
				e.dev.changeUI(e.view().view, func(ui *uiConfig) { ui.protocol = p })
				return nil
			},
			Undo: "undo protocol inbound",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				e.dev.changeUI(e.view().view, func(ui *uiConfig) { ui.protocol = "all" })
				return nil
			},
		},
		{
			Views: uiViews, Syntax: "user privilege level <level>", Level: 3,
			Help: "Set the level of users of these lines",
			Run: func(e *callEnv, c *cli.Call) error {
				l := c.Int("level")
				e.dev.changeUI(e.view().view, func(ui *uiConfig) { ui.level = l })
				return nil
			},
			Undo: "undo user privilege level",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				e.dev.changeUI(e.view().view, func(ui *uiConfig) { ui.level = -1 })
				return nil
			},
		},
		{
			Views: uiViews, Syntax: "idle-timeout <minutes> [ <seconds> ]", Level: 3,
			Help: "Set the idle timeout of these lines (0 0: never)",
			Run: func(e *callEnv, c *cli.Call) error {
				d := time.Duration(c.Int("minutes"))*time.Minute + time.Duration(c.Int("seconds"))*time.Second
				e.dev.changeUI(e.view().view, func(ui *uiConfig) { ui.idle = d })
				return nil
			},
			Undo: "undo idle-timeout",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				e.dev.changeUI(e.view().view, func(ui *uiConfig) { ui.idle = defaultIdle })
				return nil
			},
		},
		{
			Views: uiViews, Syntax: "set authentication password cipher <password>", Level: 3,
			Help: "Set the password of authentication-mode password on these lines",
			Run: func(e *callEnv, c *cli.Call) error {
				ct, err := e.dev.Users().LinePassword(c.Value("password"))
				if err != nil {
					return aaaError(err)
				}
				e.dev.changeUI(e.view().view, func(ui *uiConfig) { ui.password = ct })
				return nil
			},
			Undo: "undo set authentication password",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				e.dev.changeUI(e.view().view, func(ui *uiConfig) { ui.password = "" })
				return nil
			},
		},
		{
			Views: uiViews, Syntax: "screen-length <screen>", Level: 3,
			Help: "Set the number of lines per page on these lines",
			Run: func(e *callEnv, c *cli.Call) error {
				n := c.Int("screen")
				e.dev.changeUI(e.view().view, func(ui *uiConfig) { ui.screenLength = n })
				return nil
			},
			Undo: "undo screen-length",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				e.dev.changeUI(e.view().view, func(ui *uiConfig) { ui.screenLength = defaultScreenLength })
				return nil
			},
		},
	}
}
