package vrp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/ftpd"
)

// ftpServerConfig is the configuration of the device's FTP server.
type ftpServerConfig struct {
	enabled     bool
	port        int           // 21 by default
	maxSessions int           // users logged in at once, 5 by default
	timeout     time.Duration // idle timeout, 30 minutes by default
	acl         int           // 0: none
	source      netip.Addr    // ftp server-source -a; invalid: not set
	defaultDir  string        // set default ftp-directory; "" when not set
}

const (
	defaultFTPPort        = 21
	defaultFTPTimeout     = 30 * time.Minute
	defaultFTPMaxSessions = 5
)

// acl is a basic ACL (2000-3999): rules matched in order of their IDs.
type acl struct {
	number int
	rules  []aclRule
}

type aclRule struct {
	id       int
	permit   bool
	any      bool // no source: every address
	source   netip.Addr
	wildcard netip.Addr
}

// matches reports whether a rule applies to an IPv4 address (wildcard bits set
// to 1 are "don't care").
func (r aclRule) matches(a netip.Addr) bool {
	if r.any {
		return true
	}
	if !a.Is4() {
		return false
	}
	x, s, w := a.As4(), r.source.As4(), r.wildcard.As4()
	for i := range x {
		if x[i]&^w[i] != s[i]&^w[i] {
			return false
		}
	}
	return true
}

// allows applies an ACL: the first matching rule decides; an ACL with no
// rules, or no matching rule, lets the address through only when it has no
// rules (the device's "works only once it has rule lines").
func (l *acl) allows(a netip.Addr) bool {
	for _, r := range l.rules {
		if r.matches(a) {
			return r.permit
		}
	}
	return len(l.rules) == 0
}

// ftpRuntime is the running FTP server, when enabled.
type ftpRuntime struct {
	srv      *ftpd.Server
	listener net.Listener
	done     chan struct{}
}

// startFTP starts the FTP server on the device's address and configured port.
// Called with d.mu held.
func (d *Device) startFTPLocked() error {
	if d.ftp != nil {
		return nil
	}
	c := d.cfg.ftpServer
	addr := netip.AddrPortFrom(d.opts.Address, uint16(c.port))
	l, err := d.opts.Listen("tcp", addr.String())
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := ftpd.New(ftpd.Config{
		FS:               d.fs,
		Auth:             ftpd.AuthenticatorFunc(d.ftpLogin),
		IdleTimeout:      c.timeout,
		MaxSessions:      c.maxSessions,
		FailureDelay:     d.opts.FTPFailureDelay,
		Sleep:            d.opts.FTPSleep,
		PassivePorts:     d.opts.FTPPassivePorts,
		ActiveFromPort20: true,
		Allow:            d.ftpAllowLocked(),
		Now:              d.opts.Now,
		Log:              d.logFTP,
	})
	rt := &ftpRuntime{srv: srv, listener: l, done: make(chan struct{})}
	go func() {
		defer close(rt.done)
		srv.Serve(l)
	}()
	d.ftp = rt
	return nil
}

// stopFTP stops the FTP server and disconnects its users. It must be called
// without d.mu: closing the server waits for its sessions, and a session
// logging in takes d.mu.
func (d *Device) stopFTP() {
	d.mu.Lock()
	rt := d.ftp
	d.ftp = nil
	d.mu.Unlock()
	if rt == nil {
		return
	}
	rt.srv.Close()
	<-rt.done
}

// ftpAllowLocked returns the client filter of the configured ACL.
func (d *Device) ftpAllowLocked() func(netip.Addr) bool {
	n := d.cfg.ftpServer.acl
	if n == 0 {
		return nil
	}
	l := d.cfg.acls[n]
	if l == nil {
		return nil
	}
	rules := append([]aclRule(nil), l.rules...)
	snapshot := &acl{number: n, rules: rules}
	return func(a netip.Addr) bool { return snapshot.allows(a.Unmap()) }
}

// aclChangedLocked gives the running server the current ACL.
func (d *Device) aclChangedLocked() {
	if d.ftp != nil {
		d.ftp.srv.SetAllow(d.ftpAllowLocked())
	}
}

// errFTPLogin is the reason of refused FTP logins that AAA accepted.
type errFTPLogin string

func (e errFTPLogin) Error() string { return string(e) }

