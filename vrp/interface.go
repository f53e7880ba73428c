package vrp

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The interfaces of a device: its model's fixed Ethernet ports
// (Profile.Ports: the AR2220's three routed GigabitEthernet ports, the
// S5720's 24 GigabitEthernet and 4 XGigabitEthernet switch ports), NULL0
// and the LoopBack interfaces the user creates. Their addresses are
// modelled only:
// the device shows them, and checks them against each other, but listens on
// none of them (its services listen where the process was told to: --ssh,
// ftp server-source, the lab file).

// ifKind is an interface type, in the order the device lists them.
type ifKind int

const (
	ifGE ifKind = iota
	ifXGE
	ifLoopBack
	ifNULL
)

// ifTypeNames are the interface types' names as the device spells them.
var ifTypeNames = [...]string{ifGE: "GigabitEthernet", ifXGE: "XGigabitEthernet", ifLoopBack: "LoopBack", ifNULL: "NULL"}

// isPort reports whether the type is an Ethernet port's.
func (k ifKind) isPort() bool { return k == ifGE || k == ifXGE }

// portSet is a model's fixed Ethernet ports: their numbers ("0/0/1") by
// type, in order.
type portSet map[ifKind][]string

// portsOf returns a profile's ports by type.
func portsOf(p *Profile) portSet {
	ps := portSet{}
	for _, name := range p.Ports {
		for _, k := range []ifKind{ifGE, ifXGE} {
			if number, ok := strings.CutPrefix(name, ifTypeNames[k]); ok {
				ps[k] = append(ps[k], number)
			}
		}
	}
	return ps
}

// anyModelPorts are the ports of every model: parseIfName reads the names
// a device wrote itself (a view's argument) with them. Built once, never
// changed.
var anyModelPorts = sync.OnceValue(func() portSet {
	all := portSet{}
	for _, model := range Models() {
		p, _ := LookupProfile(model)
		for k, numbers := range portsOf(p) {
			for _, n := range numbers {
				if !slices.Contains(all[k], n) {
					all[k] = append(all[k], n)
				}
			}
		}
	}
	return all
})

// maxLoopBack is the highest LoopBack number.
const maxLoopBack = 1023

// maxDescription is the longest interface description.
const maxDescription = 242

// ifName is an interface's name: its type and number ("0/0/1", "3").
type ifName struct {
	kind   ifKind
	number string
}

func (n ifName) String() string { return ifTypeNames[n.kind] + n.number }

// compare orders interfaces as the device lists them: by type, then number.
func (n ifName) compare(o ifName) int {
	if n.kind != o.kind {
		return int(n.kind) - int(o.kind)
	}
	return n.compareNumber(o)
}

// compareListed orders interfaces as the interface displays list them: by
// the type's name (XGigabitEthernet after NULL), then number.
func (n ifName) compareListed(o ifName) int {
	if c := strings.Compare(ifTypeNames[n.kind], ifTypeNames[o.kind]); c != 0 {
		return c
	}
	return n.compareNumber(o)
}

func (n ifName) compareNumber(o ifName) int {
	a, b := strings.Split(n.number, "/"), strings.Split(o.number, "/")
	for i := range min(len(a), len(b)) {
		x, _ := strconv.Atoi(a[i])
		y, _ := strconv.Atoi(b[i])
		if x != y {
			return x - y
		}
	}
	return len(a) - len(b)
}

// ifKindOf returns the type whose name starts with prefix (any case), as
// VRP abbreviates interface types: "g", "Gig", "x", "lo", "nu".
func ifKindOf(prefix string) (ifKind, bool) {
	if prefix == "" {
		return 0, false
	}
	for k, name := range ifTypeNames {
		if strings.HasPrefix(strings.ToLower(name), strings.ToLower(prefix)) {
			return ifKind(k), true
		}
	}
	return 0, false
}

// valid reports whether number names an interface of kind that a device
// with ports ps has or can create.
func (ps portSet) valid(kind ifKind, number string) bool {
	switch kind {
	case ifGE, ifXGE:
		return slices.Contains(ps[kind], number)
	case ifLoopBack:
		if number == "" || len(number) > 4 || strings.TrimLeft(number, "0123456789") != "" {
			return false
		}
		n, err := strconv.Atoi(number)
		return err == nil && n <= maxLoopBack && strconv.Itoa(n) == number
	default:
		return number == "0"
	}
}

