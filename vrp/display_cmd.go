package vrp

import (
	"fmt"
	"strings"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

// displayCommands are the displays of a device with ports ps; each renders
// text a model method prepares.
func displayCommands(ps portSet) []*command {
	return []*command{
		{Views: all, Syntax: "display version", Level: 1, Filter: true, Help: "Display the software version", Run: runDisplayVersion},
		{Views: all, Syntax: "display clock", Level: 0, Filter: true, Help: "Display the system clock", Run: runDisplayClock},
		{Views: all, Syntax: "display users [ all ]", Level: 1, Filter: true, Help: "Display the users logged in to the user interfaces", Run: runDisplayUsers},
		{Views: all, Syntax: "display this", Level: 2, Filter: true, Help: "Display the configuration of the current view", Run: runDisplayThis},
		{Views: all, Syntax: "display current-configuration [ all ]", Level: 3, Words: configWords, Filter: true, Help: "Display the running configuration; with all, default lines too", Run: runDisplayCurrentConfiguration},
		{Views: all, Syntax: "display current-configuration configuration { aaa | interface | user-interface }:section", Level: 3, Words: configWords, Filter: true, Help: "Display a section of the running configuration", Run: runDisplayCurrentConfigurationSection},
		{Views: all, Syntax: "display current-configuration interface [ " + ifSpecOf(ps) + " ]", Level: 3, Params: interfaceParamsOf(ps), Words: configWords, Filter: true, Help: "Display the configuration of the interfaces, or of one", Run: runDisplayCurrentConfigurationInterface},
		{Views: all, Syntax: "display saved-configuration", Level: 3, Filter: true, Help: "Display the next startup configuration file", Run: runDisplaySavedConfiguration},
		{Views: all, Syntax: "display startup", Level: 1, Filter: true, Help: "Display the files used at startup", Run: runDisplayStartup},
		{Views: all, Syntax: "display history-command", Level: 0, Filter: true, Help: "Display the history commands of the current session", Run: runDisplayHistoryCommand},
		{Views: all, Syntax: "display local-user [ username <user-name> ]", Level: 3, Filter: true, Help: "Display local users", Run: runDisplayLocalUser},
		{Views: all, Syntax: "display ssh server status", Level: 1, Filter: true, Help: "Display the status of the SSH server", Run: runDisplaySSHServerStatus},
		{Views: all, Syntax: "display logbuffer", Level: 1, Filter: true, Help: "Display the log buffer", Run: runDisplayLogbuffer},
	}
}

func runDisplayVersion(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.versionText())
	return nil
}

func runDisplayClock(e *callEnv, c *cli.Call) error {
	now := e.dev.now()
	zone, _ := now.Zone()
	fmt.Fprintf(e.out, "%s\n%s\nTime Zone(DefaultZoneName) : %s\n", now.Format("2006-01-02 15:04:05-07:00"), now.Weekday(), zone)
	return nil
}

func runDisplayUsers(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.usersText(e.Session))
	return nil
}

func runDisplayThis(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.renderView(e.view()))
	return nil
}

func runDisplayCurrentConfiguration(e *callEnv, c *cli.Call) error {
	if c.Has("all") {
		e.Print(e.dev.renderDefaults())
		return nil
	}
	e.Print(e.dev.render(sectionAll))
	return nil
}

// configWords is the help of display current-configuration's keywords.
var configWords = map[string]string{
	"all":             "All configurations, default values included",
	"configuration":   "Configuration type",
	"aaa":             "AAA configuration",
	"interface":       "Interface configuration",
	"user-interface":  "User interface configuration",
	"GigabitEthernet": "GigabitEthernet interface",
	"LoopBack":        "LoopBack interface",
	"NULL":            "NULL interface",
}

// configSections are the sections display current-configuration
// configuration shows.
var configSections = map[string]section{"aaa": sectionAAA, "interface": sectionInterface, "user-interface": sectionUI}

func runDisplayCurrentConfigurationSection(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.render(configSections[c.Value("section")]))
	return nil
}

func runDisplayCurrentConfigurationInterface(e *callEnv, c *cli.Call) error {
	n, ok := ifNameOf(c)
	if !ok {
		e.Print(e.dev.render(sectionInterface))
		return nil
	}
	if !e.dev.interfaceExists(n) {
		return errNoInterface
	}
	e.Print(e.dev.renderView(viewFrame{view: e.dev.ifView(n), arg: n.String()}))
	return nil
}

func runDisplaySavedConfiguration(e *callEnv, c *cli.Call) error {
	name := e.dev.nextStartup()
	if name == "" {
		e.Print("There is no correct configuration file in FLASH\n")
		return nil
	}
	text, err := readConfigFile(e.dev.fs, name)
	if err != nil {
		e.Print("There is no correct configuration file in FLASH\n")
		return nil
	}
	e.Print(strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n") + "\n")
	return nil
}

func runDisplayStartup(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.startupText())
	return nil
}

func runDisplayHistoryCommand(e *callEnv, c *cli.Call) error {
	// The line being run is the newest entry; the device shows it too.
	for _, l := range e.History() {
		e.Print("  " + l + "\n")
	}
	return nil
}

func runDisplayLocalUser(e *callEnv, c *cli.Call) error {
	users := e.dev.Users()
	if name, ok := c.Lookup("user-name"); ok {
		u, found := users.Lookup(name)
		if !found {
			return refuse("Info: The user does not exist.")
		}
		e.Print(localUserDetail(u, e.dev.now()))
		return nil
	}
	e.Print(localUserTable(users.Users(), e.dev.now()))
	return nil
}

func runDisplaySSHServerStatus(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.sshServerStatusText())
	return nil
}

func runDisplayLogbuffer(e *callEnv, c *cli.Call) error {
	lines := e.dev.Log()
	fmt.Fprintf(e.out, "Logging buffer configuration and contents : enabled\nAllowed max buffer size : 1024\nActual buffer size : %d\nChannel number : 4 , Channel name : logbuffer\nDropped messages : 0\nOverwritten messages : 0\nCurrent messages : %d\n\n", logBufferSize, len(lines))
	for i := len(lines) - 1; i >= 0; i-- {
		e.Print(lines[i] + "\n\n")
	}
	return nil
}