// ftpLogin checks an FTP login: AAA user with service-type ftp, level 3 or
// more, and an existing directory (the user's own ftp-directory, else the
// default one); it takes one of the user's access-limit slots. The checks
// after the password run inside the AAA login, so every refusal takes the
// same work whether or not the password was right (see package aaa).
func (d *Device) ftpLogin(ctx context.Context, user, password string, remote netip.AddrPort) (ftpd.Login, error) {
	var root string
	check := func(u aaa.User) error {
		if u.Privilege < 3 {
			return errFTPLogin("the user level is lower than 3")
		}
		dir := u.FTPDirectory
		if dir == "" {
			d.mu.Lock()
			dir = d.cfg.ftpServer.defaultDir
			d.mu.Unlock()
		}
		if dir == "" {
			return errFTPLogin("no FTP directory is configured for the user")
		}
		var err error
		if root, err = flash.Resolve(flash.Device+"/", dir); err != nil {
			return fmt.Errorf("FTP directory %s: %w", dir, err)
		}
		if fi, err := d.fs.Stat(root); err != nil || !fi.IsDir {
			return errFTPLogin("the FTP directory " + dir + " does not exist")
		}
		return nil
	}
	_, release, err := d.Users().Login(ctx, aaa.Attempt{
		Name: user, Password: password, Service: aaa.ServiceFTP, Source: remote.Addr(), Check: check,
	})
	if err != nil {
		return ftpd.Login{}, err
	}
	return ftpd.Login{Root: root, Release: release}, nil
}

// logFTP writes the FTP server's events to the device log.
func (d *Device) logFTP(ev ftpd.Event) {
	ip := ev.Remote.Addr().Unmap()
	switch ev.Kind {
	case ftpd.EventLogin:
		d.logf("FTPS", 5, "LOGIN_OK", "The user succeeded in login. (UserName=\"%s\", IpAddress=%s, VpnInstanceName=\"\")", ev.User, ip)
	case ftpd.EventLoginFailed:
		reason := ""
		if ev.Err != nil {
			reason = ev.Err.Error()
		}
		var ae *aaa.AuthError
		if errors.As(ev.Err, &ae) {
			reason = ae.Reason
		}
		d.logf("FTPS", 3, "LOGINFAILED", "Failed to login. (UserName=\"%s\", IpAddress=%s, VpnInstanceName=\"\", Reason=\"%s\")", ev.User, ip, reason)
	case ftpd.EventLogout:
		if ev.User != "" {
			d.logf("FTPS", 5, "FTPS_USER_LOGOUT", "The user left. (LeftReason=%s, UserName=%s, UserAddress=%s, LocalAddress=%s, VPNInstanceName=)", ev.Reason, ev.User, ip, ev.Local.Addr().Unmap())
		}
	case ftpd.EventDownload, ftpd.EventUpload:
		op, code := "download", 0
		if ev.Kind == ftpd.EventUpload {
			op = "upload"
		}
		if ev.Err != nil {
			code = 1
		}
		d.logf("FTPS", 5, "FTPS_FILE_TRANSFER", "The file was transferred through FTP. (UserName=%s, OperateType=%s, File=%s, Bytes=%d, IpAddress=%s, ErrCode=%d)", ev.User, op, ev.Path, ev.Bytes, ip, code)
	case ftpd.EventRejected:
		d.logf("FTPS", 4, "FTPS_REJECT", "The FTP connection was rejected. (IpAddress=%s, Reason=%s)", ip, ev.Reason)
	case ftpd.EventBounceRefused:
		d.logf("FTPS", 4, "FTPS_BOUNCE", "A PORT command to a foreign address was refused. (UserName=%s, IpAddress=%s, Target=%s)", ev.User, ip, ev.Target)
	case ftpd.EventPortStealing:
		d.logf("FTPS", 4, "FTPS_DATA_REFUSED", "A data connection from a foreign address was refused. (UserName=%s, IpAddress=%s, From=%s)", ev.User, ip, ev.Target)
	case ftpd.EventActivePortFallback:
		d.logf("FTPS", 5, "FTPS_PORT20", "Port 20 cannot be bound; active-mode data connections use ephemeral ports.")
	case ftpd.EventDelete, ftpd.EventMkdir, ftpd.EventRename:
		d.logf("FTPS", 5, "FTPS_FILE_OPERATE", "The user operated a file through FTP. (UserName=%s, Operation=%s, File=%s, IpAddress=%s)", ev.User, ev.Kind, ev.Path, ip)
	}
}

// ftpPortParam is "ftp server port": 21 or 1025-55535.
func ftpPortValid(w string) bool {
	n, err := strconv.Atoi(w)
	if err != nil || strings.TrimLeft(w, "0123456789") != "" {
		return false
	}
	return n == 21 || n >= 1025 && n <= 55535
}

// FTPAddr is the address the FTP server listens on, or nil when it is stopped.
func (d *Device) FTPAddr() net.Addr {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ftp == nil {
		return nil
	}
	return d.ftp.listener.Addr()
}
