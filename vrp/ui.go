package vrp

import (
	"fmt"
	"strings"
	"time"
)

// uiConfig is a user-interface (VTY lines or the console port).
type uiConfig struct {
	authMode     string        // "aaa", "password", "none"
	password     string        // cipher text of set authentication password; "" when not set
	protocol     string        // "ssh", "telnet", "all"
	level        int           // user privilege level; -1 when not set
	idle         time.Duration // idle-timeout; 0 = never
	screenLength int           // lines per page; 0 = no paging
}

const (
	defaultIdle         = 10 * time.Minute
	defaultScreenLength = 24
)

// defaultUI is the factory configuration of the VTY lines (password
// authentication) or of the console port (none).
func defaultUI(line LineKind) uiConfig {
	mode := "none"
	if line == LineVTY {
		mode = "password"
	}
	return uiConfig{authMode: mode, protocol: "all", level: -1, idle: defaultIdle, screenLength: defaultScreenLength}
}

// render writes the lines of a user interface that differ from the
// defaults, after its "user-interface" line; with defaults, those of
// default values too.
func (ui uiConfig) render(b *strings.Builder, line LineKind, defaults bool) {
	def := defaultUI(line)
	if defaults || ui.authMode != def.authMode {
		fmt.Fprintf(b, " authentication-mode %s\n", ui.authMode)
	}
	if ui.password != "" {
		fmt.Fprintf(b, " set authentication password cipher %s\n", ui.password)
	}
	if ui.level >= 0 {
		fmt.Fprintf(b, " user privilege level %d\n", ui.level)
	}
	if line == LineVTY && (defaults || ui.protocol != def.protocol) {
		fmt.Fprintf(b, " protocol inbound %s\n", ui.protocol)
	}
	if defaults || ui.idle != def.idle {
		fmt.Fprintf(b, " idle-timeout %d %d\n", int(ui.idle/time.Minute), int(ui.idle%time.Minute/time.Second))
	}
	if defaults || ui.screenLength != def.screenLength {
		fmt.Fprintf(b, " screen-length %d\n", ui.screenLength)
	}
}

// uiLocked returns the configuration of the VTY lines or of the console
// port. The caller holds d.mu.
func (d *Device) uiLocked(line LineKind) *uiConfig {
	if line == LineVTY {
		return &d.cfg.vty
	}
	return &d.cfg.con
}

// uiConfig returns the configuration of the VTY lines or of the console port.
func (d *Device) uiConfig(line LineKind) uiConfig {
	d.mu.Lock()
	defer d.mu.Unlock()
	return *d.uiLocked(line)
}

// changeUI changes the configuration of the VTY lines or of the console
// port.
func (d *Device) changeUI(line LineKind, change func(*uiConfig)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	change(d.uiLocked(line))
}
