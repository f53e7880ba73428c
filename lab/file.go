// Package lab runs a training lab: many simulated VRP devices in one process,
// each with its own address, SSH server, host key, AAA users, flash, FTP
// server, FTP client and log, described by a lab file (YAML, see
// docs/lab.md).
//
// Load reads and checks a lab file completely before anything starts; Start
// opens every device's listeners and boots the devices; a running Lab stops
// and starts one device at a time while the others keep serving, and
// Shutdown stops them all without saving anything.
//
// It is also where vrpsim's one device starts and stops: OneDevice describes
// it as a lab of one, so that every device, in a lab file or not, starts and
// stops the same way (device.go).
package lab

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vrpsim/vrpsim/vrp"
	"go.yaml.in/yaml/v3"
)

// Flash kinds of a device.
const (
	FlashMemory = "memory" // flash in memory: a fresh device at every start of the process
	FlashDisk   = "disk"   // flash in a data directory, kept across runs
)

// Default ports of a device.
const (
	DefaultSSHPort = 22
	DefaultFTPPort = 21
)

// maxStartupSize bounds a startup configuration file (the device's own limit).
const maxStartupSize = 8 << 20

// maxFileSize bounds a lab file.
const maxFileSize = 16 << 20

// File is a parsed, checked lab file.
type File struct {
	// Name is the lab file's path, as errors show it; "" for the lab of
	// OneDevice, which has no file.
	Name string
	// Admin is the address of the admin HTTP endpoint ("" for none).
	Admin string
	// AdminLine is the line of the admin setting.
	AdminLine int
	// Devices are the lab's devices in the order of the file.
	Devices []Device
	// Instructor is the instructor section (password, checks).
	Instructor Instructor

	startups map[string]string // startup texts by path, read by Load
}

// Device describes one device of a lab.
type Device struct {
	// Sysname is the device's name (unique in the lab, case-insensitively).
	Sysname string
	// Address is the device's own address: its CLI shows it, its FTP
	// client's connections leave from it and, unless Listen says otherwise,
	// its SSH and FTP servers listen there. A lab file that gives none gets
	// the address the device learns (LearnAddress).
	Address netip.Addr
	// Listen, when valid, is where the device's SSH and FTP servers listen
	// instead of Address: another address of the host (a pod's IP) or an
	// unspecified address (every interface, behind a Service or a port
	// forward). The device still shows Address; its FTP client's connections
	// leave from Listen (from the kernel's choice when it is unspecified).
	Listen netip.Addr
	// SSHPort is the port of the device's SSH server (0: any free port).
	SSHPort int
	// FTPPort is the port on which the device's FTP port 21 is served, like a
	// port forward (0: any free port). A device configured with another FTP
	// port ("ftp server port 2121") listens on that port itself.
	FTPPort int
	// TelnetPort is the port on which the device's Telnet port 23 is
	// served once the device runs "telnet server enable" (0: port 23
	// itself, which needs root). A device configured with another Telnet
	// port ("telnet server port 2323") listens on that port itself.
	TelnetPort int
	// Flash is FlashMemory or FlashDisk.
	Flash string
	// Data is the data directory of a FlashDisk device: its flash in
	// Data/flash, its SSH host key in Data/ssh_host_ed25519_key (the layout of
	// vrpsim --data). Absolute, or relative to the working directory.
	Data string
	// Model is the device model (vrp.Models; "" for the AR2220).
	Model string
	// Startup is the path of a configuration text the device boots when its
	// flash holds no startup configuration yet ("" for the default
	// configuration).
	Startup string
	// Config is the path of the device's configuration file outside its
	// flash, as containerlab keeps a node's (/config/startup-config.cfg): when
	// the flash holds no startup configuration yet the device boots it (it
	// wins over Startup when the file exists), and every save writes the
	// saved configuration back to it, in place. "" for none.
	Config string
	// Line is the line of the device's entry in the lab file.
	Line int

	// SSHListen, when set, is where the SSH server listens instead of
	// Address:SSHPort: vrpsim's --ssh, which may name a host or an
	// unspecified address (every interface). Lab files do not set it.
	SSHListen string
	// NoSSH: the device has no SSH server (vrpsim console --ssh ""). Lab
	// files do not set it.
	NoSSH bool
	// TelnetListen, when set, is where the device's Telnet port 23 is
	// served instead of Address:TelnetPort: vrpsim's --telnet. Lab files do
	// not set it.
	TelnetListen string
}

