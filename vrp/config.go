package vrp

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// config is the running configuration, apart from the local users (kept in
// the AAA database). Guarded by Device.mu.
type config struct {
	stelnet   bool
	sshUsers  []*sshUser
	vty       uiConfig
	con       uiConfig
	ftpServer ftpServerConfig
	acls      map[int]*acl
}

func newConfig() *config {
	return &config{
		ftpServer: ftpServerConfig{port: defaultFTPPort, timeout: defaultFTPTimeout, maxSessions: defaultFTPMaxSessions},
		acls:      map[int]*acl{},
		vty:       uiConfig{authMode: "password", protocol: "all", level: -1, idle: defaultIdle, screenLength: defaultScreenLength},
		con:       uiConfig{authMode: "none", protocol: "all", level: -1, idle: defaultIdle, screenLength: defaultScreenLength},
	}
}

// section names what display this and the section displays render.
type section int

const (
	sectionAll section = iota
	sectionGlobal
	sectionAAA
	sectionVTY
	sectionConsole
)

// render writes the running configuration in the device's layout.
func (d *Device) render(sec section) string {
	d.mu.Lock()
	c := d.cfg
	sysname := d.Sysname()
	users := d.users
	var b strings.Builder
	if sec == sectionAll {
		b.WriteString(versionTag + "\n")
	}
	b.WriteString("#\n")
	if sec == sectionAll || sec == sectionGlobal {
		fmt.Fprintf(&b, " sysname %s\n", sysname)
		renderFTPServer(&b, c.ftpServer)
		b.WriteString("#\n")
	}
	if sec == sectionAll {
		renderACLs(&b, c.acls)
	}
	if sec == sectionAll || sec == sectionAAA {
		d.mu.Unlock()
		renderAAA(&b, users)
		d.mu.Lock()
		b.WriteString("#\n")
	}
	if sec == sectionAll || sec == sectionGlobal {
		renderSSH(&b, c)
	}
	if sec == sectionAll || sec == sectionConsole {
		b.WriteString("user-interface con 0\n")
		renderUI(&b, c.con, uiConfig{authMode: "none", protocol: "all", level: -1, idle: defaultIdle, screenLength: defaultScreenLength}, false)
	}
	if sec == sectionAll || sec == sectionVTY {
		b.WriteString("user-interface vty 0 4\n")
		renderUI(&b, c.vty, newConfig().vty, true)
	}
	if sec == sectionAll || sec == sectionVTY || sec == sectionConsole {
		b.WriteString("#\n")
	}
	b.WriteString("return\n")
	d.mu.Unlock()
	return b.String()
}

// replay runs a configuration text through the CLI, as the device does at
// boot. It stops at the first line that fails and returns it as a
// *ConfigError.
func (d *Device) replay(text string) error {
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
		if !strings.HasPrefix(line, " ") {
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
