package vrp

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"time"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

func ftpServerCommands() []*command {
	ftpPort := &cli.Param{Token: "INTEGER<21,1025-55535>", Help: "Port number", Valid: ftpPortValid}
	return []*command{
		{
			Views: systemView, Syntax: "ftp server enable", Level: 3,
			Help: "Start the FTP server",
			Run: func(e *callEnv, c *cli.Call) error {
				d := e.dev
				d.mu.Lock()
				defer d.mu.Unlock()
				if d.cfg.ftpServer.enabled && d.ftp != nil {
					e.Print("Info: The FTP server has been started.\n")
					return nil
				}
				d.cfg.ftpServer.enabled = true
				if e.replaying {
					return nil // started once the whole configuration is replayed
				}
				if err := d.startFTPLocked(); err != nil {
					d.cfg.ftpServer.enabled = false
					if errors.Is(err, syscall.EACCES) {
						return refuse("Error: Failed to start the FTP server: port %d needs root. Use \"ftp server port\" with a port from 1025 to 55535.", d.cfg.ftpServer.port)
					}
					if errors.Is(err, syscall.EADDRINUSE) {
						return refuse("Error: Failed to start the FTP server: port %d is in use.", d.cfg.ftpServer.port)
					}
					return refuse("Error: Failed to start the FTP server: %v.", err)
				}
				e.Print("Info: Succeeded in starting the FTP server.\n")
				return nil
			},
		},
		{
			Views: systemView, Syntax: "undo ftp server", Level: 3,
			Help: "Stop the FTP server and disconnect its users",
			Run: func(e *callEnv, c *cli.Call) error {
				d := e.dev
				d.mu.Lock()
				d.cfg.ftpServer.enabled = false
				d.mu.Unlock()
				d.stopFTP()
				e.Print("Info: Succeeded in closing the FTP server.\n")
				return nil
			},
		},
		{
			Views: systemView, Syntax: "ftp server port <port>", Level: 3,
			Params: map[string]*cli.Param{"port": ftpPort},
			Help:   "Set the port the FTP server listens on",
			Run: func(e *callEnv, c *cli.Call) error {
				return e.dev.setFTPPort(c.Int("port"))
			},
			Undo: "undo ftp server port",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				return e.dev.setFTPPort(defaultFTPPort)
			},
		},
		{
			// VRPv8 syntax: VRP5 devices have a fixed limit of 5 users.
			Views: systemView, Syntax: "ftp server max-sessions <sessions>", Level: 3,
			Params: map[string]*cli.Param{"sessions": cli.Integer(1, 1000, "Maximum number of FTP users logged in at once")},
			Help:   "Set how many users may be logged in to the FTP server at once (default 5)",
			Run: func(e *callEnv, c *cli.Call) error {
				e.dev.setFTPMaxSessions(c.Int("sessions"))
				return nil
			},
			Undo: "undo ftp server max-sessions",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				e.dev.setFTPMaxSessions(defaultFTPMaxSessions)
				return nil
			},
		},
		{
			Views: systemView, Syntax: "ftp timeout <ftp-minutes>", Level: 3,
			Params: map[string]*cli.Param{"ftp-minutes": cli.Integer(1, 35791, "Idle timeout, in minutes")},
			Help:   "Set the idle timeout of FTP connections",
			Run: func(e *callEnv, c *cli.Call) error {
				e.dev.setFTPTimeout(time.Duration(c.Int("ftp-minutes")) * time.Minute)
				return nil
			},
			Undo: "undo ftp timeout",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				e.dev.setFTPTimeout(defaultFTPTimeout)
				return nil
			},
		},
		{
			Views: systemView, Syntax: "ftp acl <acl-number>", Level: 3,
			Help: "Limit the clients of the FTP server with a basic ACL",
			Run: func(e *callEnv, c *cli.Call) error {
				d := e.dev
				d.mu.Lock()
				defer d.mu.Unlock()
				d.cfg.ftpServer.acl = c.Int("acl-number")
				d.aclChangedLocked()
				return nil
			},
			Undo: "undo ftp acl",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				d := e.dev
				d.mu.Lock()
				defer d.mu.Unlock()
				d.cfg.ftpServer.acl = 0
				d.aclChangedLocked()
				return nil
			},
		},
		{
			Views: systemView, Syntax: "ftp server-source -a <source-ip>", Level: 3,
			Params: map[string]*cli.Param{"source-ip": cli.IPv4("Source IP address")},
			Help:   "Set the source address of the FTP server",
			Run: func(e *callEnv, c *cli.Call) error {
				d := e.dev
				ip, err := netip.ParseAddr(c.Value("source-ip"))
				if err != nil || ip != d.opts.Address {
					return refuse("Error: The IP address is not an address of this device.")
				}
				d.mu.Lock()
				running := d.ftp != nil
				d.mu.Unlock()
				if running && !e.replaying {
					ok, err := e.confirm("Warning: To make the server source configuration take effect, the FTP server will be restarted. Continue? [Y/N]:")
					if err != nil || !ok {
						return err
					}
				}
				if running {
					d.stopFTP()
				}
				d.mu.Lock()
				defer d.mu.Unlock()
				d.cfg.ftpServer.source = ip
				e.Print(fmt.Sprintf("Info: Succeeded in setting the source address of the FTP server to %s.\n", ip))
				if running {
					if err := d.startFTPLocked(); err != nil {
						return refuse("Error: Failed to start the FTP server: %v.", err)
					}
					e.Print("Info: Succeeded in starting the FTP server.\n")
				}
				return nil
			},
			Undo: "undo ftp server-source",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				d := e.dev
				d.mu.Lock()
				defer d.mu.Unlock()
				d.cfg.ftpServer.source = netip.Addr{}
				return nil
			},
		},
		{
			Views: systemView, Syntax: "set default ftp-directory <directory>", Level: 3,
			Help: "Set the FTP directory of users that have none",
			Run: func(e *callEnv, c *cli.Call) error {
				dir := c.Value("directory")
				if err := e.checkDirectory(dir); err != nil {
					return err
				}
				e.dev.mu.Lock()
				e.dev.cfg.ftpServer.defaultDir = dir
				e.dev.mu.Unlock()
				return nil
			},
			Undo: "undo set default ftp-directory",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				e.dev.mu.Lock()
				e.dev.cfg.ftpServer.defaultDir = ""
				e.dev.mu.Unlock()
				return nil
			},
		},
		{
			Views: all, Syntax: "display ftp-server", Level: 3, Filter: true,
			Help: "Display the FTP server's state and settings",
			Run: func(e *callEnv, c *cli.Call) error {
				e.Print(e.dev.ftpServerText())
				return nil
			},
		},
		{
			Views: all, Syntax: "display ftp-users", Level: 3, Filter: true,
			Help: "Display the users logged in to the FTP server",
			Run: func(e *callEnv, c *cli.Call) error {
				e.Print(e.dev.ftpUsersText())
				return nil
			},
		},
		{
			Views: userView, Syntax: "free ftp { user-name <user-name> | user-id <session-id> }", Level: 3,
			Params: map[string]*cli.Param{"session-id": cli.Integer(1, 2147483647, "Session ID, as display ftp-users shows it")},
			Help:   "Disconnect FTP users",
			Run: func(e *callEnv, c *cli.Call) error {
				d := e.dev
				d.mu.Lock()
				rt := d.ftp
				d.mu.Unlock()
				n := 0
				if rt != nil {
					if name, ok := c.Lookup("user-name"); ok {
						n = rt.srv.KickUser(name)
					} else if rt.srv.Kick(uint64(c.Int("session-id"))) {
						n = 1
					}
				}
				if n == 0 {
					return refuse("Error: The user is not online.")
				}
				e.Print("Info: Succeeded in disconnecting the FTP user(s).\n")
				return nil
			},
		},
	}
}
