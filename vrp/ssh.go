package vrp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
)

// sshConfig is the configuration of the STelnet server and its SSH users.
type sshConfig struct {
	stelnet bool
	sftp    bool   // sftp server enable
	scp     bool   // scp server enable
	source  string // ssh server-source -i: the interface's name, "" when not set
	users   []sshUser
}

type sshUser struct {
	name        string
	authType    string // "" when not set
	serviceType string // "" when not set
	sftpDir     string // ssh user NAME sftp-directory; "" when not set
}

func (c sshConfig) clone() sshConfig {
	c.users = slices.Clone(c.users)
	return c
}

// render writes the SSH server's lines of the configuration, a block of
// their own after the aaa section.
func (c sshConfig) render(b *strings.Builder) {
	if !c.stelnet && !c.sftp && !c.scp && c.source == "" && len(c.users) == 0 {
		return
	}
	if c.stelnet {
		b.WriteString(" stelnet server enable\n")
	}
	if c.sftp {
		b.WriteString(" sftp server enable\n")
	}
	if c.scp {
		b.WriteString(" scp server enable\n")
	}
	if c.source != "" {
		fmt.Fprintf(b, " ssh server-source -i %s\n", c.source)
	}
	for _, u := range c.users {
		fmt.Fprintf(b, " ssh user %s\n", u.name)
		if u.authType != "" {
			fmt.Fprintf(b, " ssh user %s authentication-type %s\n", u.name, u.authType)
		}
		if u.serviceType != "" {
			fmt.Fprintf(b, " ssh user %s service-type %s\n", u.name, u.serviceType)
		}
		if u.sftpDir != "" {
			fmt.Fprintf(b, " ssh user %s sftp-directory %s\n", u.name, u.sftpDir)
		}
	}
	b.WriteString("#\n")
}

// setStelnet starts or stops the STelnet server: whether SSH logins are
// taken (AuthenticateSSH).
func (d *Device) setStelnet(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.ssh.stelnet = on
}

func (d *Device) stelnetEnabled() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg.ssh.stelnet
}

// findSSHUserLocked returns the index of an SSH user (names are
// case-insensitive), or -1.
func (d *Device) findSSHUserLocked(name string) int {
	return slices.IndexFunc(d.cfg.ssh.users, func(u sshUser) bool { return strings.EqualFold(u.name, name) })
}

// changeSSHUser applies change to an SSH user, creating the user first when
// there is none of that name. It reports whether it created the user.
func (d *Device) changeSSHUser(name string, change func(u *sshUser)) (created bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.findSSHUserLocked(name)
	if i < 0 {
		d.cfg.ssh.users = append(d.cfg.ssh.users, sshUser{name: name})
		i, created = len(d.cfg.ssh.users)-1, true
	}
	change(&d.cfg.ssh.users[i])
	return created
}

// deleteSSHUser deletes an SSH user. It reports whether there was one.
func (d *Device) deleteSSHUser(name string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.findSSHUserLocked(name)
	if i < 0 {
		return false
	}
	d.cfg.ssh.users = slices.Delete(d.cfg.ssh.users, i, i+1)
	return true
}

// AuthenticateSSH checks an SSH password login against the AAA users: the
// STelnet, SFTP or SCP server must be enabled (which service the session may
// use is checked when it asks for one: CheckStelnet, OpenFileService), the VTY lines must accept SSH with AAA
// authentication, and the user must have service-type ssh. Every refusal is
// ErrLoginRefused and takes the same work (see package aaa); wrong passwords
// count toward the user's lockout from the remote address.
func (d *Device) AuthenticateSSH(user, password string, remote netip.AddrPort) error {
	d.mu.Lock()
	users := d.users
	d.mu.Unlock()
	check := func(aaa.User) error {
		d.mu.Lock()
		c, vty := d.cfg.ssh, d.cfg.vty
		d.mu.Unlock()
		switch {
		case d.refuseLogins():
			return errInjected
		case !c.stelnet && !c.sftp && !c.scp:
			return errors.New("the STelnet, SFTP and SCP servers are disabled")
		case vty.authMode != "aaa":
			return errors.New("the VTY authentication mode is not AAA")
		case vty.protocol == "telnet":
			return errors.New("the VTY does not accept SSH")
		}
		return nil
	}
	_, err := users.AuthenticateContext(context.Background(), aaa.Attempt{
		Name: user, Password: password, Service: aaa.ServiceSSH, Source: remote.Addr(), Check: check,
	})
	if err != nil {
		reason := err.Error()
		var ae *aaa.AuthError
		if errors.As(err, &ae) {
			reason = ae.Reason
		}
		d.logf("SSH", 5, "SSH_USER_LOGIN_FAIL", "The SSH user failed to login. (ServiceType=stelnet, FailedReason=%s, UserName=%s, IPAddress=%s, VPNInstanceName=)", reason, user, remote.Addr())
		return ErrLoginRefused
	}
	return nil
}

