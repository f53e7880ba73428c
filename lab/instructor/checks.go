package instructor

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/lab"
)

// CheckResult is the result of one lesson check on one device.
type CheckResult struct {
	Check  string `json:"check"`
	Device string `json:"device"`
	Result string `json:"result"` // "pass", "fail" or "stopped"
	Detail string `json:"detail"`
}

// runChecks runs the lab file's checks on the devices of st (all when
// only is "", else the device only).
func (s *Server) runChecks(st []lab.Status, only string) []CheckResult {
	addr := map[string]netip.Addr{}
	for _, d := range st {
		addr[strings.ToLower(d.Sysname)] = d.Address
	}
	out := []CheckResult{}
	for _, c := range s.lab.File().Instructor.Checks {
		for _, d := range st {
			if only != "" && !strings.EqualFold(only, d.Sysname) || !appliesTo(c, d.Sysname) {
				continue
			}
			res := CheckResult{Check: c.Name, Device: d.Sysname}
			if !d.Running {
				res.Result, res.Detail = "stopped", "the device is stopped"
				out = append(out, res)
				continue
			}
			ok, detail := s.check(c, d, addr)
			res.Result, res.Detail = "fail", detail
			if ok {
				res.Result = "pass"
			}
			out = append(out, res)
		}
	}
	return out
}

func appliesTo(c lab.Check, name string) bool {
	if len(c.Devices) == 0 {
		return true
	}
	for _, d := range c.Devices {
		if strings.EqualFold(d, name) {
			return true
		}
	}
	return false
}

func (s *Server) check(c lab.Check, d lab.Status, addr map[string]netip.Addr) (bool, string) {
	dev := s.lab.Device(d.Sysname)
	if dev == nil {
		return false, "the device is stopped"
	}
	switch {
	case c.User != "":
		u, ok := dev.Users().Lookup(c.User)
		if !ok {
			return false, fmt.Sprintf("no local user %s", c.User)
		}
		if u.Services&aaa.ServiceFTP == 0 {
			return false, fmt.Sprintf("user %s has no service-type ftp", u.Name)
		}
		if c.FTPDirectory != "" {
			if u.FTPDirectory == "" {
				return false, fmt.Sprintf("user %s has no ftp-directory", u.Name)
			}
			if !sameDir(u.FTPDirectory, c.FTPDirectory) {
				return false, fmt.Sprintf("user %s has ftp-directory %s", u.Name, u.FTPDirectory)
			}
			return true, fmt.Sprintf("user %s has service-type ftp and ftp-directory %s", u.Name, u.FTPDirectory)
		}
		return true, fmt.Sprintf("user %s has service-type ftp", u.Name)
	case c.FTPServer != "":
		on := dev.FTPAddr() != nil
		state := map[bool]string{true: "enabled", false: "disabled"}[on]
		return state == c.FTPServer, "the FTP server is " + state
	case c.Transfer != nil:
		return s.checkTransfer(c.Transfer, d, addr)
	}
	return false, "empty check"
}

func sameDir(a, b string) bool {
	ra, err1 := flash.Resolve(flash.Device+"/", a)
	rb, err2 := flash.Resolve(flash.Device+"/", b)
	if err1 != nil || err2 != nil {
		return strings.EqualFold(a, b)
	}
	return strings.EqualFold(ra, rb)
}

// checkTransfer looks for a successful transfer whose client is the device
// (its FTP client, or a client at its address) and whose server is To.
func (s *Server) checkTransfer(t *lab.TransferCheck, d lab.Status, addr map[string]netip.Addr) (bool, string) {
	want := "a transfer"
	if t.Type != "" {
		want = "a " + t.Type + " transfer"
	}
	if t.To != "" {
		want += " to " + t.To
	}
	if t.Mode != "" {
		want += " in " + t.Mode + " mode"
	}
	var seen []string
	for _, name := range s.order {
		for _, tr := range s.rec.Transfers(name) {
			client, err := netip.ParseAddrPort(tr.Client)
			if err != nil || client.Addr() != d.Address {
				continue
			}
			server, _ := netip.ParseAddrPort(tr.Server)
			if t.To != "" && server.Addr() != addr[strings.ToLower(t.To)] {
				continue
			}
			desc := fmt.Sprintf("%s %s %s %s: %s", tr.Type, tr.Mode, tr.Verb, tr.Path, tr.Result)
			if tr.OK && (t.Mode == "" || tr.Mode == t.Mode) && (t.Type == "" || tr.Type == t.Type) {
				return true, desc
			}
			seen = append(seen, desc)
		}
	}
	if len(seen) == 0 {
		return false, "no " + strings.TrimPrefix(want, "a ") + " yet"
	}
	return false, "not yet " + want + "; last: " + seen[len(seen)-1]
}
