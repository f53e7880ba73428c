package vrp

import "github.com/vrpsim/vrpsim/vrp/cli"

func logCommands() []*command {
	words := map[string]string{"logbuffer": "Clear the information in the log buffer",
		"terminal": "Set the terminal line characteristics", "monitor": "Enable the terminal to display information center output",
		"logging": "Enable the terminal to display log information"}
	return []*command{
		{Views: userView, Syntax: "reset logbuffer", Level: 3, Words: words, Help: "Clear the log buffer (the log file is kept)", Run: runResetLogbuffer},
		{Views: userView, Syntax: "terminal monitor", Level: 1, Words: words, Help: "Show the device's log on this terminal as it is written", Run: runTerminalMonitor, Undo: "undo terminal monitor", RunUndo: runUndoTerminalMonitor},
		{Views: userView, Syntax: "terminal logging", Level: 1, Words: words, Help: "Include log lines in what terminal monitor shows", Run: runTerminalLogging, Undo: "undo terminal logging", RunUndo: runUndoTerminalLogging},
	}
}

func runTerminalMonitor(e *callEnv, c *cli.Call) error {
	e.monitor.Store(true)
	e.Print("Info: Current terminal monitor is on.\n")
	return nil
}

func runUndoTerminalMonitor(e *callEnv, c *cli.Call) error {
	e.monitor.Store(false)
	e.Print("Info: Current terminal monitor is off.\n")
	return nil
}

func runTerminalLogging(e *callEnv, c *cli.Call) error {
	e.noLogging.Store(false)
	e.Print("Info: Current terminal logging is on.\n")
	return nil
}

func runUndoTerminalLogging(e *callEnv, c *cli.Call) error {
	e.noLogging.Store(true)
	e.Print("Info: Current terminal logging is off.\n")
	return nil
}

func runResetLogbuffer(e *callEnv, c *cli.Call) error {
	e.dev.log.reset()
	return nil
}
