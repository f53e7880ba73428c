package vrp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/vrpsim/vrpsim/aaa"
)

type sshUser struct {
	name        string
	authType    string // "" when not set
	serviceType string // "" when not set
}

// sshUser finds or creates an SSH user.
func (d *Device) sshUser(name string) (*sshUser, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, u := range d.cfg.sshUsers {
		if strings.EqualFold(u.name, name) {
			return u, false
		}
	}
	u := &sshUser{name: name}
	d.cfg.sshUsers = append(d.cfg.sshUsers, u)
	return u, true
}

// renderSSH writes the SSH server's lines of the configuration, a block of
// their own after the aaa section.
func renderSSH(b *strings.Builder, c *config) {
	if !c.stelnet && len(c.sshUsers) == 0 {
		return
	}
	if c.stelnet {
		b.WriteString(" stelnet server enable\n")
	}
	for _, u := range c.sshUsers {
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
		enabled, vty := d.cfg.stelnet, d.cfg.vty
		d.mu.Unlock()
		switch {
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
