package vrp

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/vrp/cli"
)

func displayCommands() []*command {
	return []*command{
		{
			Views: all, Syntax: "display version", Level: 1, Filter: true,
			Help: "Display the software version",
			Run: func(e *callEnv, c *cli.Call) error {
				e.Print(e.dev.versionText())
				return nil
			},
		},
		{
			Views: all, Syntax: "display clock", Level: 0, Filter: true,
			Help: "Display the system clock",
			Run: func(e *callEnv, c *cli.Call) error {
				now := e.dev.now()
				zone, _ := now.Zone()
				fmt.Fprintf(e.out, "%s\n%s\nTime Zone(DefaultZoneName) : %s\n", now.Format("2006-01-02 15:04:05-07:00"), now.Weekday(), zone)
				return nil
			},
		},
		{
			Views: all, Syntax: "display users [ all ]", Level: 1, Filter: true,
			Help: "Display the users logged in to the user interfaces",
			Run: func(e *callEnv, c *cli.Call) error {
				e.Print(e.dev.usersText(e.Session))
				return nil
			},
		},
		{
			Views: all, Syntax: "display this", Level: 2, Filter: true,
			Help: "Display the configuration of the current view",
			Run: func(e *callEnv, c *cli.Call) error {
				sec := sectionGlobal
				switch e.view().view {
				case viewAAA:
					sec = sectionAAA
				case viewVTY:
					sec = sectionVTY
				case viewConsole:
					sec = sectionConsole
				}
				e.Print(e.dev.render(sec))
				return nil
			},
		},
		{
			Views: all, Syntax: "display current-configuration", Level: 3, Filter: true,
			Help: "Display the running configuration",
			Run: func(e *callEnv, c *cli.Call) error {
				e.Print(e.dev.render(sectionAll))
				return nil
			},
		},
		{
			Views: all, Syntax: "display saved-configuration", Level: 3, Filter: true,
			Help: "Display the next startup configuration file",
			Run: func(e *callEnv, c *cli.Call) error {
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
			},
		},
		{
			Views: all, Syntax: "display startup", Level: 1, Filter: true,
			Help: "Display the files used at startup",
			Run: func(e *callEnv, c *cli.Call) error {
				e.Print(e.dev.startupText())
				return nil
			},
		},
		{
			Views: all, Syntax: "display history-command", Level: 0, Filter: true,
			Help: "Display the history commands of the current session",
			Run: func(e *callEnv, c *cli.Call) error {
				h := e.History()
				// The line being run is the newest entry; the device shows it too.
				for _, l := range h {
					e.Print("  " + l + "\n")
				}
				return nil
			},
		},
		{
			Views: all, Syntax: "display local-user [ username <user-name> ]", Level: 3, Filter: true,
			Help: "Display local users",
			Run: func(e *callEnv, c *cli.Call) error {
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
			},
		},
		{
			Views: all, Syntax: "display ssh server status", Level: 1, Filter: true,
			Help: "Display the status of the SSH server",
			Run: func(e *callEnv, c *cli.Call) error {
				e.dev.mu.Lock()
				on := e.dev.cfg.stelnet
				e.dev.mu.Unlock()
				state := "Disable"
				if on {
					state = "Enable"
				}
				fmt.Fprintf(e.out, " SSH version                         :1.99\n"+
					" SSH connection timeout              :60 seconds\n"+
					" SSH server key generating interval  :0 hours\n"+
					" SSH authentication retries          :3 times\n"+
					" SFTP server                         :Disable\n"+
					" Stelnet server                      :%s\n"+
					" Scp server                          :Disable\n", state)
				return nil
			},
		},
		{
			Views: all, Syntax: "display logbuffer", Level: 1, Filter: true,
			Help: "Display the log buffer",
			Run: func(e *callEnv, c *cli.Call) error {
				lines := e.dev.Log()
				fmt.Fprintf(e.out, "Logging buffer configuration and contents : enabled\nAllowed max buffer size : 1024\nActual buffer size : %d\nChannel number : 4 , Channel name : logbuffer\nDropped messages : 0\nOverwritten messages : 0\nCurrent messages : %d\n\n", logBufferSize, len(lines))
				for i := len(lines) - 1; i >= 0; i-- {
					e.Print(lines[i] + "\n\n")
				}
				return nil
			},
		},
	}
}

