package vrp

import (
	"strconv"
	"strings"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

func sshCommands() []*command {
	return []*command{
		{Views: systemView, Syntax: "stelnet server enable", Level: 3, Help: "Enable the STelnet (SSH) server", Run: runStelnetServerEnable, Undo: "undo stelnet server enable", RunUndo: runUndoStelnetServerEnable},
		{Views: systemView, Syntax: "ssh user <ssh-user>", Level: 3, Help: "Create an SSH user", Run: runSSHUser, Undo: "undo ssh user <ssh-user>", RunUndo: runUndoSSHUser},
		{Views: systemView, Syntax: "ssh user <ssh-user> authentication-type { password | rsa | password-rsa | all }:type", Level: 3, Help: "Set how an SSH user is authenticated", Run: runSSHUserAuthenticationType},
		{Views: systemView, Syntax: "ssh user <ssh-user> service-type { stelnet | sftp | snetconf | all }:type", Level: 3, Help: "Set the services of an SSH user", Run: runSSHUserServiceType, Undo: "undo ssh user <ssh-user> service-type", RunUndo: runUndoSSHUserServiceType},
		{Views: systemView, Syntax: "ssh user <ssh-user> sftp-directory <sftp-dir>", Level: 3, Params: sshParams, Help: "Set the directory an SSH user may use by SFTP and SCP", Run: runSSHUserSFTPDirectory, Undo: "undo ssh user <ssh-user> sftp-directory", RunUndo: runUndoSSHUserSFTPDirectory},
		{Views: systemView, Syntax: "sftp server enable", Level: 3, Help: "Enable the SFTP server", Run: runSFTPServerEnable, Undo: "undo sftp server", RunUndo: runUndoSFTPServer},
		{Views: systemView, Syntax: "scp server enable", Level: 3, Help: "Enable the SCP server", Run: runSCPServerEnable, Undo: "undo scp server", RunUndo: runUndoSCPServer},
		{Views: systemView, Syntax: "ssh server-source -i <interface>", Level: 3, Params: sshParams, Help: "Set the source interface of the SSH server", Run: runSSHServerSource, Undo: "undo ssh server-source", RunUndo: runUndoSSHServerSource},
		{Views: all, Syntax: "display ssh user-information [ <ssh-user> ]", Level: 1, Filter: true, Help: "Display the SSH users", Run: runDisplaySSHUserInformation},
		{Views: systemView, Syntax: "rsa local-key-pair create", Level: 3, Words: rsaWords, Help: "Create the RSA local key pair (the SSH server's RSA host key)", Run: runRSALocalKeyPairCreate},
		{Views: all, Syntax: "display rsa local-key-pair public", Level: 1, Words: rsaWords, Filter: true, Help: "Display the public key of the RSA local key pair", Run: runDisplayRSALocalKeyPairPublic},
	}
}

// sshParams are the parameter types of the SSH commands.
var sshParams = map[string]*cli.Param{
	"sftp-dir":  {Token: "STRING<1-160>", Help: "Directory name, such as flash:/dir", Valid: sftpDirValid},
	"interface": {Token: "STRING<1-63>", Help: "Interface type and number, such as GigabitEthernet0/0/0 or LoopBack0", Valid: func(w string) bool { return canonicalInterface(w) != "" }},
}

func runSFTPServerEnable(e *callEnv, c *cli.Call) error {
	e.dev.setSSHService(func(s *sshConfig) { s.sftp = true })
	if !e.replaying {
		e.Print("Info: Succeeded in starting the SFTP server.\n")
	}
	return nil
}

func runUndoSFTPServer(e *callEnv, c *cli.Call) error {
	e.dev.setSSHService(func(s *sshConfig) { s.sftp = false })
	e.Print("Info: Succeeded in closing the SFTP server.\n")
	return nil
}

func runSCPServerEnable(e *callEnv, c *cli.Call) error {
	e.dev.setSSHService(func(s *sshConfig) { s.scp = true })
	if !e.replaying {
		e.Print("Info: Succeeded in starting the SCP server.\n")
	}
	return nil
}

func runUndoSCPServer(e *callEnv, c *cli.Call) error {
	e.dev.setSSHService(func(s *sshConfig) { s.scp = false })
	e.Print("Info: Succeeded in closing the SCP server.\n")
	return nil
}

func runSSHServerSource(e *callEnv, c *cli.Call) error {
	name := canonicalInterface(c.Value("interface"))
	e.dev.setSSHService(func(s *sshConfig) { s.source = name })
	return nil
}

func runUndoSSHServerSource(e *callEnv, c *cli.Call) error {
	e.dev.setSSHService(func(s *sshConfig) { s.source = "" })
	return nil
}

func runUndoSSHUserServiceType(e *callEnv, c *cli.Call) error {
	if !e.dev.changeExistingSSHUser(c.Value("ssh-user"), func(u *sshUser) { u.serviceType = "" }) {
		return refuse("Error: The SSH user does not exist.")
	}
	return nil
}

func runSSHUserSFTPDirectory(e *callEnv, c *cli.Call) error {
	dir := c.Value("sftp-dir")
	if e.dev.changeSSHUser(c.Value("ssh-user"), func(u *sshUser) { u.sftpDir = dir }) {
		e.Print(sshUserAdded)
	}
	return nil
}

func runUndoSSHUserSFTPDirectory(e *callEnv, c *cli.Call) error {
	if !e.dev.changeExistingSSHUser(c.Value("ssh-user"), func(u *sshUser) { u.sftpDir = "" }) {
		return refuse("Error: The SSH user does not exist.")
	}
	return nil
}

func runDisplaySSHUserInformation(e *callEnv, c *cli.Call) error {
	text, ok := e.dev.sshUsersText(c.Value("ssh-user"))
	if !ok {
		return refuse("Error: The SSH user does not exist.")
	}
	e.Print(text)
	return nil
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

func runRSALocalKeyPairCreate(e *callEnv, c *cli.Call) error {
	e.Print("The key name will be: " + rsaKeyName + "\n")
	if e.dev.hasRSAKey() {
		e.Print("% RSA keys defined for " + rsaKeyName + " already exist.\n")
		ok, err := e.confirm("Confirm to replace them? (y/n)[n]:")
		if err != nil || !ok {
			return err
		}
	}
	e.Print("The range of public key size is (512 ~ 2048).\n" +
		"NOTES: If the key modulus is greater than 512,\n" +
		"       it will take a few minutes.\n")
	ans, err := e.Ask("Input the bits in the modulus[default = 512]:")
	if err != nil {
		e.Print("\n")
		return nil
	}
	bits := defaultRSABits
	if ans = strings.TrimSpace(ans); ans != "" {
		n, err := strconv.Atoi(ans)
		if err != nil || n < minRSABits || n > maxRSABits {
			return refuse("Error: The bits of the modulus must be from 512 to 2048.")
		}
		bits = n
	}
	e.Print("Generating keys...\n")
	if err := e.dev.createRSAKey(bits); err != nil {
		return refuse("Error: Failed to create the RSA key pair: %v.", err)
	}
	e.Print("..........+++\n..............++++++++\n")
	return nil
}

func runDisplayRSALocalKeyPairPublic(e *callEnv, c *cli.Call) error {
	text, ok := e.dev.rsaPublicText()
	if !ok {
		return refuse("Error: The RSA local key pair does not exist.")
	}
	e.Print(text)
	return nil
}

// rsaWords is the help of the RSA key commands' keywords.
var rsaWords = map[string]string{"rsa": "Specify RSA module", "local-key-pair": "Local key pair"}