// ErrServiceRefused is why an authenticated SSH user may not use the service
// a session asked for; the error that wraps it says why.
var ErrServiceRefused = errors.New("service refused")

// serviceRefusal is a refusal of a service: its text is the reason alone
// (as the log shows it), and it matches ErrServiceRefused.
type serviceRefusal string

func (r serviceRefusal) Error() string        { return string(r) }
func (r serviceRefusal) Is(target error) bool { return target == ErrServiceRefused }

func refusal(format string, a ...any) error { return serviceRefusal(fmt.Sprintf(format, a...)) }

// serviceTypeAllows reports whether an SSH user's service-type allows svc
// ("stelnet" or "sftp").
func serviceTypeAllows(serviceType, svc string) bool {
	return serviceType == svc || serviceType == "all"
}

// CheckStelnet reports whether an authenticated SSH user may have the CLI
// (a shell, a pty or an exec request): the STelnet server must be enabled,
// and an SSH user of that name, when there is one with a service-type, must
// have stelnet or all. A refusal wraps ErrServiceRefused.
func (d *Device) CheckStelnet(user string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.cfg.ssh.stelnet {
		return refusal("the STelnet server is disabled")
	}
	if i := d.findSSHUserLocked(user); i >= 0 {
		if t := d.cfg.ssh.users[i].serviceType; t != "" && !serviceTypeAllows(t, "stelnet") {
			return refusal("the service type of SSH user %s is %s", user, t)
		}
	}
	return nil
}

// FileService is a file service of the SSH server.
type FileService int

// The file services of the SSH server.
const (
	ServiceSFTP FileService = iota + 1
	ServiceSCP
)

func (s FileService) String() string {
	if s == ServiceSCP {
		return "scp"
	}
	return "sftp"
}

// FileLogin is a user's admission to a file service: the directory the user
// is confined to and the release of the session slot it took.
type FileLogin struct {
	// Root is the canonical flash directory the user sees as "/".
	Root string
	// Release frees the user's access-limit slot; call it once when the
	// session ends.
	Release func()
	// Done is closed when the session must end: its server was disabled
	// ("undo sftp server", "undo scp server").
	Done <-chan struct{}
}

// fileSession is an SFTP or SCP session the device knows of, so that
// disabling its server ends it.
type fileSession struct {
	svc  FileService
	done chan struct{}
	once sync.Once
}

func (s *fileSession) end() { s.once.Do(func() { close(s.done) }) }

// endDisabledFileSessionsLocked ends the sessions of the file services
// that are disabled. The caller holds d.mu.
func (d *Device) endDisabledFileSessionsLocked() {
	for s := range d.files {
		if s.svc == ServiceSFTP && !d.cfg.ssh.sftp || s.svc == ServiceSCP && !d.cfg.ssh.scp {
			s.end()
		}
	}
}

