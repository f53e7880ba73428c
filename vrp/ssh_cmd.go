package vrp

import (
	"github.com/vrpsim/vrpsim/vrp/cli"
)

func sshCommands() []*command {
	return []*command{
		{Views: systemView, Syntax: "stelnet server enable", Level: 3, Help: "Enable the STelnet (SSH) server", Run: runStelnetServerEnable, Undo: "undo stelnet server enable", RunUndo: runUndoStelnetServerEnable},
		{Views: systemView, Syntax: "ssh user <ssh-user>", Level: 3, Help: "Create an SSH user", Run: runSSHUser, Undo: "undo ssh user <ssh-user>", RunUndo: runUndoSSHUser},
		{Views: systemView, Syntax: "ssh user <ssh-user> authentication-type { password | rsa | password-rsa | all }:type", Level: 3, Help: "Set how an SSH user is authenticated", Run: runSSHUserAuthenticationType},
		{Views: systemView, Syntax: "ssh user <ssh-user> service-type { stelnet | sftp | all }:type", Level: 3, Help: "Set the services of an SSH user", Run: runSSHUserServiceType},
	}
}

const sshUserAdded = "Info: Succeeded in adding a new SSH user.\n"

func runStelnetServerEnable(e *callEnv, c *cli.Call) error {
	e.dev.setStelnet(true)
	e.Print("Info: Succeeded in starting the STELNET server.\n")
	return nil
}

func runUndoStelnetServerEnable(e *callEnv, c *cli.Call) error {
	e.warnLockout("SSH", "Warning: The STelnet server is disabled: this SSH session goes on, but a new SSH login will be refused.\n")
	e.dev.setStelnet(false)
	e.Print("Info: Succeeded in closing the STELNET server.\n")
	return nil
}

func runSSHUser(e *callEnv, c *cli.Call) error {
	if e.dev.changeSSHUser(c.Value("ssh-user"), func(*sshUser) {}) {
		e.Print(sshUserAdded)
	}
	return nil
}

func runUndoSSHUser(e *callEnv, c *cli.Call) error {
	if !e.dev.deleteSSHUser(c.Value("ssh-user")) {
		return refuse("Error: The SSH user does not exist.")
	}
	e.Print("Info: Succeeded in deleting the SSH user.\n")
	return nil
}

func runSSHUserAuthenticationType(e *callEnv, c *cli.Call) error {
	t := c.Value("type")
	switch {
	case e.dev.changeSSHUser(c.Value("ssh-user"), func(u *sshUser) { u.authType = t }):
		e.Print(sshUserAdded)
	case !e.replaying:
		e.Print(" Authentication type setted, and will be in effect next time\n")
	}
	return nil
}

func runSSHUserServiceType(e *callEnv, c *cli.Call) error {
	t := c.Value("type")
	if e.dev.changeSSHUser(c.Value("ssh-user"), func(u *sshUser) { u.serviceType = t }) {
		e.Print(sshUserAdded)
	}
	return nil
}
