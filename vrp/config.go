package vrp

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

// config is the running configuration, apart from the local users (kept in
// the AAA database). Guarded by Device.mu. Each feature's model file keeps
// its part and renders it.
type config struct {
	ftpServer ftpServerConfig // ftpserver.go
	acls      aclConfig       // acl.go
	ssh       sshConfig       // ssh.go
	telnet    telnetConfig    // telnet.go
	sshClient sshClientConfig // sftpclient.go
	vty       uiConfig        // ui.go
	con       uiConfig
	ifaces    ifaceConfig // interface.go
	tftp      tftpConfig  // tftp.go
	ftpClient tftpConfig  // ftpclient.go: ftp client-source, the same settings as TFTP's
}

func newConfig(p *Profile) *config {
	return &config{
		ftpServer: ftpServerConfig{port: defaultFTPPort, timeout: defaultFTPTimeout, maxSessions: defaultFTPMaxSessions},
		acls:      aclConfig{},
		vty:       defaultUI(LineVTY),
		con:       defaultUI(LineConsole),
		ifaces:    defaultInterfaces(p),
	}
}

// clone returns a deep copy.
func (c *config) clone() config {
	out := *c
	out.acls = c.acls.clone()
	out.ssh = c.ssh.clone()
	out.sshClient = c.sshClient.clone()
	out.ifaces = maps.Clone(c.ifaces)
	return out
}

// section names what display this and the section displays render.
type section int

const (
	sectionAll section = iota
	sectionGlobal
	sectionAAA
	sectionVTY
	sectionConsole
	sectionACL       // one ACL
	sectionInterface // one interface, or all of them
	sectionUI        // the console and the VTY lines
)

// snapshot is what a rendering of the configuration reads, taken at once:
// a copy of the running configuration and the sysname, taken under the
// device's lock, and then the local users (the AAA database has a lock of
// its own; the device's is not held while it is read, so that the two are
// never nested).
type snapshot struct {
	defaults bool // show the lines of default values too (display current-configuration all)
	sysname  string
	tag      string // the first line: the release
	cfg      config
	aaa      aaaSnapshot // only when the section shows the aaa section
}

func (d *Device) snapshot(sec section) snapshot {
	d.mu.Lock()
	s := snapshot{sysname: d.Sysname(), tag: d.profile.configTag(), cfg: d.cfg.clone()}
	users := d.users
	d.mu.Unlock()
	if sec == sectionAll || sec == sectionAAA {
		s.aaa = takeAAASnapshot(users)
	}
	return s
}

// render writes the running configuration, or a section of it, in the
// device's layout.
func (d *Device) render(sec section) string { return d.snapshot(sec).render(sec, "") }

// renderDefaults writes the running configuration with the lines of
// default values the plain rendering leaves out (display
// current-configuration all): the FTP server's port, session limit and
// timeout, and each user interface's authentication mode, protocols (VTY),
// idle timeout and screen length. Every line it adds replays.
func (d *Device) renderDefaults() string {
	s := d.snapshot(sectionAll)
	s.defaults = true
	return s.render(sectionAll, "")
}

// renderView writes what display this shows in a view: the version line, as
// on the AR, then the section the view configures.
func (d *Device) renderView(v viewFrame) string {
	sec := viewOf(v.view).section
	s := d.snapshot(sec)
	text := s.render(sec, v.arg)
	if sec == sectionAll {
		return text // it has the version line
	}
	return s.tag + "\n" + text
}

