package vrp

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

// The interface views: one per interface type, so that each offers the
// commands the device has for that type (a LoopBack cannot be shut down),
// and one for the S-series' layer 2 ports (no ip address). Their argument
// is the interface's name.
const (
	viewGE         = "interface-ge"
	viewSwitchPort = "interface-switchport"
	viewLoopBack   = "interface-loopback"
	viewNULL       = "interface-null"
)

// ifView is the view of interface n on the device.
func (d *Device) ifView(n ifName) string {
	switch {
	case n.kind == ifLoopBack:
		return viewLoopBack
	case n.kind == ifNULL:
		return viewNULL
	case d.profile.Switch:
		return viewSwitchPort
	}
	return viewGE
}

// ifSpecOf is the syntax of an interface name on a device with ports ps:
// one word ("g0/0/1", "LoopBack0"), or the type and the number apart
// ("GigabitEthernet 0/0/1"); XGigabitEthernet when ps has such ports.
func ifSpecOf(ps portSet) string {
	spec := "{ <if-name> | GigabitEthernet <ge-number>"
	if len(ps[ifXGE]) > 0 {
		spec += " | XGigabitEthernet <xge-number>"
	}
	return spec + " | LoopBack <loopback-number> | NULL <null-number> }"
}

// portToken is how "?" shows the numbers of ports: "<0-0>/<0-0>/<1-24>",
// each part's range.
func portToken(numbers []string) string {
	var lo, hi []int
	for _, n := range numbers {
		for i, part := range strings.Split(n, "/") {
			v, _ := strconv.Atoi(part)
			if i == len(lo) {
				lo, hi = append(lo, v), append(hi, v)
			}
			lo[i], hi[i] = min(lo[i], v), max(hi[i], v)
		}
	}
	parts := make([]string, len(lo))
	for i := range lo {
		parts[i] = fmt.Sprintf("<%d-%d>", lo[i], hi[i])
	}
	return strings.Join(parts, "/")
}

// interfaceParamsOf are the parameters of the interface commands on a
// device with ports ps.
func interfaceParamsOf(ps portSet) map[string]*cli.Param {
	params := map[string]*cli.Param{
		// A name typed as one word; "?" lists the types instead.
		"if-name": {Token: "INTERFACE", Help: "Interface type and number", Hidden: true, Valid: func(w string) bool {
			_, ok := ps.parse(w)
			return ok
		}},
		"loopback-name": {Token: "INTERFACE", Help: "LoopBack interface", Hidden: true, Valid: func(w string) bool {
			n, ok := ps.parse(w)
			return ok && n.kind == ifLoopBack
		}},
		"ge-number": {Token: portToken(ps[ifGE]), Help: "GigabitEthernet interface number", Valid: func(w string) bool {
			return ps.valid(ifGE, w)
		}},
		"loopback-number": cli.Integer(0, maxLoopBack, "LoopBack interface number"),
		"null-number":     cli.Integer(0, 0, "NULL interface number"),
		"ip-address":      cli.IPv4("IP address"),
		"mask": {Token: "IP_ADDR<X.X.X.X>", Help: "IP address mask", Valid: func(w string) bool {
			_, ok := maskBits(w)
			return ok && cli.IPv4("").Valid(w)
		}},
		"mask-length":      cli.Integer(0, 32, "Length of IP address mask"),
		"description-text": cli.String(1, maxDescription, "Description of the interface"),
	}
	if len(ps[ifXGE]) > 0 {
		params["xge-number"] = &cli.Param{Token: portToken(ps[ifXGE]), Help: "XGigabitEthernet interface number", Valid: func(w string) bool {
			return ps.valid(ifXGE, w)
		}}
	}
	return params
}

// interfaceWords is the help of the interface commands' keywords.
var interfaceWords = map[string]string{
	"interface":        "Specify the interface configuration view",
	"GigabitEthernet":  "GigabitEthernet interface",
	"XGigabitEthernet": "XGigabitEthernet interface",
	"LoopBack":         "LoopBack interface",
	"NULL":             "NULL interface",
	"ip":               "Specify IP configurations for the system",
	"address":          "Assign an IP address to this interface",
	"shutdown":         "Shut down this interface",
	"description":      "Describe the interface",
}

// displayWords is the help of the keywords of the interface displays.
var displayWords = map[string]string{
	"interface":        "Interface status and configuration information",
	"ip":               "IP information",
	"GigabitEthernet":  "GigabitEthernet interface",
	"XGigabitEthernet": "XGigabitEthernet interface",
	"LoopBack":         "LoopBack interface",
	"NULL":             "NULL interface",
	"brief":            "Brief information of status and configuration for interface(s)",
}

