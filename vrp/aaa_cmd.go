package vrp

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp/cli"
)

const rightsChanged = "Info: After you change the rights (including the password, access type, FTP directory, and level) of a local user, the rights of users already online do not change. The change takes effect to users who go online after the change.\n"

// serviceHelp is the help of the access types after service-type.
var serviceHelp = map[string]string{
	"8021x": "802.1x user", "api": "API user", "ftp": "FTP user", "http": "HTTP user", "ppp": "PPP user",
	"ssh": "SSH user", "telnet": "Telnet user", "terminal": "Terminal user", "web": "Portal user", "x25-pad": "X25-PAD user",
}

func aaaCommands() []*command {
	services := "{ " + strings.Join(aaa.ServiceWords(), " | ") + " }*:services"
	return []*command{
		{Views: systemView, Syntax: "aaa", Level: 3, Help: "Enter the AAA view", Run: runAAA},
		{Views: aaaView, Syntax: "authentication-scheme default", Level: 3, Help: "Default authentication scheme (always present)", Run: runAlwaysPresent},
		{Views: aaaView, Syntax: "authorization-scheme default", Level: 3, Help: "Default authorization scheme (always present)", Run: runAlwaysPresent},
		{Views: aaaView, Syntax: "accounting-scheme default", Level: 3, Help: "Default accounting scheme (always present)", Run: runAlwaysPresent},
		{Views: aaaView, Syntax: "domain { default | default_admin }", Level: 3, Help: "Default domains (always present)", Run: runAlwaysPresent},
		{Views: aaaView, Syntax: "local-user <user-name> password { cipher | irreversible-cipher } <password>", Level: 3, Help: "Create a local user or change its password", Run: runLocalUserPassword},
		{Views: aaaView, Syntax: "local-user <user-name> service-type " + services, Level: 3, Words: serviceHelp, Help: "Set the access types of a local user", Run: runLocalUserServiceType, Undo: "undo local-user <user-name> service-type", RunUndo: runUndoLocalUserServiceType},
		{Views: aaaView, Syntax: "local-user <user-name> privilege level <level>", Level: 3, Help: "Set the privilege level of a local user", Run: runLocalUserPrivilegeLevel, Undo: "undo local-user <user-name> privilege level", RunUndo: runUndoLocalUserPrivilegeLevel},
		{Views: aaaView, Syntax: "local-user <user-name> ftp-directory <directory>", Level: 3, Help: "Set the FTP directory of a local user", Run: runLocalUserFTPDirectory, Undo: "undo local-user <user-name> ftp-directory", RunUndo: runUndoLocalUserFTPDirectory},
		{Views: aaaView, Syntax: "local-user <user-name> access-limit <limit>", Level: 3, Help: "Set the maximum number of concurrent sessions of a local user", Run: runLocalUserAccessLimit, Undo: "undo local-user <user-name> access-limit", RunUndo: runUndoLocalUserAccessLimit},
		{Views: aaaView, Syntax: "local-user <user-name> idle-timeout <minutes> [ <seconds> ]", Level: 3, Help: "Set the idle timeout of a local user (0 0: never)", Run: runLocalUserIdleTimeout, Undo: "undo local-user <user-name> idle-timeout", RunUndo: runUndoLocalUserIdleTimeout},
		{Views: aaaView, Syntax: "local-user <user-name> state { active | block }:state", Level: 3, Help: "Activate or block a local user", Run: runLocalUserState},
		{Views: aaaView, Syntax: "undo local-user <user-name>", Level: 3, Help: "Delete a local user", Run: runUndoLocalUser},
		{Views: aaaView, Syntax: "local-aaa-user wrong-password retry-interval <interval> retry-time <times> block-time <block-min>", Level: 3, Help: "Lock out a local user after repeated wrong passwords", Run: runLocalAAAUserWrongPassword, Undo: "undo local-aaa-user wrong-password", RunUndo: runUndoLocalAAAUserWrongPassword},
	}
}

func runAAA(e *callEnv, c *cli.Call) error {
	e.enter(viewAAA, "")
	return nil
}

// runAlwaysPresent runs the lines of the aaa section that configure what
// the device always has (the default schemes and domains).
func runAlwaysPresent(e *callEnv, c *cli.Call) error { return nil }

