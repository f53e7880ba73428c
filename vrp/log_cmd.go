package vrp

import "github.com/vrpsim/vrpsim/vrp/cli"

func logCommands() []*command {
	return []*command{
		{
			Views: userView, Syntax: "reset logbuffer", Level: 3,
			Words: map[string]string{"logbuffer": "Clear the information in the log buffer"},
			Help:  "Clear the log buffer (the log file is kept)",
			Run: func(e *callEnv, c *cli.Call) error {
				e.dev.log.reset()
				return nil
			},
		},
	}
}
