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

func (d *Device) uiConfig(line LineKind) uiConfig {
	d.mu.Lock()
	defer d.mu.Unlock()
	if line == LineVTY {
		return d.cfg.vty
	}
	return d.cfg.con
}

func renderUI(b *strings.Builder, ui, def uiConfig, vty bool) {
	if ui.authMode != def.authMode {
		fmt.Fprintf(b, " authentication-mode %s\n", ui.authMode)
	}
	if ui.password != "" {
		fmt.Fprintf(b, " set authentication password cipher %s\n", ui.password)
	}
	if ui.level >= 0 {
		fmt.Fprintf(b, " user privilege level %d\n", ui.level)
	}
	if vty && ui.protocol != def.protocol {
		fmt.Fprintf(b, " protocol inbound %s\n", ui.protocol)
	}
	if ui.idle != def.idle {
		fmt.Fprintf(b, " idle-timeout %d %d\n", int(ui.idle/time.Minute), int(ui.idle%time.Minute/time.Second))
	}
	if ui.screenLength != def.screenLength {
		fmt.Fprintf(b, " screen-length %d\n", ui.screenLength)
	}
}

func (d *Device) changeUI(view string, change func(*uiConfig)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if view == viewVTY {
		change(&d.cfg.vty)
	} else {
		change(&d.cfg.con)
	}
}