// updateUser changes the local user the command names; with rights it
// says that users online keep their rights.
func (e *callEnv) updateUser(c *cli.Call, rights bool, change func(u *aaa.User)) error {
	err := e.dev.Users().Update(c.Value("user-name"), func(u *aaa.User) error {
		change(u)
		return nil
	})
	if err != nil {
		return aaaError(err)
	}
	if rights {
		e.Print(rightsChanged)
	}
	return nil
}

func runLocalUserPassword(e *callEnv, c *cli.Call) error {
	kind := aaa.Cipher
	if c.Has(aaa.IrreversibleCipher.String()) {
		kind = aaa.IrreversibleCipher
	}
	created, err := e.dev.Users().SetPassword(c.Value("user-name"), c.Value("password"), kind)
	if err != nil {
		return aaaError(err)
	}
	if created {
		e.Print("Info: Add a new user.\n")
	} else if !e.replaying {
		e.Print(rightsChanged)
	}
	return nil
}

func runLocalUserServiceType(e *callEnv, c *cli.Call) error {
	var set aaa.Service
	for _, w := range c.Values("services") {
		s, _ := aaa.ParseService(w)
		set |= s
	}
	before, after, err := e.dev.Users().Edit(c.Value("user-name"), func(u *aaa.User) error {
		u.Services = set
		if set.Insecure() && u.HasPassword && u.PasswordKind == aaa.Cipher {
			u.PasswordKind = aaa.IrreversibleCipher
		}
		return nil
	})
	if err != nil {
		return aaaError(err)
	}
	if before.PasswordKind != after.PasswordKind && !e.replaying {
		e.Print("Info: The cipher password has been changed to an irreversible-cipher password.\n")
	}
	if set.Insecure() {
		e.Print("Warning: The user access modes include Telnet, FTP or HTTP, and so security risks exist.\n")
	}
	e.Print(rightsChanged)
	return nil
}

func runUndoLocalUserServiceType(e *callEnv, c *cli.Call) error {
	return e.updateUser(c, true, func(u *aaa.User) { u.Services = 0 })
}

func runLocalUserPrivilegeLevel(e *callEnv, c *cli.Call) error {
	return e.updateUser(c, true, func(u *aaa.User) { u.Privilege = c.Int("level") })
}

func runUndoLocalUserPrivilegeLevel(e *callEnv, c *cli.Call) error {
	return e.updateUser(c, true, func(u *aaa.User) { u.Privilege = -1 })
}

func runLocalUserFTPDirectory(e *callEnv, c *cli.Call) error {
	dir := c.Value("directory")
	if err := e.checkDirectory(dir); err != nil {
		return err
	}
	return e.updateUser(c, true, func(u *aaa.User) { u.FTPDirectory = dir })
}

func runUndoLocalUserFTPDirectory(e *callEnv, c *cli.Call) error {
	return e.updateUser(c, true, func(u *aaa.User) { u.FTPDirectory = "" })
}

func runLocalUserAccessLimit(e *callEnv, c *cli.Call) error {
	return e.updateUser(c, false, func(u *aaa.User) { u.AccessLimit = c.Int("limit") })
}

func runUndoLocalUserAccessLimit(e *callEnv, c *cli.Call) error {
	return e.updateUser(c, false, func(u *aaa.User) { u.AccessLimit = 0 })
}

func runLocalUserIdleTimeout(e *callEnv, c *cli.Call) error {
	d := time.Duration(c.Int("minutes"))*time.Minute + time.Duration(c.Int("seconds"))*time.Second
	return e.updateUser(c, false, func(u *aaa.User) { u.IdleTimeout, u.IdleTimeoutSet = d, true })
}

func runUndoLocalUserIdleTimeout(e *callEnv, c *cli.Call) error {
	return e.updateUser(c, false, func(u *aaa.User) { u.IdleTimeout, u.IdleTimeoutSet = 0, false })
}

func runLocalUserState(e *callEnv, c *cli.Call) error {
	s := aaa.StateActive
	if c.Value("state") == aaa.StateBlock.String() {
		s = aaa.StateBlock
	}
	return e.updateUser(c, false, func(u *aaa.User) { u.SetState(s) })
}

func runUndoLocalUser(e *callEnv, c *cli.Call) error {
	if err := e.dev.Users().Delete(c.Value("user-name")); err != nil {
		return aaaError(err)
	}
	return nil
}

