package vrp

import (
	"strings"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

func sshCommands() []*command {
	return []*command{
		{
			Views: systemView, Syntax: "stelnet server enable", Level: 3,
			Help: "Enable the STelnet (SSH) server",
			Run: func(e *callEnv, c *cli.Call) error {
				e.dev.mu.Lock()
				e.dev.cfg.stelnet = true
				e.dev.mu.Unlock()
				e.Print("Info: Succeeded in starting the STELNET server.\n")
				return nil
			},
			Undo: "undo stelnet server enable",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				e.dev.mu.Lock()
				e.dev.cfg.stelnet = false
				e.dev.mu.Unlock()
				e.Print("Info: Succeeded in closing the STELNET server.\n")
				return nil
			},
		},
		{
			Views: systemView, Syntax: "ssh user <ssh-user>", Level: 3,
			Help: "Create an SSH user",
			Run: func(e *callEnv, c *cli.Call) error {
				if _, created := e.dev.sshUser(c.Value("ssh-user")); created {
					e.Print("Info: Succeeded in adding a new SSH user.\n")
				}
				return nil
			},
			Undo: "undo ssh user <ssh-user>",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				d := e.dev
				name := c.Value("ssh-user")
				d.mu.Lock()
				defer d.mu.Unlock()
				for i, u := range d.cfg.sshUsers {
					if strings.EqualFold(u.name, name) {
						d.cfg.sshUsers = append(d.cfg.sshUsers[:i], d.cfg.sshUsers[i+1:]...)
						e.Print("Info: Succeeded in deleting the SSH user.\n")
						return nil
					}
				}
				return refuse("Error: The SSH user does not exist.")
			},
		},
		{
			Views: systemView, Syntax: "ssh user <ssh-user> authentication-type { password | rsa | password-rsa | all }", Level: 3,
			Help: "Set how an SSH user is authenticated",
			Run: func(e *callEnv, c *cli.Call) error {
				kw := c.Keywords()
				u, created := e.dev.sshUser(c.Value("ssh-user"))
				e.dev.mu.Lock()
				u.authType = kw[len(kw)-1]
				e.dev.mu.Unlock()
				if created {
					e.Print("Info: Succeeded in adding a new SSH user.\n")
				} else if !e.replaying {
					e.Print(" Authentication type setted, and will be in effect next time\n")
				}
				return nil
			},
		},
		{
			Views: systemView, Syntax: "ssh user <ssh-user> service-type { stelnet | sftp | all }", Level: 3,
			Help: "Set the services of an SSH user",
			Run: func(e *callEnv, c *cli.Call) error {
				kw := c.Keywords()
				u, created := e.dev.sshUser(c.Value("ssh-user"))
				e.dev.mu.Lock()
				u.serviceType = kw[len(kw)-1]
				e.dev.mu.Unlock()
				if created {
					e.Print("Info: Succeeded in adding a new SSH user.\n")
				}
				return nil
			},
		},
	}
}
