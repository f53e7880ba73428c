package vrp

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/vrp/cli"
)

type command = cli.Command[*callEnv]

// grammars are each model's command grammar, by model name. They are
// built once and shared by every device: they are immutable. The models'
// grammars differ only in their interfaces' names (the model's ports).
var grammars = sync.OnceValues(func() (map[string]*cli.Grammar[*callEnv], error) {
	out := map[string]*cli.Grammar[*callEnv]{}
	for _, model := range Models() {
		p, err := LookupProfile(model)
		if err != nil {
			return nil, err
		}
		g, err := cli.NewGrammar(keywordHelp, sharedParams, commands(portsOf(p)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", model, err)
		}
		out[model] = g
	}
	return out, nil
})

// grammarOf returns the command grammar of model p.
func grammarOf(p *Profile) (*cli.Grammar[*callEnv], error) {
	gs, err := grammars()
	if err != nil {
		return nil, err
	}
	return gs[p.Model], nil
}

// grammar returns the default model's (the AR2220's) command grammar, the
// one the command reference documents.
func grammar() (*cli.Grammar[*callEnv], error) {
	p, err := LookupProfile("")
	if err != nil {
		return nil, err
	}
	return grammarOf(p)
}

var (
	all        = []string{cli.AllViews}
	userView   = []string{viewUser}
	systemView = []string{viewSystem}
	aaaView    = []string{viewAAA}
	uiViews    = []string{viewVTY, viewConsole}
)

// keywordHelp is the help text of each keyword, as "?" shows it.
var keywordHelp = map[string]string{
	"aaa":                   "AAA",
	"access-limit":          "Set the maximum number of accesses",
	"active":                "Active",
	"authentication":        "Authentication",
	"authentication-mode":   "Authentication mode",
	"authentication-type":   "Specify the authentication type",
	"block":                 "Block",
	"block-time":            "Configure the block time",
	"cipher":                "Cipher text",
	"clock":                 "Clock status and configuration information",
	"compare":               "Compare configuration",
	"configuration":         "Configuration",
	"con":                   "Console interface",
	"console":               "Console interface",
	"current-configuration": "Current configuration",
	"display":               "Display information",
	"enable":                "Enable",
	"ftp":                   "FTP",
	"ftp-directory":         "Set user FTP directory permitted",
	"history-command":       "Display the history commands of the current session",
	"idle-timeout":          "Set the timeout value",
	"inbound":               "Inbound",
	"irreversible-cipher":   "Irreversible cipher text",
	"level":                 "Set the user level",
	"local-aaa-user":        "Local AAA user",
	"local-user":            "Add/Change local user",
	"password":              "Password",
	"privilege":             "Privilege",
	"protocol":              "Set user interface protocol type",
	"quit":                  "Exit from current mode and enter prior mode",
	"reboot":                "Reboot the device",
	"reset":                 "Reset operation",
	"retry-interval":        "Configure the retry interval",
	"retry-time":            "Configure the retry times",
	"return":                "Enter the privileged mode",
	"save":                  "Save file",
	"saved-configuration":   "Saved configuration",
	"screen-length":         "Set the number of lines displayed on a screen",
	"server":                "Server",
	"service-type":          "Service types for authorization",
	"ssh":                   "SSH",
	"state":                 "Set user state",
	"startup":               "Startup configuration",
	"status":                "Status",
	"stelnet":               "STelnet protocol",
	"sysname":               "Set the name of the device",
	"system-view":           "Enter the system view",
	"telnet":                "Telnet protocol",
	"temporary":             "Temporary",
	"this":                  "Current configuration of the current view",
	"all":                   "All",
	"user":                  "User",
	"user-interface":        "Configure the user interface",
	"username":              "User name",
	"users":                 "Information about user interface",
	"version":               "Version information",
	"vty":                   "Virtual terminal interface",
	"wrong-password":        "Wrong password",
	"XGigabitEthernet":      "XGigabitEthernet interface",
	"undo":                  "Negate a command or set its defaults",
	"none":                  "Login without checking",
	"rsa":                   "RSA authentication",
	"password-rsa":          "Password and RSA authentication",
	"sftp":                  "SFTP service type",
	"local-key-pair":        "Local key pair",
	"authentication-scheme": "Configure authentication scheme",
	"authorization-scheme":  "Configure authorization scheme",
	"accounting-scheme":     "Configure accounting scheme",
	"domain":                "Configure a domain",
	"default":               "Default",
	"default_admin":         "Default administrator domain",
	"logbuffer":             "Display the information of log buffer",
	"acl":                   "Specify ACL configuration information",
	"ftp-server":            "FTP server information",
	"ftp-users":             "FTP user information",
	"server-source":         "Specify the source address of the FTP server",
	"timeout":               "Set the idle timeout of FTP connections",
	"port":                  "Set the listening port",
	"max-sessions":          "Set the maximum number of sessions",
	"number":                "Specify the ACL number",
	"rule":                  "Specify an ACL rule",
	"permit":                "Specify matched packets to be permitted",
	"deny":                  "Specify matched packets to be denied",
	"source":                "Specify a source address",
	"any":                   "Any source address",
	"free":                  "Release a user terminal interface",
	"user-name":             "Specify a user name",
	"user-id":               "Specify a session ID",
	"set":                   "Set the system parameters",
	"-a":                    "Specify the source IP address",
	"snetconf":              "NETCONF over SSH service type",
	"sftp-directory":        "Set the SFTP directory of an SSH user",
	"scp":                   "SCP protocol",
	"-i":                    "Specify the source interface",
	"user-information":      "SSH user information",
	"create":                "Create a key pair",
	"public":                "Public key",
}

// notTheMask refuses, as a password, the mask the history shows in its place:
// a line recalled from the history with Up and entered again would otherwise
// set the password to the mask.
func notTheMask(p *cli.Param) *cli.Param {
	q := *p
	q.Valid = func(word string) bool { return word != secretMask && p.Valid(word) }
	return &q
}

// sharedParams are the parameter types used across commands. The limits of
// the local users' attributes are package aaa's, so that whatever the CLI
// takes the AAA database takes too.
var sharedParams = map[string]*cli.Param{
	"user-name":   cli.String(1, aaa.MaxNameLen, "User name, in the format of 'user@domain'"),
	"password":    notTheMask(cli.Secret(cli.String(1, aaa.MaxPasswordLen, "The password in cipher text or plain text"))),
	"level":       cli.Integer(0, aaa.MaxPrivilege, "Level"),
	"minutes":     cli.Integer(0, int(aaa.MaxIdleTimeout/time.Minute), "Set the number of minutes"),
	"seconds":     cli.Integer(0, 59, "Set the number of seconds"),
	"host-name":   cli.String(1, 246, "Host name"),
	"file-name":   cli.String(5, 64, "File name(*.cfg, *.zip)"),
	"screen":      cli.Integer(0, 512, "Number of lines on a screen (0 means no split screen)"),
	"limit":       cli.Integer(1, aaa.MaxAccessLimit, "Maximum number of accesses"),
	"directory":   cli.String(1, min(160, aaa.MaxFTPDirLen), "Directory name"),
	"vty-first":   cli.Integer(0, 4, "First user terminal interface to be configured"),
	"vty-last":    cli.Integer(0, 4, "Last user terminal interface to be configured"),
	"console-num": cli.Integer(0, 0, "Console interface number"),
	"interval":    cli.Integer(aaa.MinLockoutMins, aaa.MaxLockoutValue, "Retry interval, in minutes"),
	"times":       cli.Integer(aaa.MinRetryTime, aaa.MaxLockoutValue, "Retry times"),
	"block-min":   cli.Integer(aaa.MinLockoutMins, aaa.MaxLockoutValue, "Block time, in minutes"),
	"ssh-user":    cli.String(1, 64, "SSH user name"),
	"acl-number":  cli.Integer(2000, 3999, "Basic ACL number"),
}

// commands declares every command of a device with ports ps, in the order
// of the command reference.
func commands(ps portSet) []*command {
	var cmds []*command
	cmds = append(cmds, systemCommands()...)
	cmds = append(cmds, displayCommands(ps)...)
	cmds = append(cmds, configFileCommands()...)
	cmds = append(cmds, aaaCommands()...)
	cmds = append(cmds, uiCommands()...)
	cmds = append(cmds, sshCommands()...)
	cmds = append(cmds, telnetCommands()...)
	cmds = append(cmds, ftpServerCommands()...)
	cmds = append(cmds, aclCommands()...)
	cmds = append(cmds, interfaceCommands(ps)...)
	cmds = append(cmds, ftpClientCommands()...)
	cmds = append(cmds, sftpClientCommands()...)
	cmds = append(cmds, peerKeyCommands()...)
	cmds = append(cmds, tftpCommands()...)
	cmds = append(cmds, pingCommands()...)
	cmds = append(cmds, fileCommands()...)
	cmds = append(cmds, logCommands()...)
	cmds = append(cmds, platformCommands()...)
	return cmds
}

// enter enters a view below the current one.
func (e *callEnv) enter(view, arg string) {
	e.views = append(e.views, viewFrame{view: view, arg: arg})
}

// confirm asks a (y/n)[n] question until it gets an answer; Enter alone
// means n. An S-series switch asks it as "...?[Y/N]:".
func (e *callEnv) confirm(question string) (bool, error) {
	question = e.dev.profile.question(question)
	for {
		ans, err := e.Ask(question)
		if err != nil {
			e.Print("\n")
			return false, nil
		}
		switch strings.ToLower(strings.TrimSpace(ans)) {
		case "y", "yes":
			return true, nil
		case "", "n", "no":
			return false, nil
		}
		e.Print("Error: Please choose 'YES' or 'NO' first before pressing 'Enter'. [Y/N]:\n")
	}
}
