package vrp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
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
		Trace:            d.ftpTrace(),
		Faults:           d.ftpdFaults(),
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
		if d.refuseLogins() {
			return errInjected
		}
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

// render writes the FTP server's lines of the global section; with
// defaults, those of default values too.
func (f ftpServerConfig) render(b *strings.Builder, defaults bool) {
	if defaults || f.port != defaultFTPPort {
		fmt.Fprintf(b, " ftp server port %d\n", f.port)
	}
	if defaults || f.maxSessions != defaultFTPMaxSessions {
		fmt.Fprintf(b, " ftp server max-sessions %d\n", f.maxSessions)
	}
	if defaults || f.timeout != defaultFTPTimeout {
		fmt.Fprintf(b, " ftp timeout %d\n", int(f.timeout/time.Minute))
	}
	if f.acl != 0 {
		fmt.Fprintf(b, " ftp acl %d\n", f.acl)
	}
	if f.source.IsValid() {
		fmt.Fprintf(b, " ftp server-source -a %s\n", f.source)
	}
	if f.enabled {
		b.WriteString(" ftp server enable\n")
	}
	if f.defaultDir != "" {
		fmt.Fprintf(b, " set default ftp-directory %s\n", f.defaultDir)
	}
}

// enableFTP is "ftp server enable": the server is enabled and, with start,
// started (a replay starts it once the whole configuration is read). It
// reports whether it was running already; a server that fails to start is
// left disabled, with the device's message.
func (d *Device) enableFTP(start bool) (running bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cfg.ftpServer.enabled && d.ftp != nil {
		return true, nil
	}
	d.cfg.ftpServer.enabled = true
	if !start {
		return false, nil
	}
	if err := d.startFTPLocked(); err != nil {
		d.cfg.ftpServer.enabled = false
		port := d.cfg.ftpServer.port
		switch {
		case errors.Is(err, syscall.EACCES):
			return false, refuse("Error: Failed to start the FTP server: port %d needs root. Use \"ftp server port\" with a port from 1025 to 55535.", port)
		case errors.Is(err, syscall.EADDRINUSE):
			return false, refuse("Error: Failed to start the FTP server: port %d is in use.", port)
		}
		return false, refuse("Error: Failed to start the FTP server: %v.", err)
	}
	return false, nil
}

// disableFTP is "undo ftp server": the server is disabled and stopped, its
// users disconnected.
func (d *Device) disableFTP() {
	d.mu.Lock()
	d.cfg.ftpServer.enabled = false
	d.mu.Unlock()
	d.stopFTP()
}

// ftpRunning reports whether the FTP server is running.
func (d *Device) ftpRunning() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ftp != nil
}

// setFTPSource sets the FTP server's source address (invalid: none). With
// restart a running server is restarted to take it; it reports whether it
// was, and the error of a restart that failed.
func (d *Device) setFTPSource(ip netip.Addr, restart bool) (restarted bool, err error) {
	running := restart && d.ftpRunning()
	if running {
		d.stopFTP()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.ftpServer.source = ip
	if !running {
		return false, nil
	}
	if err := d.startFTPLocked(); err != nil {
		return false, err
	}
	return true, nil
}

// setFTPACL limits the FTP server's clients with basic ACL n (0: none).
func (d *Device) setFTPACL(n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.ftpServer.acl = n
	d.aclChangedLocked()
}

// setFTPDefaultDir sets the FTP directory of users that have none ("": none).
func (d *Device) setFTPDefaultDir(dir string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.ftpServer.defaultDir = dir
}

// freeFTP disconnects the FTP sessions of user, or when user is "" the
// session numbered id. It returns how many it disconnected.
func (d *Device) freeFTP(user string, id uint64) int {
	d.mu.Lock()
	rt := d.ftp
	d.mu.Unlock()
	switch {
	case rt == nil:
		return 0
	case user != "":
		return rt.srv.KickUser(user)
	case rt.srv.Kick(id):
		return 1
	}
	return 0
}

// setFTPPort sets the FTP server's port, which only a stopped server takes.
func (d *Device) setFTPPort(port int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ftp != nil {
		return refuse("Error: The FTP server is running. Stop it with \"undo ftp server\" before changing the port.")
	}
	d.cfg.ftpServer.port = port
	return nil
}

// setFTPMaxSessions sets how many users may be logged in at once.
func (d *Device) setFTPMaxSessions(n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.ftpServer.maxSessions = n
	if d.ftp != nil {
		d.ftp.srv.SetMaxSessions(n)
	}
}

// setFTPTimeout sets the idle timeout of FTP connections.
func (d *Device) setFTPTimeout(t time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.ftpServer.timeout = t
	if d.ftp != nil {
		d.ftp.srv.SetIdleTimeout(t)
	}
}

// ftpServerText is display ftp-server's answer.
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

// ftpUsersText is display ftp-users' answer. Its first column is the
// session's ID, which free ftp user-id takes.
func (d *Device) ftpUsersText() string {
	d.mu.Lock()
	rt := d.ftp
	d.mu.Unlock()
	var b strings.Builder
	b.WriteString("  id    username    host              port    idle    topdir\n")
	if rt == nil {
		return b.String()
	}
	for _, s := range rt.srv.Sessions() {
		if !s.LoggedIn {
			continue
		}
		fmt.Fprintf(&b, "  %-5d %-11s %-17s %-7d %-7d %s\n", s.ID, s.User, s.Remote.Addr().Unmap(), s.Remote.Port(), int(s.Idle/time.Minute), strings.TrimSuffix(s.Root, "/"))
	}
	return b.String()
}
