package vrp

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

func telnetCommands() []*command {
	params := map[string]*cli.Param{
		"telnet-port": {Token: "INTEGER<23,1025-55535>", Help: "Port number", Valid: telnetPortValid},
	}
	return []*command{
		{Views: systemView, Syntax: "telnet server enable", Level: 3, Help: "Enable the Telnet server", Run: runTelnetServerEnable, Undo: "undo telnet server enable", RunUndo: runUndoTelnetServerEnable},
		{Views: systemView, Syntax: "telnet server port <telnet-port>", Level: 3, Params: params, Help: "Set the port the Telnet server listens on", Run: runTelnetServerPort, Undo: "undo telnet server port", RunUndo: runUndoTelnetServerPort},
		{Views: all, Syntax: "display telnet server status", Level: 1, Filter: true, Help: "Display the status of the Telnet server", Run: runDisplayTelnetServerStatus},
	}
}

func telnetPortValid(word string) bool {
	n, ok := atoiStrict(word)
	return ok && (n == DefaultTelnetPort || n >= 1025 && n <= 55535)
}

// atoiStrict parses a decimal number of at most 5 digits.
func atoiStrict(word string) (int, bool) {
	if word == "" || len(word) > 5 {
		return 0, false
	}
	n := 0
	for _, r := range word {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

func runTelnetServerEnable(e *callEnv, c *cli.Call) error {
	if on, _ := e.dev.telnetStatus(); on && !e.replaying {
		return refuse(" Error: TELNET server has been enabled")
	}
	if err := e.dev.setTelnet(true, !e.replaying); err != nil {
		e.dev.setTelnet(false, false)
		return telnetStartError(err, e.dev)
	}
	if !e.replaying {
		e.Print("Info: Succeeded in starting the TELNET server.\n")
	}
	return nil
}

func runUndoTelnetServerEnable(e *callEnv, c *cli.Call) error {
	e.warnLockout("TEL", "Warning: The Telnet server is disabled: this Telnet session goes on, but a new Telnet login will be refused.\n")
	e.dev.setTelnet(false, !e.replaying)
	if !e.replaying {
		e.Print("Info: Succeeded in closing the TELNET server.\n")
	}
	return nil
}

func runTelnetServerPort(e *callEnv, c *cli.Call) error {
	if err := e.dev.setTelnetPort(c.Int("telnet-port"), !e.replaying); err != nil {
		return telnetStartError(err, e.dev)
	}
	return nil
}

func runUndoTelnetServerPort(e *callEnv, c *cli.Call) error {
	if err := e.dev.setTelnetPort(0, !e.replaying); err != nil {
		return telnetStartError(err, e.dev)
	}
	return nil
}

// telnetStartError is the refusal of a Telnet server that cannot listen.
func telnetStartError(err error, d *Device) error {
	_, port := d.telnetStatus()
	switch {
	case errors.Is(err, syscall.EACCES):
		return refuse("Error: Failed to start the Telnet server: port %d needs root. Use \"telnet server port\" with a port from 1025 to 55535.", port)
	case errors.Is(err, syscall.EADDRINUSE):
		return refuse("Error: Failed to start the Telnet server: port %d is in use.", port)
	}
	return refuse("Error: Failed to start the Telnet server: %v.", err)
}

func runDisplayTelnetServerStatus(e *callEnv, c *cli.Call) error {
	on, port := e.dev.telnetStatus()
	state := "Disable"
	if on {
		state = "Enable"
	}
	fmt.Fprintf(e.out, " TELNET IPV4 server                      :%s\n"+
		" TELNET IPV6 server                      :%s\n"+
		" TELNET server port                      :%d\n", state, state, port)
	return nil
}

// warnLockout prints warning when the session typing the command logs in
// over protocol ("SSH" or "TEL"): the command will refuse its next login.
// Nothing is printed during a replay or in another kind of session.
func (e *callEnv) warnLockout(protocol, warning string) {
	if e.replaying || e.info.Line != LineVTY || e.info.Protocol != protocol {
		return
	}
	e.Print(warning)
}

// warnVTYLockout warns, before change is made to the VTY lines, when it
// would refuse the next login of the session that types it (over SSH or
// Telnet) while its logins are taken today.
func (e *callEnv) warnVTYLockout(change func(*uiConfig)) {
	if e.replaying || e.uiLine() != LineVTY || e.info.Line != LineVTY {
		return
	}
	protocol := e.info.Protocol
	if protocol == "TEL" {
		protocol = "TELNET"
	}
	old := e.dev.uiConfig(LineVTY)
	next := old
	change(&next)
	if vtyRefusal(old, protocol) != "" {
		return
	}
	if msg := vtyRefusal(next, protocol); msg != "" {
		what := "SSH"
		if protocol == "TELNET" {
			what = "Telnet"
		}
		fmt.Fprintf(e.out, "Warning: After this command the VTY user interfaces refuse %s logins, the way this session came in. This session goes on; keep it open until another way in works.\n", what)
	}
}
