package vrp

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

func ftpServerCommands() []*command {
	ftpPort := &cli.Param{Token: "INTEGER<21,1025-55535>", Help: "Port number", Valid: ftpPortValid}
	aclNum := cli.Integer(2000, 3999, "Basic ACL number")
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
			Params: map[string]*cli.Param{"acl-number": aclNum},
			Help:   "Limit the clients of the FTP server with a basic ACL",
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
			Views: systemView, Syntax: "acl [ number ] <acl-number>", Level: 2,
			Params: map[string]*cli.Param{"acl-number": aclNum},
			Help:   "Create a basic ACL or enter its view",
			Run: func(e *callEnv, c *cli.Call) error {
				n := c.Int("acl-number")
				d := e.dev
				d.mu.Lock()
				if d.cfg.acls[n] == nil {
					d.cfg.acls[n] = &acl{number: n}
				}
				d.mu.Unlock()
				e.views = append(e.views, viewFrame{view: viewACL, arg: strconv.Itoa(n)})
				return nil
			},
			Undo: "undo acl [ number ] <acl-number>",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				d := e.dev
				d.mu.Lock()
				defer d.mu.Unlock()
				n := c.Int("acl-number")
				if d.cfg.acls[n] == nil {
					return refuse("Error: The ACL does not exist.")
				}
				delete(d.cfg.acls, n)
				d.aclChangedLocked()
				return nil
			},
		},
		{
			Views: []string{viewACL}, Syntax: "rule [ <rule-id> ] { permit | deny } [ source { <source-ip> <wildcard> | any } ]", Level: 2,
			Params: map[string]*cli.Param{
				"rule-id":   cli.Integer(0, math.MaxInt32, "ID of ACL rule"),
				"source-ip": cli.IPv4("Address of source"),
				"wildcard":  &cli.Param{Token: "IP_ADDR<X.X.X.X>|0", Help: "Wildcard of source", Valid: func(w string) bool { return w == "0" || cli.IPv4("").Valid(w) }},
			},
			Help: "Add a rule to a basic ACL",
			Run:  runRule,
		},
		{
			Views: []string{viewACL}, Syntax: "undo rule <rule-id>", Level: 2,
			Params: map[string]*cli.Param{"rule-id": cli.Integer(0, math.MaxInt32, "ID of ACL rule")},
			Help:   "Delete a rule from a basic ACL",
			Run: func(e *callEnv, c *cli.Call) error {
				d := e.dev
				d.mu.Lock()
				defer d.mu.Unlock()
				n, _ := strconv.Atoi(e.view().arg)
				l := d.cfg.acls[n]
				id := c.Int("rule-id")
				for i, r := range l.rules {
					if r.id == id {
						l.rules = append(l.rules[:i], l.rules[i+1:]...)
						d.aclChangedLocked()
						return nil
					}
				}
				return refuse("Error: The rule does not exist.")
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
			Views: all, Syntax: "display acl { <acl-number> | all }", Level: 2, Filter: true,
			Params: map[string]*cli.Param{"acl-number": aclNum},
			Help:   "Display basic ACLs",
			Run: func(e *callEnv, c *cli.Call) error {
				e.Print(e.dev.aclText(c.Int("acl-number")))
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

func runRule(e *callEnv, c *cli.Call) error {
	d := e.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	n, _ := strconv.Atoi(e.view().arg)
	l := d.cfg.acls[n]
	if l == nil {
		l = &acl{number: n}
		d.cfg.acls[n] = l
	}
	r := aclRule{permit: c.Has("permit"), any: true}
	if ip, ok := c.Lookup("source-ip"); ok {
		r.any = false
		r.source = netip.MustParseAddr(ip)
		w := c.Value("wildcard")
		if w == "0" {
			w = "0.0.0.0"
		}
		r.wildcard = netip.MustParseAddr(w)
	}
	if id, ok := c.Lookup("rule-id"); ok {
		r.id, _ = strconv.Atoi(id)
	} else {
		// the device numbers rules in steps of 5
		r.id = 5
		for _, o := range l.rules {
			r.id = max(r.id, (o.id/5+1)*5)
		}
	}
	replaced := false
	for i, o := range l.rules {
		if o.id == r.id {
			l.rules[i] = r
			replaced = true
		}
	}
	if !replaced {
		l.rules = append(l.rules, r)
		sort.Slice(l.rules, func(i, j int) bool { return l.rules[i].id < l.rules[j].id })
	}
	d.aclChangedLocked()
	return nil
}

func (r aclRule) String() string {
	action := "deny"
	if r.permit {
		action = "permit"
	}
	if r.any {
		return fmt.Sprintf("rule %d %s", r.id, action)
	}
	w := r.wildcard.String()
	if w == "0.0.0.0" {
		w = "0"
	}
	return fmt.Sprintf("rule %d %s source %s %s", r.id, action, r.source, w)
}

func (d *Device) setFTPPort(port int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ftp != nil {
		return refuse("Error: The FTP server is running. Stop it with \"undo ftp server\" before changing the port.")
	}
	d.cfg.ftpServer.port = port
	return nil
}

func (d *Device) setFTPMaxSessions(n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.ftpServer.maxSessions = n
	if d.ftp != nil {
		d.ftp.srv.SetMaxSessions(n)
	}
}

func (d *Device) setFTPTimeout(t time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.ftpServer.timeout = t
	if d.ftp != nil {
		d.ftp.srv.SetIdleTimeout(t)
	}
}

func (d *Device) ftpServerText() string {
	d.mu.Lock()
	c := d.cfg.ftpServer
	rt := d.ftp
	d.mu.Unlock()
	var b strings.Builder
	row := func(label, value string) { fmt.Fprintf(&b, "   %s%*s\n", label, 43-len(label), value) }
	if rt != nil {
		b.WriteString("   FTP server is running\n")
	} else {
		b.WriteString("   FTP server is stopped\n")
	}
	users := 0
	if rt != nil {
		users = rt.srv.UserCount()
	}
	row("Max user number", strconv.Itoa(c.maxSessions))
	row("User count", strconv.Itoa(users))
	row("Timeout value(in minute)", strconv.Itoa(int(c.timeout/time.Minute)))
	row("Listening port", strconv.Itoa(c.port))
	row("Acl number", strconv.Itoa(c.acl))
	src := "0.0.0.0"
	if c.source.IsValid() {
		src = c.source.String()
	}
	row("FTP server's source address", src)
	return b.String()
}

func (d *Device) ftpUsersText() string {
	d.mu.Lock()
	rt := d.ftp
	d.mu.Unlock()
	var b strings.Builder
	b.WriteString("  username    host              port    idle    topdir\n")
	if rt == nil {
		return b.String()
	}
	for _, s := range rt.srv.Sessions() {
		if !s.LoggedIn {
			continue
		}
		fmt.Fprintf(&b, "  %-11s %-17s %-7d %-7d %s\n", s.User, s.Remote.Addr().Unmap(), s.Remote.Port(), int(s.Idle/time.Minute), strings.TrimSuffix(s.Root, "/"))
	}
	return b.String()
}

func (d *Device) aclText(n int) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var nums []int
	for k := range d.cfg.acls {
		if n == 0 || k == n {
			nums = append(nums, k)
		}
	}
	sort.Ints(nums)
	var b strings.Builder
	for _, k := range nums {
		l := d.cfg.acls[k]
		fmt.Fprintf(&b, "Basic ACL %d, %d rule\nAcl's step is 5\n", k, len(l.rules))
		for _, r := range l.rules {
			fmt.Fprintf(&b, " %s\n", r)
		}
		b.WriteString("\n")
	}
	return b.String()
}