// OpenFileService admits an authenticated SSH user to SFTP or SCP, with the
// FTP server's privilege rule: the server must be enabled, an SSH user of
// that name must exist with service-type sftp or all, the AAA user (who
// has service-type ssh, or could not have authenticated) must have level 3
// or more, and the directory must exist: the SSH user's sftp-directory, else
// the user's ftp-directory, else the default ftp-directory, else flash:. It
// takes one of the user's access-limit slots. A refusal wraps
// ErrServiceRefused (or aaa.ErrAccessLimit) and is logged.
func (d *Device) OpenFileService(user string, svc FileService, remote netip.AddrPort) (FileLogin, error) {
	login, err := d.openFileService(user, svc)
	if err != nil {
		d.logf("SSH", 5, "SSH_USER_LOGIN_FAIL", "The SSH user failed to login. (ServiceType=%s, FailedReason=%s, UserName=%s, IPAddress=%s, VPNInstanceName=)", svc, err, user, remote.Addr())
		return FileLogin{}, err
	}
	d.logf("SSH", 5, "SSH_USER_LOGIN", "The SSH user succeeded in logging in. (ServiceType=%s, UserName=%s, IPAddress=%s, VPNInstanceName=)", svc, user, remote.Addr())
	fs := &fileSession{svc: svc, done: make(chan struct{})}
	d.mu.Lock()
	if d.files == nil {
		d.files = map[*fileSession]struct{}{}
	}
	d.files[fs] = struct{}{}
	d.endDisabledFileSessionsLocked() // disabled meanwhile
	d.mu.Unlock()
	login.Done = fs.done
	release := login.Release
	var once sync.Once
	login.Release = func() {
		once.Do(func() {
			d.mu.Lock()
			delete(d.files, fs)
			d.mu.Unlock()
			release()
			d.logf("SSH", 5, "SSH_USER_LOGOUT", "The SSH user logged out. (ServiceType=%s, LogoutReason=User logout, UserName=%s, UserAddress=%s, VPNInstanceName=)", svc, user, remote.Addr())
		})
	}
	return login, nil
}

func (d *Device) openFileService(user string, svc FileService) (FileLogin, error) {
	refused := func(format string, a ...any) (FileLogin, error) {
		return FileLogin{}, refusal(format, a...)
	}
	d.mu.Lock()
	c, users, defaultDir := d.cfg.ssh, d.users, d.cfg.ftpServer.defaultDir
	i := d.findSSHUserLocked(user)
	var su sshUser
	if i >= 0 {
		su = c.users[i]
	}
	d.mu.Unlock()
	switch {
	case svc == ServiceSFTP && !c.sftp:
		return refused("the SFTP server is disabled")
	case svc == ServiceSCP && !c.scp:
		return refused("the SCP server is disabled")
	case i < 0:
		return refused("%s is not an SSH user", user)
	case !serviceTypeAllows(su.serviceType, "sftp"):
		return refused("the service type of SSH user %s is not sftp or all", user)
	}
	u, ok := users.Lookup(user)
	if !ok {
		return refused("no local user %s", user)
	}
	if u.Level() < 3 {
		return refused("the user level is lower than 3")
	}
	dir := su.sftpDir
	for _, alt := range []string{u.FTPDirectory, defaultDir, flash.Root} {
		if dir == "" {
			dir = alt
		}
	}
	root, err := flash.Resolve(flash.Root, dir)
	if err != nil {
		return refused("the directory %s is invalid", dir)
	}
	if fi, err := d.fs.Stat(root); err != nil || !fi.IsDir {
		return refused("the directory %s does not exist", dir)
	}
	release, err := users.Acquire(u.Name)
	if err != nil {
		return FileLogin{}, fmt.Errorf("open %s session: %w", svc, err)
	}
	return FileLogin{Root: root, Release: release}, nil
}

// FileEvent is something a user of SFTP or SCP did, for the device's log.
type FileEvent struct {
	Service FileService
	// Op is "download", "upload", "delete", "mkdir", "rmdir" or "rename".
	Op     string
	User   string
	Remote netip.AddrPort
	Path   string // the flash path
	Bytes  int64  // transferred, for download and upload
	Err    error  // nil when it succeeded
}

// LogFileEvent writes an SFTP or SCP event to the device log, as the FTP
// server logs its transfers and file operations.
func (d *Device) LogFileEvent(ev FileEvent) {
	ip := ev.Remote.Addr().Unmap()
	module := strings.ToUpper(ev.Service.String())
	switch ev.Op {
	case "download", "upload":
		code := 0
		if ev.Err != nil {
			code = 1
		}
		d.logf("SSH", 5, module+"_FILE_TRANSFER", "The file was transferred through %s. (UserName=%s, OperateType=%s, File=%s, Bytes=%d, IpAddress=%s, ErrCode=%d)", module, ev.User, ev.Op, ev.Path, ev.Bytes, ip, code)
	default:
		result := "Success"
		if ev.Err != nil {
			result = "Failed"
		}
		d.logf("SSH", 5, module+"_FILE_OPERATE", "The user operated a file through %s. (UserName=%s, Operation=%s, File=%s, Result=%s, IpAddress=%s)", module, ev.User, ev.Op, ev.Path, result, ip)
	}
}