// parse reads an interface name typed as one word, its type abbreviated
// or not, in any case: "GigabitEthernet0/0/1", "g0/0/1", "LoopBack0",
// "lo0", "NULL0"; a port must be one of ps.
func (ps portSet) parse(word string) (ifName, bool) {
	i := strings.IndexAny(word, "0123456789")
	if i <= 0 {
		return ifName{}, false
	}
	kind, ok := ifKindOf(word[:i])
	if !ok || !ps.valid(kind, word[i:]) {
		return ifName{}, false
	}
	return ifName{kind: kind, number: word[i:]}, true
}

// parseIfName reads a name the device wrote (a view's argument, see
// anyModelPorts); what a user types is read by the grammar's parameters,
// with the device's own ports.
func parseIfName(word string) (ifName, bool) { return anyModelPorts().parse(word) }

// iface is one interface's configuration.
type iface struct {
	name        ifName
	switchport  bool         // a layer 2 port (S-series): no ip address
	addr        netip.Prefix // ip address; invalid when none
	shutdown    bool
	description string
}

// ifaceConfig is the interfaces, by name.
type ifaceConfig map[ifName]iface

// defaultInterfaces are the interfaces of a device of model p fresh from
// the factory: its ports (switch ports on an S-series) and NULL0.
func defaultInterfaces(p *Profile) ifaceConfig {
	c := ifaceConfig{}
	for kind, numbers := range portsOf(p) {
		for _, number := range numbers {
			n := ifName{kind: kind, number: number}
			c[n] = iface{name: n, switchport: p.Switch}
		}
	}
	c[ifName{kind: ifNULL, number: "0"}] = iface{name: ifName{kind: ifNULL, number: "0"}}
	return c
}

// sorted returns the interfaces in the configuration's order.
func (c ifaceConfig) sorted() []iface {
	out := slices.Collect(maps.Values(c))
	slices.SortFunc(out, func(a, b iface) int { return a.name.compare(b.name) })
	return out
}

// listed returns the interfaces in the displays' order.
func (c ifaceConfig) listed() []iface {
	out := slices.Collect(maps.Values(c))
	slices.SortFunc(out, func(a, b iface) int { return a.name.compareListed(b.name) })
	return out
}

// render writes the interface sections of the configuration: every
// interface, or the one named only.
func (c ifaceConfig) render(b *strings.Builder, only *ifName) {
	for _, f := range c.sorted() {
		if only != nil && f.name != *only {
			continue
		}
		fmt.Fprintf(b, "interface %s\n", f.name)
		if f.description != "" {
			fmt.Fprintf(b, " description %s\n", f.description)
		}
		if f.shutdown {
			b.WriteString(" shutdown\n")
		}
		if f.addr.IsValid() {
			fmt.Fprintf(b, " ip address %s %s\n", f.addr.Addr(), prefixMask(f.addr.Bits()))
		}
		b.WriteString("#\n")
	}
}

// prefixMask is the dotted mask of a prefix length.
func prefixMask(bits int) string {
	m := ^uint32(0) << (32 - bits)
	if bits == 0 {
		m = 0
	}
	return netip.AddrFrom4([4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)}).String()
}

// maskBits returns the prefix length of a dotted mask, or false when the
// mask's ones are not contiguous.
func maskBits(mask string) (int, bool) {
	a, err := netip.ParseAddr(mask)
	if err != nil || !a.Is4() {
		return 0, false
	}
	b := a.As4()
	m := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	bits := 0
	for m&(1<<31) != 0 {
		bits++
		m <<= 1
	}
	return bits, m == 0
}

// Link states, as the interface displays show them.
const (
	stateUp        = "up"
	stateDown      = "down"
	stateAdminDown = "*down"
	stateSpoofing  = "up(s)"
)

// states returns an interface's physical and protocol states. The
// Ethernet ports are taken to be cabled: physically up unless shut down;
// a routed port's IP protocol is up once it has an address, a switch
// port's protocol with its link. LoopBack and NULL interfaces are always
// up, their protocol "spoofing" as on the device.
func (f iface) states() (phy, proto string) {
	switch {
	case !f.name.kind.isPort():
		return stateUp, stateSpoofing
	case f.shutdown:
		return stateAdminDown, stateDown
	case f.switchport:
		return stateUp, stateUp
	case f.addr.IsValid():
		return stateUp, stateUp
	default:
		return stateUp, stateDown
	}
}