// SSHAddr is the address of the device's SSH server as the device shows it
// (its Address).
func (d *Device) SSHAddr() netip.AddrPort {
	return netip.AddrPortFrom(d.Address, uint16(d.SSHPort))
}

// ListenAddr is the address the device's servers listen on: Listen when
// valid, else Address.
func (d *Device) ListenAddr() netip.Addr {
	if d.Listen.IsValid() {
		return d.Listen
	}
	return d.Address
}

// DialSSHAddr is where a health check on the same host reaches the device's
// SSH server: its listening address, or loopback when it listens on every
// address.
func (d *Device) DialSSHAddr() netip.AddrPort {
	a := d.ListenAddr()
	if a.IsUnspecified() {
		a = netip.IPv6Loopback()
		if a.Is4() || d.Listen.Is4() {
			a = netip.MustParseAddr("127.0.0.1")
		}
	}
	return netip.AddrPortFrom(a, uint16(d.SSHPort))
}

// Error is a problem in a lab file, at a line.
type Error struct {
	File string
	Line int // 0 when the problem concerns the whole file
	Err  error
}

func (e *Error) Error() string {
	if e.Line <= 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads the lab file at path and checks it: its syntax and values, and
// that every startup configuration it names can be read. Relative paths in
// the file are relative to the file's directory.
func Load(path string) (*File, error) {
	data, err := readLimited(path, maxFileSize)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	f, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	if err := f.checkStartups(); err != nil {
		return nil, err
	}
	return f, nil
}

// readLimited reads a file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("file too large (%d bytes, at most %d)", st.Size(), limit)
	}
	buf := make([]byte, st.Size())
	n, err := fh.Read(buf)
	if err != nil && n != len(buf) {
		return nil, err
	}
	return buf[:n], nil
}

// Parse parses and checks the text of a lab file. name is the file's path:
// errors show it, and relative paths in the file are resolved against its
// directory. A value may name environment variables as ${NAME} (a container
// learns its settings so); a variable that is not set is an error. A device
// without an address learns it from the host's interfaces (LearnAddress).
// Parse reads no file.
func Parse(name string, data []byte) (*File, error) {
	return ParseWith(name, data, Env{})
}

// ParseEnv is Parse with the environment variables of ${NAME} in values
// looked up by lookup.
func ParseEnv(name string, data []byte, lookup func(string) (string, bool)) (*File, error) {
	return ParseWith(name, data, Env{Lookup: lookup})
}

// Env is what a lab file's values may depend on besides the file: the
// environment and the host's addresses.
type Env struct {
	// Lookup looks up the environment variables of ${NAME} in values
	// (os.LookupEnv when nil).
	Lookup func(string) (string, bool)
	// Addrs lists the host's interface addresses, in the order of the
	// interfaces, for the devices that learn their address
	// (net.InterfaceAddrs when nil).
	Addrs func() ([]netip.Addr, error)
}

// ParseWith is Parse in the environment env.
func ParseWith(name string, data []byte, env Env) (*File, error) {
	if env.Lookup == nil {
		env.Lookup = os.LookupEnv
	}
	if env.Addrs == nil {
		env.Addrs = interfaceAddrs
	}
	p := &parser{file: name, dir: filepath.Dir(name), lookup: env.Lookup, addrs: env.Addrs}
	f, err := p.parse(data)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// interfaceAddrs lists the addresses of the host's interfaces.
func interfaceAddrs() ([]netip.Addr, error) {
	list, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, a := range list {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr().Unmap())
		}
	}
	return out, nil
}

// LearnAddress is the address of a device whose lab file gives none: its
// listening address when that is a specific address, else the host's first
// global unicast IPv4 address (a container's eth0, a pod's IP), else its
// first global unicast IPv6 address, else 127.0.0.1. addrs are the host's
// addresses in the order of its interfaces.
func LearnAddress(listen netip.Addr, addrs []netip.Addr) netip.Addr {
	if listen.IsValid() && !listen.IsUnspecified() {
		return listen
	}
	var v6 netip.Addr
	for _, a := range addrs {
		if !a.IsGlobalUnicast() {
			continue
		}
		if a.Is4() {
			return a
		}
		if !v6.IsValid() {
			v6 = a
		}
	}
	if v6.IsValid() {
		return v6
	}
	return netip.MustParseAddr("127.0.0.1")
}

type parser struct {
	file   string
	dir    string
	lookup func(string) (string, bool)
	addrs  func() ([]netip.Addr, error)
}

