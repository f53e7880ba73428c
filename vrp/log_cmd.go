package vrp

import "github.com/vrpsim/vrpsim/vrp/cli"

func logCommands() []*command {
	words := map[string]string{"logbuffer": "Clear the information in the log buffer"}
	return []*command{
		{Views: userView, Syntax: "reset logbuffer", Level: 3, Words: words, Help: "Clear the log buffer (the log file is kept)", Run: runResetLogbuffer},
	}
}

func runResetLogbuffer(e *callEnv, c *cli.Call) error {
	e.dev.log.reset()
	return nil
}
