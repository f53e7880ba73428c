package vrp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"

	"github.com/vrpsim/vrpsim/aaa"
)

// DefaultTelnetPort is the Telnet server's port when "telnet server port"
// sets none.
const DefaultTelnetPort = 23

// telnetConfig is the Telnet server's part of the configuration. The server
// is off until "telnet server enable", as on ARs since V200R010 (V200R007
// had it on from the factory): Telnet carries passwords in clear, and a
// device is safe by default.
type telnetConfig struct {
	enabled bool
	port    int // 0: DefaultTelnetPort
}

func (c telnetConfig) portOrDefault() int {
	if c.port == 0 {
		return DefaultTelnetPort
	}
	return c.port
}

// render writes the Telnet server's lines of the global section.
func (c telnetConfig) render(b *strings.Builder) {
	if c.port != 0 && c.port != DefaultTelnetPort {
		fmt.Fprintf(b, " telnet server port %d\n", c.port)
	}
	if c.enabled {
		b.WriteString(" telnet server enable\n")
	}
}

// telnetRuntime is the running Telnet server's listener.
type telnetRuntime struct {
	ln   net.Listener
	port int
	done chan struct{} // closed when ServeTelnet has returned
}

// startTelnetLocked opens the Telnet server's listener on the device's
// address and configured port and serves it with Options.ServeTelnet. A
// device without ServeTelnet (no Telnet front end) listens nowhere. The
// caller holds d.mu.
func (d *Device) startTelnetLocked() error {
	if d.opts.ServeTelnet == nil || d.telnet != nil || !d.cfg.telnet.enabled {
		return nil
	}
	port := d.cfg.telnet.portOrDefault()
	addr := netip.AddrPortFrom(d.opts.Address, uint16(port))
	ln, err := d.opts.Listen("tcp", addr.String())
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	rt := &telnetRuntime{ln: ln, port: port, done: make(chan struct{})}
	serve := d.opts.ServeTelnet
	go func() {
		defer close(rt.done)
		serve(ln)
	}()
	d.telnet = rt
	return nil
}

// stopTelnet closes the Telnet server's listener: new connections are
// refused, sessions already open go on (as on the device).
func (d *Device) stopTelnet() {
	d.mu.Lock()
	rt := d.telnet
	d.telnet = nil
	d.mu.Unlock()
	if rt == nil {
		return
	}
	rt.ln.Close()
	<-rt.done
}

// TelnetAddr is where the Telnet server listens; ok is false when it does
// not.
func (d *Device) TelnetAddr() (addr net.Addr, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.telnet == nil {
		return nil, false
	}
	return d.telnet.ln.Addr(), true
}

// telnetStatus returns whether the Telnet server is enabled and its port.
func (d *Device) telnetStatus() (enabled bool, port int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg.telnet.enabled, d.cfg.telnet.portOrDefault()
}

// setTelnet enables or disables the Telnet server; restart (not during a
// replay) opens or closes its listener at once.
func (d *Device) setTelnet(on, restart bool) error {
	d.mu.Lock()
	d.cfg.telnet.enabled = on
	var err error
	if on && restart {
		err = d.startTelnetLocked()
	}
	d.mu.Unlock()
	if !on && restart {
		d.stopTelnet()
	}
	return err
}

// setTelnetPort changes the Telnet server's port; a running server moves to
// it at once (restart false during a replay).
func (d *Device) setTelnetPort(port int, restart bool) error {
	d.mu.Lock()
	old := d.cfg.telnet.port
	d.cfg.telnet.port = port
	moving := restart && d.telnet != nil && d.telnet.port != d.cfg.telnet.portOrDefault()
	d.mu.Unlock()
	if !moving {
		return nil
	}
	d.stopTelnet()
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.startTelnetLocked(); err != nil {
		// stay where it was
		d.cfg.telnet.port = old
		if err2 := d.startTelnetLocked(); err2 != nil {
			d.logf("TELNET", 3, "TELNET_START_FAIL", "Failed to start the Telnet server: %v.", err2)
		}
		return err
	}
	return nil
}

// vtyRefusal says why the VTY lines refuse a login over protocol ("SSH" or
// "TELNET"), or "" when they take it. The texts are vrpsim's: the device's
// own words for these refusals are not known (see docs/telnet.md).
func vtyRefusal(vty uiConfig, protocol string) string {
	switch protocol {
	case "SSH":
		switch {
		case vty.protocol == "telnet":
			return "Error: The VTY user interfaces accept only Telnet (protocol inbound telnet): SSH logins are refused."
		case vty.authMode != "aaa":
			return fmt.Sprintf("Error: SSH logins need authentication-mode aaa on the VTY user interfaces (they have authentication-mode %s).", vty.authMode)
		}
	case "TELNET":
		if vty.protocol == "ssh" {
			return "Error: The VTY user interfaces accept only SSH (protocol inbound ssh): Telnet logins are refused."
		}
	}
	return ""
}

// VTYRefusal returns the message that refuses a login over protocol ("SSH"
// or "TELNET") because of the VTY lines' settings, or "" when they take
// such logins.
func (d *Device) VTYRefusal(protocol string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return vtyRefusal(d.cfg.vty, protocol)
}

// SSHServing reports whether the device's SSH port serves anything: the
// STelnet, SFTP or SCP server is enabled.
func (d *Device) SSHServing() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.cfg.ssh
	return c.stelnet || c.sftp || c.scp
}