func (p *parser) errorf(n *yaml.Node, format string, a ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: p.file, Line: line, Err: fmt.Errorf(format, a...)}
}

// defaults are the settings of the defaults section.
type defaults struct {
	sshPort, ftpPort int
	telnetPort       int
	listen           netip.Addr
	flash            string
	dataRoot         string
	startup          string
	config           string
	model            string
}

func (p *parser) parse(data []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, p.syntaxError(err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &Error{File: p.file, Err: errors.New("the file is empty: it needs a devices list")}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, p.errorf(root, "the file must be a mapping with a devices list, not %s", kindName(root))
	}
	f := &File{Name: p.file}
	def := defaults{sshPort: DefaultSSHPort, ftpPort: DefaultFTPPort, flash: ""}
	var devices *yaml.Node
	err := p.fields(root, "", func(key string, k, v *yaml.Node) error {
		switch key {
		case "admin":
			s, err := p.scalar(v, key)
			if err != nil {
				return err
			}
			if s == "" { // none: admin: ${VRPSIM_ADMIN} with the variable empty
				return nil
			}
			if err := checkAdmin(s); err != nil {
				return p.errorf(v, "admin: %v", err)
			}
			f.Admin, f.AdminLine = s, v.Line
		case "defaults":
			return p.defaults(v, &def)
		case "devices":
			devices = v
		case "instructor":
			return p.instructor(v, f)
		default:
			return p.errorf(k, "unknown setting %q (want admin, defaults, devices or instructor)", key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if devices == nil {
		return nil, p.errorf(root, "no devices list")
	}
	if devices.Kind != yaml.SequenceNode {
		return nil, p.errorf(devices, "devices must be a list, not %s", kindName(devices))
	}
	if len(devices.Content) == 0 {
		return nil, p.errorf(devices, "the devices list is empty")
	}
	for i, n := range devices.Content {
		d, err := p.device(n, i, def)
		if err != nil {
			return nil, err
		}
		f.Devices = append(f.Devices, d)
	}
	if err := p.checkUnique(f); err != nil {
		return nil, err
	}
	if err := p.checkInstructorDevices(f); err != nil {
		return nil, err
	}
	return f, nil
}

// syntaxError turns a YAML error ("yaml: line 3: ...") into an Error.
func (p *parser) syntaxError(err error) error {
	msg := err.Error()
	rest, ok := strings.CutPrefix(msg, "yaml: line ")
	if ok {
		num, text, ok := strings.Cut(rest, ": ")
		if n, err := strconv.Atoi(num); ok && err == nil {
			return &Error{File: p.file, Line: n, Err: fmt.Errorf("YAML syntax: %s", text)}
		}
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	return &Error{File: p.file, Err: fmt.Errorf("YAML syntax: %s", msg)}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "empty"
}

// fields calls fn for each key of a mapping, refusing duplicates.
func (p *parser) fields(n *yaml.Node, what string, fn func(key string, k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		if what == "" {
			what = "this"
		}
		return p.errorf(n, "%s must be a mapping of settings, not %s", what, kindName(n))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return p.errorf(k, "a setting name must be a plain word")
		}
		if seen[k.Value] {
			return p.errorf(k, "%s is set twice", k.Value)
		}
		seen[k.Value] = true
		if v.Kind == yaml.AliasNode {
			return p.errorf(v, "%s: aliases are not supported", k.Value)
		}
		if err := fn(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) scalar(v *yaml.Node, key string) (string, error) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return "", p.errorf(v, "%s needs a value, not %s", key, kindName(v))
	}
	s, err := expand(v.Value, p.lookup)
	if err != nil {
		return "", p.errorf(v, "%s: %v", key, err)
	}
	return s, nil
}

// expand replaces each ${NAME} in s with the environment variable NAME;
// every other "$" stays as it is.
func expand(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("%q: unterminated ${", s)
		}
		name := s[i+2 : i+end]
		if !validEnvName(name) {
			return "", fmt.Errorf("${%s}: not a variable name", name)
		}
		val, ok := lookup(name)
		if !ok {
			return "", fmt.Errorf("${%s}: the environment variable %s is not set", name, name)
		}
		b.WriteString(val)
		s = s[i+end+1:]
	}
}

func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func (p *parser) port(v *yaml.Node, key string) (int, error) {
	s, err := p.scalar(v, key)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 65535 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, p.errorf(v, "%s: %q is not a port number (0-65535, 0 for any free port)", key, s)
	}
	return n, nil
}

// model checks a device model's name and returns it as the device names it;
// empty is the default model.
func (p *parser) model(v *yaml.Node) (string, error) {
	s, err := p.scalar(v, "model")
	if err != nil || s == "" {
		return "", err
	}
	prof, err := vrp.LookupProfile(s)
	if err != nil {
		return "", p.errorf(v, "model: %q is not a device model (want %s)", s, strings.Join(vrp.Models(), " or "))
	}
	return prof.Model, nil
}

func (p *parser) flashKind(v *yaml.Node) (string, error) {
	s, err := p.scalar(v, "flash")
	if err != nil {
		return "", err
	}
	if s != FlashMemory && s != FlashDisk {
		return "", p.errorf(v, "flash: %q is neither memory nor disk", s)
	}
	return s, nil
}

func (p *parser) path(v *yaml.Node, key string) (string, error) {
	s, err := p.scalar(v, key)
	if err != nil {
		return "", err
	}
	if s == "" || strings.ContainsRune(s, 0) {
		return "", p.errorf(v, "%s: %q is not a path", key, s)
	}
	if !filepath.IsAbs(s) {
		s = filepath.Join(p.dir, s)
	}
	return filepath.Clean(s), nil
}

// listen parses a listening address: an IP address, possibly unspecified
// (every interface); "" for the device's own address.
func (p *parser) listen(v *yaml.Node) (netip.Addr, error) {
	s, err := p.scalar(v, "listen")
	if err != nil || s == "" {
		return netip.Addr{}, err
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, p.errorf(v, "listen: %q is not an IP address", s)
	}
	if a.IsMulticast() {
		return netip.Addr{}, p.errorf(v, "listen %s: is a multicast address", s)
	}
	return a.Unmap(), nil
}

// optionalPath is path, where an empty value means none.
func (p *parser) optionalPath(v *yaml.Node, key string) (string, error) {
	if s, err := p.scalar(v, key); err == nil && s == "" {
		return "", nil
	}
	return p.path(v, key)
}

func (p *parser) defaults(n *yaml.Node, def *defaults) error {
	return p.fields(n, "defaults", func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "ssh-port":
			def.sshPort, err = p.port(v, key)
		case "ftp-port":
			def.ftpPort, err = p.port(v, key)
		case "telnet-port":
			def.telnetPort, err = p.port(v, key)
		case "listen":
			def.listen, err = p.listen(v)
		case "flash":
			def.flash, err = p.flashKind(v)
		case "data-root":
			def.dataRoot, err = p.path(v, key)
		case "startup":
			def.startup, err = p.optionalPath(v, key)
		case "config":
			def.config, err = p.optionalPath(v, key)
		case "model":
			def.model, err = p.model(v)
		default:
			err = p.errorf(k, "defaults: unknown setting %q (want model, ssh-port, ftp-port, telnet-port, listen, flash, data-root, startup or config)", key)
		}
		return err
	})
}