func (d *Device) versionText() string {
	up := d.now().Sub(d.boot)
	return "Huawei Versatile Routing Platform Software\n" +
		"VRP (R) software, Version 5.160 (AR2200 V200R007C00SPC600)\n" +
		"Copyright (C) 2011-2016 HUAWEI TECH CO., LTD\n" +
		"Huawei AR2220 Router uptime is " + uptime(up) + "\n" +
		"BKP 0 version information: \n" +
		"1. PCB      Version  : AR01BAK2A VER.NC\n" +
		"2. If Supporting PoE : No\n" +
		"3. Board    Type     : AR2220\n" +
		"4. MPU Slot  Quantity : 1\n" +
		"5. LPU Slot  Quantity : 6\n" +
		"\n" +
		"MPU 0(Master) : uptime is " + uptime(up) + "\n" +
		"MPU version information : \n" +
		"1. PCB      Version  : AR01SRU2A VER.A\n" +
		"2. MAB      Version  : 0\n" +
		"3. Board    Type     : AR2220\n" +
		"4. BootROM  Version  : 0\n"
}

func uptime(d time.Duration) string {
	m := int(d / time.Minute)
	plural := func(n int, unit string) string {
		if n <= 1 {
			return fmt.Sprintf("%d %s", n, unit)
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	return fmt.Sprintf("%s, %s, %s, %s", plural(m/(7*24*60), "week"), plural(m/(24*60)%7, "day"), plural(m/60%24, "hour"), plural(m%60, "minute"))
}

func (d *Device) usersText(self *Session) string {
	d.mu.Lock()
	ss := append([]*Session(nil), d.sessions...)
	d.mu.Unlock()
	var b strings.Builder
	b.WriteString("  User-Intf    Delay    Type   Network Address     AuthenStatus    AuthorcmdFlag\n")
	for _, s := range ss {
		mark := " "
		if s == self {
			mark = "+"
		}
		idle := s.idleFor()
		delay := fmt.Sprintf("%02d:%02d:%02d", int(idle.Hours()), int(idle.Minutes())%60, int(idle.Seconds())%60)
		user := s.info.User
		if user == "" {
			user = "Unspecified"
		}
		if s.vty < 0 {
			fmt.Fprintf(&b, "%s 0   CON 0   %s                                   pass\n", mark, delay)
		} else {
			fmt.Fprintf(&b, "%s %-3d VTY %d   %s  %-6s %-25s pass\n", mark, 129+s.vty, s.vty, delay, s.info.Protocol, s.info.Remote.Addr())
		}
		fmt.Fprintf(&b, "  Username : %s\n\n", user)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (d *Device) nextStartup() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.startup
}

func (d *Device) startupText() string {
	d.mu.Lock()
	booted, next := d.booted, d.startup
	d.mu.Unlock()
	orNull := func(s string) string {
		if s == "" {
			return "null"
		}
		return s
	}
	return "MainBoard:\n" +
		"  Startup system software:                   flash:/ar2220E-V200R007C00SPC600.cc\n" +
		"  Next startup system software:              flash:/ar2220E-V200R007C00SPC600.cc\n" +
		"  Backup system software for next startup:   null\n" +
		"  Startup saved-configuration file:          " + orNull(booted) + "\n" +
		"  Next startup saved-configuration file:     " + orNull(next) + "\n" +
		"  Startup license file:                      null\n" +
		"  Next startup license file:                 null\n" +
		"  Startup patch package:                     null\n" +
		"  Next startup patch package:                null\n" +
		"  Startup voice-files:                       null\n" +
		"  Next startup voice-files:                  null\n"
}

const localUserRule = "  ----------------------------------------------------------------------------\n"

// blockSource is a locked-out source address as `display local-user` shows
// it: "console" for the console (no address).
func blockSource(a netip.Addr) string {
	if !a.IsValid() {
		return "console"
	}
	return a.String()
}

// blockTimeLeft is the Block-time-left of a lock ending at until: whole
// minutes, rounded up, as "5 Min(s)".
func blockTimeLeft(until, now time.Time) string {
	left := max(until.Sub(now), 0)
	return fmt.Sprintf("%d Min(s)", (left+time.Minute-1)/time.Minute)
}

// localUserTable renders `display local-user`. When wrong passwords have
// locked users out, a second table after the total says from which source
// address each lock holds (locks are per source, see package aaa).
func localUserTable(users []aaa.User, now time.Time) string {
	var b strings.Builder
	b.WriteString(localUserRule)
	b.WriteString("  User-name                      State  AuthMask  AdminLevel\n")
	b.WriteString(localUserRule)
	for _, u := range users {
		name := shortUserName(u.Name)
		state := "A"
		if u.State == aaa.StateBlock || u.Locked {
			state = "B"
		}
		level := "-"
		if u.Privilege >= 0 {
			level = fmt.Sprint(u.Privilege)
		}
		fmt.Fprintf(&b, "  %-30s %-6s %-9s %s\n", name, state, u.Services.Mask(), level)
	}
	b.WriteString(localUserRule)
	fmt.Fprintf(&b, "  Total %d user(s)\n", len(users))
	header := false
	for _, u := range users {
		for _, s := range u.Sources {
			if !s.Locked() {
				continue
			}
			if !header {
				b.WriteString("\n  User-name                      Block-source                   Block-time-left\n")
				b.WriteString(localUserRule)
				header = true
			}
			fmt.Fprintf(&b, "  %-30s %-30s %s\n", shortUserName(u.Name), blockSource(s.Source), blockTimeLeft(s.LockedUntil, now))
		}
	}
	if header {
		b.WriteString(localUserRule)
	}
	return b.String()
}

// shortUserName cuts a name longer than the User-name column to "name...".
func shortUserName(name string) string {
	if len(name) > 30 {
		return name[:27] + "..."
	}
	return name
}

// localUserDetail renders `display local-user username NAME`. While wrong
// passwords lock the user out, Block-source and Block-time-left say from
// which address and for how long, a pair for each locked source.
func localUserDetail(u aaa.User, now time.Time) string {
	dash := func(set bool, v string) string {
		if !set {
			return "-"
		}
		return v
	}
	state := "active"
	if u.State == aaa.StateBlock || u.Locked {
		state = "block"
	}
	idle := "-"
	if u.IdleTimeoutSet {
		idle = fmt.Sprintf("%d Minute(s) %d Second(s)", int(u.IdleTimeout/time.Minute), int(u.IdleTimeout%time.Minute/time.Second))
	}
	var b strings.Builder
	b.WriteString("  The contents of local user(s):\n")
	fmt.Fprintf(&b, "  Password          : %s\n", dash(u.HasPassword, "****************"))
	fmt.Fprintf(&b, "  State             : %s\n", state)
	fmt.Fprintf(&b, "  Service-type-mask : %s\n", u.Services.Mask())
	fmt.Fprintf(&b, "  Privilege level   : %s\n", dash(u.Privilege >= 0, fmt.Sprint(u.Privilege)))
	fmt.Fprintf(&b, "  Ftp-directory     : %s\n", dash(u.FTPDirectory != "", u.FTPDirectory))
	fmt.Fprintf(&b, "  Access-limit      : %s\n", dash(u.AccessLimit > 0, fmt.Sprint(u.AccessLimit)))
	fmt.Fprintf(&b, "  Accessed-num      : %d\n", u.Online)
	fmt.Fprintf(&b, "  Idle-timeout      : %s\n", idle)
	fmt.Fprintf(&b, "  User-group        : -\n")
	if u.Locked {
		fmt.Fprintf(&b, "  Login fail count  : %d\n", u.FailCount)
	}
	for _, s := range u.Sources {
		if s.Locked() {
			fmt.Fprintf(&b, "  Block-source      : %s\n", blockSource(s.Source))
			fmt.Fprintf(&b, "  Block-time-left   : %s\n", blockTimeLeft(s.LockedUntil, now))
		}
	}
	return b.String()
}