// briefText is display interface brief's answer.
func (c ifaceConfig) briefText() string {
	var b strings.Builder
	b.WriteString("PHY: Physical\n" +
		"*down: administratively down\n" +
		"(l): loopback\n" +
		"(s): spoofing\n" +
		"(b): BFD down\n" +
		"^down: standby\n" +
		"(e): ETHOAM down\n" +
		"(d): Dampening Suppressed\n" +
		"InUti/OutUti: input utility/output utility\n")
	fmt.Fprintf(&b, "%-28s%-6s%-8s%6s%7s%11s%11s\n", "Interface", "PHY", "Protocol", "InUti", "OutUti", "inErrors", "outErrors")
	for _, f := range c.listed() {
		phy, proto := f.states()
		fmt.Fprintf(&b, "%-28s%-6s%-8s%6s%7s%11d%11d\n", f.name, phy, proto, "0%", "0%", 0, 0)
	}
	return b.String()
}

// ipBriefText is display ip interface brief's answer: the interfaces that
// can take an address (not the switch ports).
func (c ifaceConfig) ipBriefText() string {
	var list []iface
	for _, f := range c.listed() {
		if !f.switchport {
			list = append(list, f)
		}
	}
	var up, upProto int
	for _, f := range list {
		phy, proto := f.states()
		if phy == stateUp {
			up++
		}
		if strings.HasPrefix(proto, stateUp) {
			upProto++
		}
	}
	var b strings.Builder
	b.WriteString("*down: administratively down\n" +
		"^down: standby\n" +
		"(l): loopback\n" +
		"(s): spoofing\n")
	fmt.Fprintf(&b, "The number of interface that is UP in Physical is %d\n", up)
	fmt.Fprintf(&b, "The number of interface that is DOWN in Physical is %d\n", len(list)-up)
	fmt.Fprintf(&b, "The number of interface that is UP in Protocol is %d\n", upProto)
	fmt.Fprintf(&b, "The number of interface that is DOWN in Protocol is %d\n", len(list)-upProto)
	b.WriteString("\n")
	fmt.Fprintf(&b, "%-34s%-21s%-11s%-10s\n", "Interface", "IP Address/Mask", "Physical", "Protocol")
	for _, f := range list {
		phy, proto := f.states()
		addr := "unassigned"
		if f.addr.IsValid() {
			addr = f.addr.String()
		}
		fmt.Fprintf(&b, "%-34s%-21s%-11s%-10s\n", f.name, addr, phy, proto)
	}
	return b.String()
}

// detailText is display interface X's answer, in short: the states, the
// description, the address and the port's fixed properties.
func (f iface) detailText(up, now string) string {
	phy, proto := f.states()
	var b strings.Builder
	state := "UP"
	switch phy {
	case stateAdminDown:
		state = "Administratively DOWN"
	case stateDown:
		state = "DOWN"
	}
	fmt.Fprintf(&b, "%s current state : %s\n", f.name, state)
	lp := "DOWN"
	if strings.HasPrefix(proto, stateUp) {
		lp = "UP"
		if proto == stateSpoofing {
			lp = "UP (spoofing)"
		}
	}
	fmt.Fprintf(&b, "Line protocol current state : %s\n", lp)
	desc := f.description
	if desc == "" {
		series := "AR"
		if f.switchport {
			series = "S"
		}
		desc = "HUAWEI, " + series + " Series, " + f.name.String() + " Interface"
	}
	fmt.Fprintf(&b, "Description:%s\n", desc)
	switch {
	case f.switchport:
		b.WriteString("Switch Port, PVID :    1, TPID : 8100(Hex), The Maximum Frame Length is 9216\n")
	default:
		b.WriteString("Route Port,The Maximum Transmit Unit is 1500\n")
		if f.addr.IsValid() {
			fmt.Fprintf(&b, "Internet Address is %s\n", f.addr)
		} else {
			b.WriteString("Internet protocol processing : disabled\n")
		}
	}
	if f.name.kind.isPort() {
		// one address per port, the same on every device (no device
		// identity is modelled): the port's number, XGigabitEthernet's
		// from 0x100
		port, _ := strconv.Atoi(f.name.number[strings.LastIndexByte(f.name.number, '/')+1:])
		mode, speed := "COMMON COPPER", 1000
		if f.name.kind == ifXGE {
			port += 0x100
			mode, speed = "COMMON FIBER", 10000
		}
		fmt.Fprintf(&b, "IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is 00e0-fc00-%04x\n", port)
		fmt.Fprintf(&b, "Last physical up time   : %s\n", up)
		fmt.Fprintf(&b, "Current system time: %s\n", now)
		fmt.Fprintf(&b, "Port Mode: %s\n"+
			"Speed : %d,  Loopback: NONE\n"+
			"Duplex: FULL,  Negotiation: ENABLE\n"+
			"Mdi   : AUTO\n", mode, speed)
	}
	return b.String()
}