func (p *parser) device(n *yaml.Node, i int, def defaults) (Device, error) {
	d := Device{SSHPort: def.sshPort, FTPPort: def.ftpPort, TelnetPort: def.telnetPort, Listen: def.listen, Startup: def.startup, Config: def.config, Model: def.model, Line: n.Line}
	what := fmt.Sprintf("device %d", i+1)
	var flashSet bool
	var flashNode *yaml.Node
	err := p.fields(n, what, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "sysname":
			var s string
			if s, err = p.scalar(v, key); err == nil {
				if err = checkSysname(s); err != nil {
					err = p.errorf(v, "sysname %q: %v", s, err)
				}
				d.Sysname = s
			}
		case "address":
			var s string
			if s, err = p.scalar(v, key); err == nil && s != "" { // "": learn it
				d.Address, err = netip.ParseAddr(s)
				if err != nil || d.Address.Zone() != "" {
					err = p.errorf(v, "address: %q is not an IP address", s)
				} else if err = checkAddress(d.Address); err != nil {
					err = p.errorf(v, "address %s: %v", s, err)
				}
				d.Address = d.Address.Unmap()
			}
		case "listen":
			d.Listen, err = p.listen(v)
		case "ssh-port":
			d.SSHPort, err = p.port(v, key)
		case "ftp-port":
			d.FTPPort, err = p.port(v, key)
		case "telnet-port":
			d.TelnetPort, err = p.port(v, key)
		case "flash":
			d.Flash, err = p.flashKind(v)
			flashSet, flashNode = true, v
		case "data":
			d.Data, err = p.path(v, key)
		case "startup":
			d.Startup, err = p.optionalPath(v, key)
		case "config":
			d.Config, err = p.optionalPath(v, key)
		case "model":
			d.Model, err = p.model(v)
		default:
			err = p.errorf(k, "%s: unknown setting %q (want sysname, address, model, listen, ssh-port, ftp-port, telnet-port, flash, data, startup or config)", what, key)
		}
		return err
	})
	if err != nil {
		return d, err
	}
	if d.Sysname == "" {
		return d, p.errorf(n, "%s has no sysname", what)
	}
	if !d.Address.IsValid() {
		addrs, err := p.addrs()
		if err != nil {
			return d, p.errorf(n, "device %s has no address and cannot learn one: %v", d.Sysname, err)
		}
		d.Address = LearnAddress(d.Listen, addrs)
	}
	if !flashSet {
		switch {
		case d.Data != "":
			d.Flash = FlashDisk
		case def.flash != "":
			d.Flash = def.flash
		case def.dataRoot != "":
			d.Flash = FlashDisk
		default:
			d.Flash = FlashMemory
		}
	}
	switch d.Flash {
	case FlashMemory:
		if d.Data != "" {
			return d, p.errorf(flashNode, "device %s: flash memory and a data directory exclude each other", d.Sysname)
		}
	case FlashDisk:
		if d.Data == "" {
			if def.dataRoot == "" {
				return d, p.errorf(n, "device %s: flash disk needs a data directory (data, or data-root in defaults)", d.Sysname)
			}
			d.Data = filepath.Join(def.dataRoot, d.Sysname)
		}
	}
	return d, nil
}