// interfaceCommands are the interface commands of a device with ports ps.
func interfaceCommands(ps portSet) []*command {
	p, w, dw, ifSpec := interfaceParamsOf(ps), interfaceWords, displayWords, ifSpecOf(ps)
	addrViews := []string{viewGE, viewLoopBack}
	portViews := []string{viewGE, viewSwitchPort}
	return []*command{
		{Views: systemView, Syntax: "interface " + ifSpec, Level: 2, Params: p, Words: w, Help: "Enter an interface's view; create a LoopBack interface", Run: runInterface,
			Undo: "undo interface { <loopback-name> | LoopBack <loopback-number> }", RunUndo: runUndoInterface},
		{Views: addrViews, Syntax: "ip address <ip-address> { <mask> | <mask-length> }", Level: 2, Params: p, Words: w, Help: "Set the interface's IP address (modelled: the device does not listen on it)", Run: runIPAddress,
			Undo: "undo ip address [ <ip-address> { <mask> | <mask-length> } ]", RunUndo: runUndoIPAddress},
		{Views: portViews, Syntax: "shutdown", Level: 2, Words: w, Help: "Shut the interface down", Run: runShutdown, Undo: "undo shutdown", RunUndo: runUndoShutdown},
		{Views: []string{viewGE, viewSwitchPort, viewLoopBack, viewNULL}, Syntax: "description <description-text> &<1-121>", Level: 2, Params: p, Words: w, Help: "Describe the interface", Run: runDescription, Undo: "undo description", RunUndo: runUndoDescription},
		{Views: all, Syntax: "display interface brief", Level: 1, Words: dw, Filter: true, Help: "Display the interfaces' states", Run: runDisplayInterfaceBrief},
		{Views: all, Syntax: "display ip interface brief", Level: 1, Words: dw, Filter: true, Help: "Display the interfaces' addresses and states", Run: runDisplayIPInterfaceBrief},
		{Views: all, Syntax: "display interface [ " + ifSpec + " ]", Level: 1, Params: p, Words: dw, Filter: true, Help: "Display an interface, or every interface", Run: runDisplayInterface},
	}
}

// ifNameOf returns the interface a command names (see ifSpec); false when
// it names none.
func ifNameOf(c *cli.Call) (ifName, bool) {
	for _, name := range []string{"if-name", "loopback-name"} {
		if w, ok := c.Lookup(name); ok {
			return parseIfName(w)
		}
	}
	switch {
	case c.Has("gigabitethernet"):
		return ifName{kind: ifGE, number: c.Value("ge-number")}, true
	case c.Has("xgigabitethernet"):
		return ifName{kind: ifXGE, number: c.Value("xge-number")}, true
	case c.Has("loopback"):
		return ifName{kind: ifLoopBack, number: c.Value("loopback-number")}, true
	case c.Has("null"):
		return ifName{kind: ifNULL, number: c.Value("null-number")}, true
	}
	return ifName{}, false
}

// ifNameHere is the interface whose view the session is in.
func (e *callEnv) ifNameHere() ifName {
	n, _ := parseIfName(e.view().arg)
	return n
}

func runInterface(e *callEnv, c *cli.Call) error {
	n, _ := ifNameOf(c)
	if err := e.dev.enterInterface(n); err != nil {
		return err
	}
	e.enter(e.dev.ifView(n), n.String())
	return nil
}

func runUndoInterface(e *callEnv, c *cli.Call) error {
	n, _ := ifNameOf(c)
	if !e.dev.deleteInterface(n) {
		return errNoInterface
	}
	return nil
}

// prefixOf reads an address and its mask, dotted or as a length.
func prefixOf(c *cli.Call) netip.Prefix {
	bits := c.Int("mask-length")
	if m, ok := c.Lookup("mask"); ok {
		bits, _ = maskBits(m)
	}
	return netip.PrefixFrom(netip.MustParseAddr(c.Value("ip-address")), bits)
}

func runIPAddress(e *callEnv, c *cli.Call) error {
	return e.dev.setInterfaceAddress(e.ifNameHere(), prefixOf(c))
}

func runUndoIPAddress(e *callEnv, c *cli.Call) error {
	var err error
	e.dev.setInterface(e.ifNameHere(), func(f *iface) {
		if _, ok := c.Lookup("ip-address"); ok && prefixOf(c) != f.addr {
			err = refuse("Error: The address does not exist.")
			return
		}
		f.addr = netip.Prefix{}
	})
	return err
}

func runShutdown(e *callEnv, c *cli.Call) error {
	e.dev.setInterface(e.ifNameHere(), func(f *iface) { f.shutdown = true })
	return nil
}

func runUndoShutdown(e *callEnv, c *cli.Call) error {
	e.dev.setInterface(e.ifNameHere(), func(f *iface) { f.shutdown = false })
	return nil
}

func runDescription(e *callEnv, c *cli.Call) error {
	text := restOfLine(c.Line)
	if len([]rune(text)) > maxDescription {
		return refuse("Error: The description is too long. The maximum length is %d characters.", maxDescription)
	}
	e.dev.setInterface(e.ifNameHere(), func(f *iface) { f.description = text })
	return nil
}

func runUndoDescription(e *callEnv, c *cli.Call) error {
	e.dev.setInterface(e.ifNameHere(), func(f *iface) { f.description = "" })
	return nil
}

func runDisplayInterfaceBrief(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.interfaces().briefText())
	return nil
}

func runDisplayIPInterfaceBrief(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.interfaces().ipBriefText())
	return nil
}

func runDisplayInterface(e *callEnv, c *cli.Call) error {
	ifs := e.dev.interfaces()
	up, now := e.dev.boot.Format(clockLayout), e.dev.now().Format(clockLayout)
	n, one := ifNameOf(c)
	if !one {
		for i, f := range ifs.listed() {
			if i > 0 {
				e.Print("\n")
			}
			e.Print(f.detailText(up, now))
		}
		return nil
	}
	f, ok := ifs[n]
	if !ok {
		return errNoInterface
	}
	e.Print(f.detailText(up, now))
	return nil
}

// clockLayout is how the device writes a time in its displays.
const clockLayout = "2006-01-02 15:04:05-07:00"

// restOfLine is what follows the first word of a line: a description with
// its spaces as typed, less those at its ends.
func restOfLine(line string) string {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	for i < len(line) && line[i] != ' ' && line[i] != '\t' {
		i++
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	end := len(line)
	for end > i && (line[end-1] == ' ' || line[end-1] == '\t') {
		end--
	}
	return line[i:end]
}