// render assembles the sections in the device's order: the global one
// (sysname, FTP server), the ACLs, aaa, the interfaces, the SSH server, the
// user interfaces. sectionACL shows the ACL numbered arg, sectionInterface
// the interface named arg (every interface when arg is "").
func (s snapshot) render(sec section, arg string) string {
	c := &s.cfg
	var b strings.Builder
	if sec == sectionAll {
		b.WriteString(s.tag + "\n")
	}
	b.WriteString("#\n")
	if sec == sectionAll || sec == sectionGlobal {
		fmt.Fprintf(&b, " sysname %s\n", s.sysname)
		c.ftpServer.render(&b, s.defaults)
		c.telnet.render(&b)
		c.ftpClient.renderAs(&b, "ftp")
		c.tftp.render(&b)
		b.WriteString("#\n")
	}
	switch sec {
	case sectionAll:
		c.acls.render(&b, 0)
		c.sshClient.renderKeys(&b) // peerkey.go
	case sectionACL:
		acl, _ := strconv.Atoi(arg)
		c.acls.render(&b, acl)
	}
	if sec == sectionAll || sec == sectionAAA {
		s.aaa.render(&b)
		b.WriteString("#\n")
	}
	if sec == sectionAll || sec == sectionInterface {
		var only *ifName
		if n, ok := parseIfName(arg); ok {
			only = &n
		}
		c.ifaces.render(&b, only)
	}
	if sec == sectionAll || sec == sectionGlobal {
		c.ssh.render(&b)
		c.sshClient.render(&b)
	}
	if sec == sectionAll || sec == sectionUI || sec == sectionConsole {
		b.WriteString("user-interface con 0\n")
		c.con.render(&b, LineConsole, s.defaults)
	}
	if sec == sectionAll || sec == sectionUI || sec == sectionVTY {
		b.WriteString("user-interface vty 0 4\n")
		c.vty.render(&b, LineVTY, s.defaults)
	}
	if sec == sectionAll || sec == sectionUI || sec == sectionVTY || sec == sectionConsole {
		b.WriteString("#\n")
	}
	b.WriteString("return\n")
	return b.String()
}

// replay runs a configuration text through the CLI, as the device does at
// boot. It stops at the first line that fails and returns it as a
// *ConfigError. seen, when not nil, is shown each line matched.
func (d *Device) replay(text string, seen func(*cli.Call)) error {
	rt := &replayTerminal{}
	s := &Session{dev: d, term: rt, vty: -1, level: 15, done: make(chan struct{}),
		views: []viewFrame{{view: viewUser}, {view: viewSystem}}, info: SessionInfo{Line: LineConsole}}
	s.replaying = true
	for i, raw := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line := strings.TrimRight(raw, " ")
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "!"):
			continue
		case i == 0 && strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]"):
			continue // version header
		case trimmed == "#":
			s.views = s.views[:2]
			continue
		case trimmed == "return":
			return nil
		}
		if !strings.HasPrefix(line, " ") && trimmed != "peer-public-key end" {
			s.views = s.views[:2]
		}
		rt.reset()
		run, call, err := d.grammar.Match(s.view().view, s.level, trimmed)
		if err != nil {
			return &ConfigError{Line: i + 1, Text: trimmed, Err: err}
		}
		if run == nil {
			continue
		}
		if seen != nil {
			seen(call)
		}
		out := s.newOutput(nil)
		if err := run(&callEnv{Session: s, out: out}, call); err != nil {
			return &ConfigError{Line: i + 1, Text: trimmed, Err: err}
		}
		if msg := rt.errorLine(); msg != "" {
			return &ConfigError{Line: i + 1, Text: trimmed, Err: errors.New(msg)}
		}
	}
	return nil
}

// replayTerminal takes a replayed command's output and answers its questions.
type replayTerminal struct{ buf bytes.Buffer }

func (t *replayTerminal) Write(p []byte) (int, error) { return t.buf.Write(p) }

func (t *replayTerminal) ReadLine(string, bool) (string, error) { return "y", nil }

func (t *replayTerminal) ReadKey() (rune, error) { return ' ', nil }

func (t *replayTerminal) reset() { t.buf.Reset() }

func (t *replayTerminal) errorLine() string {
	for _, l := range strings.Split(t.buf.String(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "Error") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}