func runLocalAAAUserWrongPassword(e *callEnv, c *cli.Call) error {
	e.dev.Users().SetLockoutPolicy(aaa.LockoutPolicy{
		Enabled:       true,
		RetryInterval: time.Duration(c.Int("interval")) * time.Minute,
		RetryTime:     c.Int("times"),
		BlockTime:     time.Duration(c.Int("block-min")) * time.Minute,
	})
	return nil
}

func runUndoLocalAAAUserWrongPassword(e *callEnv, c *cli.Call) error {
	users := e.dev.Users()
	p := users.LockoutPolicy()
	p.Enabled = false
	users.SetLockoutPolicy(p)
	return nil
}

// checkDirectory checks that an ftp-directory names an existing directory.
func (e *callEnv) checkDirectory(dir string) error {
	path, err := flash.Resolve(flash.Device+"/", dir)
	if err != nil {
		return refuse("Error: The directory name is invalid.")
	}
	fi, err := e.dev.fs.Stat(path)
	if err != nil || !fi.IsDir {
		return refuse("Error: The directory does not exist.")
	}
	return nil
}

// aaaError turns an aaa error into the device's message.
func aaaError(err error) error {
	switch {
	case errors.Is(err, aaa.ErrNoSuchUser):
		return refuse("Error: The user does not exist.")
	case errors.Is(err, aaa.ErrOnline):
		return refuse("Error: Have user(s) online, can not be deleted.")
	case errors.Is(err, aaa.ErrInvalidName):
		return refuse("Error: The user name is invalid.")
	case errors.Is(err, aaa.ErrInvalidPassword):
		return refuse("Error: The password is invalid.")
	}
	return fmt.Errorf("aaa: %w", err)
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
		state := u.EffectiveState().Letter()
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
	state := u.EffectiveState().String()
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

// aaaSnapshot is what the aaa section of the configuration shows: the
// lockout policy and the local users with their cipher texts.
type aaaSnapshot struct {
	policy aaa.LockoutPolicy
	users  []aaa.User
	cipher []string // cipher text of the password of users[i]; "" for none
}

func takeAAASnapshot(db *aaa.DB) aaaSnapshot {
	s := aaaSnapshot{policy: db.LockoutPolicy(), users: db.Users()}
	s.cipher = make([]string, len(s.users))
	for i, u := range s.users {
		s.cipher[i], _ = db.CipherText(u.Name)
	}
	return s
}

// render writes the aaa section of the configuration, without its
// closing "#".
func (s aaaSnapshot) render(b *strings.Builder) {
	b.WriteString("aaa\n")
	b.WriteString(" authentication-scheme default\n authorization-scheme default\n accounting-scheme default\n domain default\n domain default_admin\n")
	p := s.policy
	switch {
	case !p.Enabled:
		b.WriteString(" undo local-aaa-user wrong-password\n")
	case p != aaa.DefaultLockoutPolicy():
		fmt.Fprintf(b, " local-aaa-user wrong-password retry-interval %d retry-time %d block-time %d\n",
			int(p.RetryInterval/time.Minute), p.RetryTime, int(p.BlockTime/time.Minute))
	}
	for i, u := range s.users {
		if ct := s.cipher[i]; ct != "" {
			fmt.Fprintf(b, " local-user %s password %s %s\n", u.Name, u.PasswordKind, ct)
		}
		if u.Privilege >= 0 {
			fmt.Fprintf(b, " local-user %s privilege level %d\n", u.Name, u.Privilege)
		}
		if u.FTPDirectory != "" {
			fmt.Fprintf(b, " local-user %s ftp-directory %s\n", u.Name, u.FTPDirectory)
		}
		if u.AccessLimit > 0 {
			fmt.Fprintf(b, " local-user %s access-limit %d\n", u.Name, u.AccessLimit)
		}
		if u.IdleTimeoutSet {
			fmt.Fprintf(b, " local-user %s idle-timeout %d %d\n", u.Name, int(u.IdleTimeout/time.Minute), int(u.IdleTimeout%time.Minute/time.Second))
		}
		if u.State == aaa.StateBlock {
			fmt.Fprintf(b, " local-user %s state %s\n", u.Name, u.State)
		}
		if u.Services != 0 {
			fmt.Fprintf(b, " local-user %s service-type %s\n", u.Name, u.Services)
		}
	}
}