// authenticateTelnet checks one Telnet login: with authentication-mode aaa
// a local user with service-type telnet (wrong passwords count toward the
// user's lockout from the remote address), with authentication-mode
// password the VTY lines' password (user is ignored). Every refusal is
// ErrLoginRefused and is logged.
func (d *Device) authenticateTelnet(ctx context.Context, user, password string, remote netip.AddrPort) error {
	d.mu.Lock()
	vty := d.cfg.vty
	users := d.users
	d.mu.Unlock()
	reason, _ := lineLoginRefusal(ctx, users, vty.authMode, vty.password,
		aaa.Attempt{Name: user, Password: password, Service: aaa.ServiceTelnet, Source: remote.Addr()})
	if reason != "" {
		d.logf("TELNET", 5, "TELNET_LOGIN_FAIL", "The Telnet user failed to login. (FailedReason=%s, UserName=%s, IPAddress=%s)", reason, user, remote.Addr())
		return ErrLoginRefused
	}
	return nil
}

// lineLoginRefusal checks a login to a line (con 0, the VTY lines) whose
// authentication-mode is mode: with aaa the attempt a against the local
// users (a refusal counts toward the user's lockout from a.Source), with
// password a.Password against the line's password linePassword (the user is
// ignored); with none every login is let in. It returns why the login is
// refused ("" when it is not) and, for a refusal by AAA, the user name it
// names.
func lineLoginRefusal(ctx context.Context, users *aaa.DB, mode, linePassword string, a aaa.Attempt) (reason, user string) {
	switch mode {
	case "aaa":
		if _, err := users.AuthenticateContext(ctx, a); err != nil {
			var ae *aaa.AuthError
			if errors.As(err, &ae) {
				return ae.Reason, ae.User
			}
			return err.Error(), ""
		}
	case "password":
		ok, err := users.CheckLinePassword(ctx, linePassword, a.Password)
		switch {
		case err != nil:
			return err.Error(), ""
		case !ok && linePassword == "":
			return "no password is set", ""
		case !ok:
			return "wrong password", ""
		}
	}
	return "", ""
}

// maxTelnetTries is how many refused logins a Telnet connection gets.
const maxTelnetTries = 3

// TelnetLogin runs the login dialogue of a Telnet connection through term
// and opens its session. It returns a nil session (and nil error) when the
// connection is to be closed: the VTY lines refuse Telnet (the message says
// why), or three logins were refused. failed, when not nil, is called after
// each refused login (the front end's failure delay); its error ends the
// dialogue. An error of term ends the dialogue and is returned.
func (d *Device) TelnetLogin(ctx context.Context, term Terminal, remote netip.AddrPort, failed func() error) (*Session, error) {
	if msg := d.VTYRefusal("TELNET"); msg != "" {
		d.logf("TELNET", 5, "TELNET_LOGIN_FAIL", "The Telnet user failed to login. (FailedReason=%s, UserName=, IPAddress=%s)", "protocol inbound ssh", remote.Addr())
		io.WriteString(term, msg+"\n")
		return nil, nil
	}
	info := SessionInfo{Line: LineVTY, Remote: remote, Protocol: "TEL", Interactive: true}
	d.mu.Lock()
	mode := d.cfg.vty.authMode
	d.mu.Unlock()
	if mode == "aaa" || mode == "password" {
		io.WriteString(term, "\nLogin authentication\n\n\n")
		ok := false
		for try := 0; try < maxTelnetTries && !ok; try++ {
			user := ""
			for mode == "aaa" && user == "" {
				// an empty user name asks again, as Enter alone does on
				// the device (scripts send one to wake the line up)
				var err error
				if user, err = term.ReadLine("Username:", true); err != nil {
					return nil, err
				}
			}
			password, err := term.ReadLine("Password:", false)
			if err != nil {
				return nil, err
			}
			if d.authenticateTelnet(ctx, user, password, remote) == nil {
				info.User, ok = user, true
				break
			}
			if failed != nil {
				if err := failed(); err != nil {
					return nil, err
				}
			}
			if mode == "aaa" {
				io.WriteString(term, "Error: Local authentication is rejected.\n\n")
			} else {
				io.WriteString(term, "Error: The password is wrong.\n\n")
			}
		}
		if !ok {
			return nil, nil
		}
	}
	s, err := d.OpenSession(info, term)
	switch {
	case errors.Is(err, ErrVTYLimit):
		io.WriteString(term, "Error: The number of VTY users has reached the maximum.\n")
		return nil, nil
	case errors.Is(err, aaa.ErrAccessLimit):
		io.WriteString(term, "Error: The number of online users of the account has reached the maximum.\n")
		return nil, nil
	}
	return s, err
}

// SSHRefusal returns the message that refuses an SSH login of user from
// remote because of the VTY lines' settings (protocol inbound telnet, or an
// authentication-mode other than aaa, which SSH needs), and logs the
// refusal; it returns "" when the VTY lines take SSH logins. The SSH front
// end shows the message as soon as the client asks to log in, instead of
// refusing every password.
func (d *Device) SSHRefusal(user string, remote netip.AddrPort) string {
	d.mu.Lock()
	vty := d.cfg.vty
	d.mu.Unlock()
	msg := vtyRefusal(vty, "SSH")
	if msg != "" {
		reason := "the VTY user interfaces have protocol inbound telnet"
		if vty.protocol != "telnet" {
			reason = "the VTY user interfaces have authentication-mode " + vty.authMode
		}
		d.logf("SSH", 5, "SSH_USER_LOGIN_FAIL", "The SSH user failed to login. (ServiceType=stelnet, FailedReason=%s, UserName=%s, IPAddress=%s, VPNInstanceName=)", reason, user, remote.Addr())
	}
	return msg
}
