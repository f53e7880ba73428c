package vrp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

func ftpServerCommands() []*command {
	params := map[string]*cli.Param{
		"port":        {Token: "INTEGER<21,1025-55535>", Help: "Port number", Valid: ftpPortValid},
		"sessions":    cli.Integer(1, 1000, "Maximum number of FTP users logged in at once"),
		"ftp-minutes": cli.Integer(1, 35791, "Idle timeout, in minutes"),
		"source-ip":   cli.IPv4("Source IP address"),
		"session-id":  cli.Integer(1, 2147483647, "Session ID, as display ftp-users shows it"),
	}
	return []*command{
		{Views: systemView, Syntax: "ftp server enable", Level: 3, Help: "Start the FTP server", Run: runFTPServerEnable},
		{Views: systemView, Syntax: "undo ftp server", Level: 3, Help: "Stop the FTP server and disconnect its users", Run: runUndoFTPServer},
		{Views: systemView, Syntax: "ftp server port <port>", Level: 3, Params: params, Help: "Set the port the FTP server listens on", Run: runFTPServerPort, Undo: "undo ftp server port", RunUndo: runUndoFTPServerPort},
		// VRPv8 syntax: VRP5 devices have a fixed limit of 5 users.
		{Views: systemView, Syntax: "ftp server max-sessions <sessions>", Level: 3, Params: params, Help: "Set how many users may be logged in to the FTP server at once (default 5)", Run: runFTPServerMaxSessions, Undo: "undo ftp server max-sessions", RunUndo: runUndoFTPServerMaxSessions},
		{Views: systemView, Syntax: "ftp timeout <ftp-minutes>", Level: 3, Params: params, Help: "Set the idle timeout of FTP connections", Run: runFTPTimeout, Undo: "undo ftp timeout", RunUndo: runUndoFTPTimeout},
		{Views: systemView, Syntax: "ftp acl <acl-number>", Level: 3, Help: "Limit the clients of the FTP server with a basic ACL", Run: runFTPACL, Undo: "undo ftp acl", RunUndo: runUndoFTPACL},
		{Views: systemView, Syntax: "ftp server-source -a <source-ip>", Level: 3, Params: params, Help: "Set the source address of the FTP server", Run: runFTPServerSource, Undo: "undo ftp server-source", RunUndo: runUndoFTPServerSource},
		{Views: systemView, Syntax: "set default ftp-directory <directory>", Level: 3, Help: "Set the FTP directory of users that have none", Run: runSetDefaultFTPDirectory, Undo: "undo set default ftp-directory", RunUndo: runUndoSetDefaultFTPDirectory},
		{Views: all, Syntax: "display ftp-server", Level: 3, Filter: true, Help: "Display the FTP server's state and settings", Run: runDisplayFTPServer},
		{Views: all, Syntax: "display ftp-users", Level: 3, Filter: true, Help: "Display the users logged in to the FTP server", Run: runDisplayFTPUsers},
		{Views: userView, Syntax: "free ftp { user-name <user-name> | user-id <session-id> }", Level: 3, Params: params, Help: "Disconnect FTP users", Run: runFreeFTP},
	}
}

const ftpStarted = "Info: Succeeded in starting the FTP server.\n"

func runFTPServerEnable(e *callEnv, c *cli.Call) error {
	running, err := e.dev.enableFTP(!e.replaying)
	switch {
	case err != nil:
		return err
	case running:
		e.Print("Info: The FTP server has been started.\n")
	case !e.replaying:
		e.Print(ftpStarted)
	}
	return nil
}

func runUndoFTPServer(e *callEnv, c *cli.Call) error {
	e.dev.disableFTP()
	e.Print("Info: Succeeded in closing the FTP server.\n")
	return nil
}

func runFTPServerPort(e *callEnv, c *cli.Call) error { return e.dev.setFTPPort(c.Int("port")) }

func runUndoFTPServerPort(e *callEnv, c *cli.Call) error { return e.dev.setFTPPort(defaultFTPPort) }

func runFTPServerMaxSessions(e *callEnv, c *cli.Call) error {
	e.dev.setFTPMaxSessions(c.Int("sessions"))
	return nil
}

func runUndoFTPServerMaxSessions(e *callEnv, c *cli.Call) error {
	e.dev.setFTPMaxSessions(defaultFTPMaxSessions)
	return nil
}

func runFTPTimeout(e *callEnv, c *cli.Call) error {
	e.dev.setFTPTimeout(time.Duration(c.Int("ftp-minutes")) * time.Minute)
	return nil
}

func runUndoFTPTimeout(e *callEnv, c *cli.Call) error {
	e.dev.setFTPTimeout(defaultFTPTimeout)
	return nil
}

func runFTPACL(e *callEnv, c *cli.Call) error {
	e.dev.setFTPACL(c.Int("acl-number"))
	return nil
}

func runUndoFTPACL(e *callEnv, c *cli.Call) error {
	e.dev.setFTPACL(0)
	return nil
}

func runFTPServerSource(e *callEnv, c *cli.Call) error {
	ip, err := netip.ParseAddr(c.Value("source-ip"))
	if err != nil || ip != e.dev.opts.Address {
		return refuse("Error: The IP address is not an address of this device.")
	}
	if e.dev.ftpRunning() && !e.replaying {
		ok, err := e.confirm("Warning: To make the server source configuration take effect, the FTP server will be restarted. Continue? [Y/N]:")
		if err != nil || !ok {
			return err
		}
	}
	restarted, err := e.dev.setFTPSource(ip, true)
	e.Print(fmt.Sprintf("Info: Succeeded in setting the source address of the FTP server to %s.\n", ip))
	if err != nil {
		return refuse("Error: Failed to start the FTP server: %v.", err)
	}
	if restarted {
		e.Print(ftpStarted)
	}
	return nil
}

func runUndoFTPServerSource(e *callEnv, c *cli.Call) error {
	_, err := e.dev.setFTPSource(netip.Addr{}, false)
	return err
}

func runSetDefaultFTPDirectory(e *callEnv, c *cli.Call) error {
	dir := c.Value("directory")
	if err := e.checkDirectory(dir); err != nil {
		return err
	}
	e.dev.setFTPDefaultDir(dir)
	return nil
}

func runUndoSetDefaultFTPDirectory(e *callEnv, c *cli.Call) error {
	e.dev.setFTPDefaultDir("")
	return nil
}

func runDisplayFTPServer(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.ftpServerText())
	return nil
}

func runDisplayFTPUsers(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.ftpUsersText())
	return nil
}

func runFreeFTP(e *callEnv, c *cli.Call) error {
	if e.dev.freeFTP(c.Value("user-name"), uint64(c.Int("session-id"))) == 0 {
		return refuse("Error: The user is not online.")
	}
	e.Print("Info: Succeeded in disconnecting the FTP user(s).\n")
	return nil
}
