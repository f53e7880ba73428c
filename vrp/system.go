package vrp

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/flash"
)

// Sysname is the device's name, as prompts show it.
func (d *Device) Sysname() string {
	if p := d.name.Load(); p != nil {
		return *p
	}
	return d.opts.Sysname
}

func (d *Device) setSysname(name string) { d.name.Store(&name) }

func (d *Device) versionText() string {
	d.mu.Lock()
	boot := d.boot
	d.mu.Unlock()
	return d.profile.versionText(d.now().Sub(boot))
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

// Factory files: what the flash of a new AR shows besides the directories
// (device-reference.md 3.2, 3.3): the system software image of the model
// (Profile.Software), as an entry of a few bytes (the simulator boots no
// image), and the DHCP DUID file the file-system drill of the lab guide
// reads (cd dhcp/, more dhcp-duid.txt).
const duidFile = flash.Root + "dhcp/dhcp-duid.txt"

// seedFactoryFiles writes the factory files a flash lacks.
func (d *Device) seedFactoryFiles() {
	a := d.opts.Address.As16()
	files := []struct{ path, text string }{
		{flash.Root + d.profile.Software, fmt.Sprintf("vrpsim: the system software image of an %s, %s (a placeholder).\n",
			strings.ToUpper(strings.SplitN(d.profile.Software, "-", 2)[0]), d.profile.Release)}, // AR2220E, S5720
		{duidFile, fmt.Sprintf("*Huawei DHCP DUID*\n*time* %s\n*version* 1\n#DUID_LL: 0003000100E0FC%02X%02X%02X\n*end*\n",
			d.now().Format("2006-01-02 15:04:05"), a[13], a[14], a[15])},
	}
	for _, f := range files {
		if _, err := d.fs.Stat(f.path); err == nil {
			continue
		}
		w, err := d.fs.Create(f.path, 0)
		if err == nil {
			if _, err = io.WriteString(w, f.text); err == nil {
				err = w.Commit()
			} else {
				w.Abort()
			}
		}
		if err != nil {
			d.logf("INFO", 4, "FILE_INIT_FAIL", "Failed to create the file %s. (Reason=%s)", f.path, errReason(err))
		}
	}
}