// Refusals of the interface commands.
var (
	errAddrInvalid  = refuse("Error: The specified IP address is invalid.")
	errAddrConflict = refuse("Error: The specified address conflicts with another address.")
	errNoInterface  = refuse("Error: The interface does not exist.")
)

// checkAddress refuses an address an interface cannot take: not a unicast
// host address of its subnet (the subnet's own address or its broadcast,
// 0.0.0.0/8, 127.0.0.0/8, multicast and above), a host route on a port, or
// a subnet that overlaps another interface's.
func (c ifaceConfig) checkAddress(name ifName, p netip.Prefix) error {
	a := p.Addr().As4()
	if p.Bits() == 0 || a[0] == 0 || a[0] == 127 || a[0] >= 224 {
		return errAddrInvalid
	}
	if name.kind.isPort() && p.Bits() == 32 {
		return errAddrInvalid
	}
	if p.Bits() <= 30 {
		host := ^uint32(0) >> p.Bits()
		v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
		if v&host == 0 || v&host == host {
			return errAddrInvalid
		}
	}
	for _, o := range c {
		if o.name != name && o.addr.IsValid() && o.addr.Overlaps(p) {
			return errAddrConflict
		}
	}
	return nil
}

// interfaceExists reports whether the device has interface n.
func (d *Device) interfaceExists(n ifName) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.cfg.ifaces[n]
	return ok
}

// enterInterface returns the interface named n, creating it when it is a
// LoopBack that does not exist yet.
func (d *Device) enterInterface(n ifName) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.cfg.ifaces[n]; ok {
		return nil
	}
	if n.kind != ifLoopBack {
		return errNoInterface
	}
	d.cfg.ifaces[n] = iface{name: n}
	return nil
}

// deleteInterface deletes LoopBack n. It reports whether it existed.
func (d *Device) deleteInterface(n ifName) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.cfg.ifaces[n]; !ok || n.kind != ifLoopBack {
		return false
	}
	delete(d.cfg.ifaces, n)
	return true
}

// changeInterface changes interface n (which exists: its view is open, and
// a LoopBack deleted meanwhile is created again). A change that returns an
// error is not kept.
func (d *Device) changeInterface(n ifName, change func(ifaceConfig, *iface) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	f, ok := d.cfg.ifaces[n]
	if !ok {
		f = iface{name: n}
	}
	if err := change(d.cfg.ifaces, &f); err != nil {
		return err
	}
	d.cfg.ifaces[n] = f
	return nil
}

// setInterfaceAddress sets the address of interface n.
func (d *Device) setInterfaceAddress(n ifName, p netip.Prefix) error {
	return d.changeInterface(n, func(c ifaceConfig, f *iface) error {
		if err := c.checkAddress(n, p); err != nil {
			return err
		}
		f.addr = p
		return nil
	})
}

// setInterface applies a change that cannot fail to interface n.
func (d *Device) setInterface(n ifName, change func(*iface)) {
	d.changeInterface(n, func(_ ifaceConfig, f *iface) error {
		change(f)
		return nil
	})
}

// interfaces returns a copy of the interfaces.
func (d *Device) interfaces() ifaceConfig {
	d.mu.Lock()
	defer d.mu.Unlock()
	return maps.Clone(d.cfg.ifaces)
}
