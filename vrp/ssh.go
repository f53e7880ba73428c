package vrp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/vrpsim/vrpsim/aaa"
)

// sshConfig is the configuration of the STelnet server and its SSH users.
type sshConfig struct {
	stelnet bool
	users   []sshUser
}

type sshUser struct {
	name        string
	authType    string // "" when not set
	serviceType string // "" when not set
}

func (c sshConfig) clone() sshConfig {
	c.users = slices.Clone(c.users)
	return c
}

// render writes the SSH server's lines of the configuration, a block of
// their own after the aaa section.
func (c sshConfig) render(b *strings.Builder) {
	if !c.stelnet && len(c.users) == 0 {
		return
	}
	if c.stelnet {
		b.WriteString(" stelnet server enable\n")
	}
	for _, u := range c.users {
		fmt.Fprintf(b, " ssh user %s\n", u.name)
		if u.authType != "" {
			fmt.Fprintf(b, " ssh user %s authentication-type %s\n", u.name, u.authType)
		}
		if u.serviceType != "" {
			fmt.Fprintf(b, " ssh user %s service-type %s\n", u.name, u.serviceType)
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
// STelnet server must be enabled, the VTY lines must accept SSH with AAA
// authentication, and the user must have service-type ssh. Every refusal is
// ErrLoginRefused and takes the same work (see package aaa); wrong passwords
// count toward the user's lockout from the remote address.
func (d *Device) AuthenticateSSH(user, password string, remote netip.AddrPort) error {
	d.mu.Lock()
	users := d.users
	d.mu.Unlock()
	check := func(aaa.User) error {
		d.mu.Lock()
		enabled, vty := d.cfg.ssh.stelnet, d.cfg.vty
		d.mu.Unlock()
		switch {
		case d.refuseLogins():
			return errInjected
		case !enabled:
			return errors.New("the STelnet server is disabled")
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
