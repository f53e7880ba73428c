package lab

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Instructor is the instructor section of a lab file: the password of the
// instructor's actions on the admin endpoint's page and API, and the lesson's
// checks (see docs/instructor.md).
type Instructor struct {
	// PasswordHash is an argon2id hash in the PHC string format
	// ("$argon2id$v=19$m=...,t=...,p=...$SALT$HASH", as the argon2 command
	// prints it); "" when the lab file sets none (every visitor of the
	// loopback-only admin endpoint is the instructor then).
	PasswordHash string
	// Checks are the lesson's checks, in the order of the file.
	Checks []Check
	// Line is the line of the instructor section (0 without one).
	Line int
}

// Check is one lesson check of a lab file. It has exactly one of User,
// Transfer and FTPServer.
type Check struct {
	// Name is what the page and the CSV export show.
	Name string
	// Devices are the sysnames the check runs on; empty for every device.
	Devices []string
	// User: the device has this local user, with service-type ftp, and,
	// when FTPDirectory is set, that ftp-directory.
	User         string
	FTPDirectory string
	// Transfer: a transfer succeeded with the device's FTP client, or with a
	// client at the device's address, to the device To ("" for any server),
	// in Mode ("passive", "active" or "" for either) and Type ("binary",
	// "ascii" or "" for either).
	Transfer *TransferCheck
	// FTPServer: the device's FTP server runs ("enabled") or does not
	// ("disabled").
	FTPServer string
	// Line is the check's line in the lab file.
	Line int
}

// TransferCheck is the transfer a Check looks for.
type TransferCheck struct {
	To, Mode, Type string
}

func (p *parser) instructor(n *yaml.Node, f *File) error {
	f.Instructor.Line = n.Line
	return p.fields(n, "instructor", func(key string, k, v *yaml.Node) error {
		switch key {
		case "password":
			s, err := p.scalar(v, key)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(s, "$argon2id$") || strings.Count(s, "$") != 5 {
				return p.errorf(v, "instructor: password must be an argon2id hash ($argon2id$v=19$m=...,t=...,p=...$SALT$HASH), never the password itself")
			}
			f.Instructor.PasswordHash = s
		case "checks":
			if v.Kind != yaml.SequenceNode {
				return p.errorf(v, "instructor: checks must be a list, not %s", kindName(v))
			}
			for i, c := range v.Content {
				chk, err := p.check(c, i)
				if err != nil {
					return err
				}
				f.Instructor.Checks = append(f.Instructor.Checks, chk)
			}
		default:
			return p.errorf(k, "instructor: unknown setting %q (want password or checks)", key)
		}
		return nil
	})
}

func (p *parser) check(n *yaml.Node, i int) (Check, error) {
	c := Check{Line: n.Line}
	what := fmt.Sprintf("check %d", i+1)
	kinds := 0
	err := p.fields(n, what, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "name":
			c.Name, err = p.scalar(v, key)
		case "devices":
			if v.Kind != yaml.SequenceNode {
				return p.errorf(v, "%s: devices must be a list of sysnames", what)
			}
			for _, d := range v.Content {
				s, err := p.scalar(d, "devices")
				if err != nil {
					return err
				}
				c.Devices = append(c.Devices, s)
			}
		case "user":
			kinds++
			c.User, err = p.scalar(v, key)
		case "ftp-directory":
			c.FTPDirectory, err = p.scalar(v, key)
		case "ftp-server":
			kinds++
			c.FTPServer, err = p.scalar(v, key)
			if err == nil && c.FTPServer != "enabled" && c.FTPServer != "disabled" {
				err = p.errorf(v, "%s: ftp-server: %q is neither enabled nor disabled", what, c.FTPServer)
			}
		case "transfer":
			kinds++
			c.Transfer = &TransferCheck{}
			err = p.fields(v, what+": transfer", func(key string, k, v *yaml.Node) error {
				s, err := p.scalar(v, key)
				if err != nil {
					return err
				}
				switch key {
				case "to":
					c.Transfer.To = s
				case "mode":
					if s != "passive" && s != "active" {
						return p.errorf(v, "%s: transfer: mode %q is neither passive nor active", what, s)
					}
					c.Transfer.Mode = s
				case "type":
					if s != "binary" && s != "ascii" {
						return p.errorf(v, "%s: transfer: type %q is neither binary nor ascii", what, s)
					}
					c.Transfer.Type = s
				default:
					return p.errorf(k, "%s: transfer: unknown setting %q (want to, mode or type)", what, key)
				}
				return nil
			})
		default:
			err = p.errorf(k, "%s: unknown setting %q (want name, devices, user, ftp-directory, transfer or ftp-server)", what, key)
		}
		return err
	})
	if err != nil {
		return c, err
	}
	switch {
	case c.Name == "":
		return c, p.errorf(n, "%s has no name", what)
	case kinds != 1:
		return c, p.errorf(n, "check %q needs exactly one of user, transfer and ftp-server", c.Name)
	case c.FTPDirectory != "" && c.User == "":
		return c, p.errorf(n, "check %q: ftp-directory needs user", c.Name)
	}
	return c, nil
}

// checkInstructorDevices refuses checks that name a device the lab lacks.
func (p *parser) checkInstructorDevices(f *File) error {
	known := map[string]bool{}
	for _, d := range f.Devices {
		known[strings.ToLower(d.Sysname)] = true
	}
	for _, c := range f.Instructor.Checks {
		names := append([]string(nil), c.Devices...)
		if c.Transfer != nil && c.Transfer.To != "" {
			names = append(names, c.Transfer.To)
		}
		for _, name := range names {
			if !known[strings.ToLower(name)] {
				return &Error{File: p.file, Line: c.Line, Err: fmt.Errorf("check %q: no device %s in the lab", c.Name, name)}
			}
		}
	}
	return nil
}