// checkSysname accepts names that are also safe as directory names.
func checkSysname(s string) error {
	if len(s) > 64 {
		return errors.New("longer than 64 characters")
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case (r == '-' || r == '_' || r == '.') && i > 0:
		default:
			return errors.New("use letters, digits, '-', '_' and '.' (not first)")
		}
	}
	return nil
}

// checkAddress accepts the addresses a device can own.
func checkAddress(a netip.Addr) error {
	switch {
	case a.IsUnspecified():
		return errors.New("is unspecified: a device needs its own address")
	case a.IsMulticast():
		return errors.New("is a multicast address")
	case a.Is4() && a.As4() == [4]byte{255, 255, 255, 255}:
		return errors.New("is the broadcast address")
	}
	return nil
}

func checkAdmin(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not ADDRESS:PORT", s)
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%q is not an IP address", host)
	}
	if !a.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address: the admin endpoint has no authentication", host)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q is not a port number", port)
	}
	return nil
}

// checkUnique refuses two devices with one name, one listening address or
// one data directory.
func (p *parser) checkUnique(f *File) error {
	names := map[string]int{}
	listen := map[netip.AddrPort]string{}
	data := map[string]int{}
	for i, d := range f.Devices {
		key := strings.ToLower(d.Sysname)
		if j, ok := names[key]; ok {
			return &Error{File: p.file, Line: d.Line, Err: fmt.Errorf("device %s: the sysname is already used by the device at line %d", d.Sysname, f.Devices[j].Line)}
		}
		names[key] = i
		ports := []struct {
			what string
			port int
		}{{"ssh-port", d.SSHPort}, {"ftp-port", d.FTPPort}, {"telnet-port", d.TelnetPort}}
		for _, pt := range ports {
			if pt.port == 0 {
				continue
			}
			ap := netip.AddrPortFrom(d.ListenAddr(), uint16(pt.port))
			if other, ok := listen[ap]; ok {
				return &Error{File: p.file, Line: d.Line, Err: fmt.Errorf("device %s: %s %s is already used by %s", d.Sysname, pt.what, ap, other)}
			}
			listen[ap] = d.Sysname + "'s " + pt.what
		}
		if d.Flash == FlashDisk {
			abs, err := filepath.Abs(d.Data)
			if err != nil {
				return &Error{File: p.file, Line: d.Line, Err: fmt.Errorf("device %s: data directory %s: %w", d.Sysname, d.Data, err)}
			}
			if j, ok := data[abs]; ok {
				return &Error{File: p.file, Line: d.Line, Err: fmt.Errorf("device %s: data directory %s is already used by %s", d.Sysname, d.Data, f.Devices[j].Sysname)}
			}
			data[abs] = i
		}
	}
	return nil
}