// setSSHService changes the SSH server's settings.
// Disabling the SFTP or SCP server ends its sessions.
func (d *Device) setSSHService(change func(*sshConfig)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	change(&d.cfg.ssh)
	d.endDisabledFileSessionsLocked()
}

// sshServerSettings returns the SSH server's settings.
func (d *Device) sshServerSettings() sshConfig {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg.ssh.clone()
}

// changeExistingSSHUser applies change to an SSH user; it reports false
// when there is none of that name.
func (d *Device) changeExistingSSHUser(name string, change func(u *sshUser)) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.findSSHUserLocked(name)
	if i < 0 {
		return false
	}
	change(&d.cfg.ssh.users[i])
	return true
}

// sftpDirValid reports whether a word is a directory on the flash
// ("flash:", "flash:/dir").
func sftpDirValid(w string) bool {
	if !strings.HasPrefix(strings.ToLower(w), flash.Device) {
		return false
	}
	_, err := flash.Resolve(flash.Root, w)
	return err == nil
}

// interfaceTypes are the interface types ssh server-source takes, as the
// configuration spells them.
var interfaceTypes = []string{"Cellular", "Dialer", "Eth-Trunk", "Ethernet", "GigabitEthernet", "LoopBack", "Tunnel", "Vlanif"}

// canonicalInterface returns an interface name with its type spelled as the
// configuration does ("loop0" -> "LoopBack0"), or "" when w is not one: a
// unique prefix of a type, then numbers separated by "/" and an optional
// ".N" subinterface.
func canonicalInterface(w string) string {
	i := strings.IndexAny(w, "0123456789")
	if i <= 0 {
		return ""
	}
	prefix, num := strings.ToLower(w[:i]), w[i:]
	match := ""
	for _, t := range interfaceTypes {
		if strings.HasPrefix(strings.ToLower(t), prefix) {
			if match != "" && !strings.EqualFold(t, prefix) {
				return ""
			}
			match = t
			if strings.EqualFold(t, prefix) {
				break
			}
		}
	}
	if match == "" {
		return ""
	}
	main, sub, hasSub := strings.Cut(num, ".")
	for part := range strings.SplitSeq(main, "/") {
		if !allDigits(part) {
			return ""
		}
	}
	if hasSub && !allDigits(sub) {
		return ""
	}
	return match + num
}

func allDigits(s string) bool {
	return s != "" && len(s) <= 5 && strings.Trim(s, "0123456789") == ""
}

// sshUsersText is display ssh user-information's answer, for one SSH user
// or ("") all; ok is false when the named user does not exist.
func (d *Device) sshUsersText(name string) (text string, ok bool) {
	c := d.sshServerSettings()
	var b strings.Builder
	n := 0
	for _, u := range c.users {
		if name != "" && !strings.EqualFold(u.name, name) {
			continue
		}
		n++
		dash := func(s string) string {
			if s == "" {
				return "-"
			}
			return s
		}
		fmt.Fprintf(&b, " User %d:\n", n)
		fmt.Fprintf(&b, " User Name            : %s\n", u.name)
		fmt.Fprintf(&b, " Authentication-type  : %s\n", dash(u.authType))
		b.WriteString(" User-public-key-name : -\n")
		fmt.Fprintf(&b, " Sftp-directory       : %s\n", dash(u.sftpDir))
		fmt.Fprintf(&b, " Service-type         : %s\n\n", dash(u.serviceType))
	}
	if name != "" && n == 0 {
		return "", false
	}
	fmt.Fprintf(&b, " Total %d, %d printed\n", len(c.users), n)
	return b.String(), true
}

// sshServerStatusText is display ssh server status's answer.
func (d *Device) sshServerStatusText() string {
	c := d.sshServerSettings()
	state := func(on bool) string {
		if on {
			return "Enable"
		}
		return "Disable"
	}
	var b strings.Builder
	fmt.Fprintf(&b, " SSH version                         :1.99\n"+
		" SSH connection timeout              :60 seconds\n"+
		" SSH server key generating interval  :0 hours\n"+
		" SSH authentication retries          :3 times\n"+
		" SFTP server                         :%s\n"+
		" Stelnet server                      :%s\n"+
		" Scp server                          :%s\n", state(c.sftp), state(c.stelnet), state(c.scp))
	if c.source != "" {
		fmt.Fprintf(&b, " SSH server source                   :%s\n", c.source)
	}
	return b.String()
}
