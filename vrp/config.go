package vrp

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
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

type sshUser struct {
	name        string
	authType    string // "" when not set
	serviceType string // "" when not set
}

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
	if sec == sectionAll && len(c.acls) > 0 {
		var nums []int
		for n := range c.acls {
			nums = append(nums, n)
		}
		sort.Ints(nums)
		for _, n := range nums {
			fmt.Fprintf(&b, "acl number %d\n", n)
			for _, r := range c.acls[n].rules {
				fmt.Fprintf(&b, " %s\n", r)
			}
			b.WriteString("#\n")
		}
	}
	if sec == sectionAll || sec == sectionAAA {
		b.WriteString("aaa\n")
		b.WriteString(" authentication-scheme default\n authorization-scheme default\n accounting-scheme default\n domain default\n domain default_admin\n")
		d.mu.Unlock()
		renderUsers(&b, users)
		d.mu.Lock()
		b.WriteString("#\n")
	}
	if sec == sectionAll || sec == sectionGlobal {
		if c.stelnet || len(c.sshUsers) > 0 {
			if c.stelnet {
				b.WriteString(" stelnet server enable\n")
			}
			for _, u := range c.sshUsers {
				fmt.Fprintf(&b, " ssh user %s\n", u.name)
				if u.authType != "" {
					fmt.Fprintf(&b, " ssh user %s authentication-type %s\n", u.name, u.authType)
				}
				if u.serviceType != "" {
					fmt.Fprintf(&b, " ssh user %s service-type %s\n", u.name, u.serviceType)
				}
			}
			b.WriteString("#\n")
		}
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

func renderFTPServer(b *strings.Builder, f ftpServerConfig) {
	if f.port != defaultFTPPort {
		fmt.Fprintf(b, " ftp server port %d\n", f.port)
	}
	if f.maxSessions != defaultFTPMaxSessions {
		fmt.Fprintf(b, " ftp server max-sessions %d\n", f.maxSessions)
	}
	if f.timeout != defaultFTPTimeout {
		fmt.Fprintf(b, " ftp timeout %d\n", int(f.timeout/time.Minute))
	}
	if f.acl != 0 {
		fmt.Fprintf(b, " ftp acl %d\n", f.acl)
	}
	if f.source.IsValid() {
		fmt.Fprintf(b, " ftp server-source -a %s\n", f.source)
	}
	if f.enabled {
		b.WriteString(" ftp server enable\n")
	}
	if f.defaultDir != "" {
		fmt.Fprintf(b, " set default ftp-directory %s\n", f.defaultDir)
	}
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

func renderUsers(b *strings.Builder, db *aaa.DB) {
	p := db.LockoutPolicy()
	def := aaa.DefaultLockoutPolicy()
	switch {
	case !p.Enabled:
		b.WriteString(" undo local-aaa-user wrong-password\n")
	case p != def:
		fmt.Fprintf(b, " local-aaa-user wrong-password retry-interval %d retry-time %d block-time %d\n",
			int(p.RetryInterval/time.Minute), p.RetryTime, int(p.BlockTime/time.Minute))
	}
	for _, u := range db.Users() {
		if ct, ok := db.CipherText(u.Name); ok {
			kind := "cipher"
			if u.PasswordKind == aaa.IrreversibleCipher {
				kind = "irreversible-cipher"
			}
			fmt.Fprintf(b, " local-user %s password %s %s\n", u.Name, kind, ct)
		}
		if u.Privilege >= 0 {
			fmt.Fprintf(b, " local-user %s privilege level %d\n", u.Name, u.Privilege)
		}
		if u.FTPDirectory != "" {
			fmt.Fprintf(b, " local-user %s ftp-directory %s\n", u.Name, u.FTPDirectory)
		}
		if u.AccessLimit > 0 {
			fmt.Fprintf(b, " local-user %s access-limit %d\n", u.Name, u.AccessLimit)
		}
		if u.IdleTimeoutSet {
			fmt.Fprintf(b, " local-user %s idle-timeout %d %d\n", u.Name, int(u.IdleTimeout/time.Minute), int(u.IdleTimeout%time.Minute/time.Second))
		}
		if u.State == aaa.StateBlock {
			fmt.Fprintf(b, " local-user %s state block\n", u.Name)
		}
		if u.Services != 0 {
			fmt.Fprintf(b, " local-user %s service-type %s\n", u.Name, strings.Join(u.Services.Words(), " "))
		}
	}
}

// Configuration files: NAME.cfg holds the text; NAME.zip a zip archive whose
// one member holds it, as on the device.

// readConfigFile reads a .cfg or .zip configuration file from flash.
func readConfigFile(fs flash.FS, path string) (string, error) {
	f, err := fs.Open(path)
	if err != nil {
		return "", fmt.Errorf("read configuration %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return "", fmt.Errorf("read configuration %s: %w", path, err)
	}
	if len(data) > maxConfigSize {
		return "", fmt.Errorf("read configuration %s: file too large", path)
	}
	if !strings.HasSuffix(strings.ToLower(path), ".zip") {
		return string(data), nil
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", fmt.Errorf("read configuration %s: %w", path, err)
	}
	if len(zr.File) != 1 {
		return "", fmt.Errorf("read configuration %s: the archive holds %d files, want 1", path, len(zr.File))
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		return "", fmt.Errorf("read configuration %s: %w", path, err)
	}
	defer rc.Close()
	text, err := io.ReadAll(io.LimitReader(rc, maxConfigSize+1))
	if err != nil {
		return "", fmt.Errorf("read configuration %s: %w", path, err)
	}
	if len(text) > maxConfigSize {
		return "", fmt.Errorf("read configuration %s: file too large", path)
	}
	return string(text), nil
}

const maxConfigSize = 8 << 20

// writeConfigFile writes a configuration file atomically.
func writeConfigFile(fs flash.FS, path, text string, now time.Time) error {
	data := []byte(text)
	if strings.HasSuffix(strings.ToLower(path), ".zip") {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		hdr := &zip.FileHeader{Name: "vrpcfg.cfg", Method: zip.Deflate, Modified: now}
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, text); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		data = buf.Bytes()
	}
	w, err := fs.Create(path, 0)
	if err != nil {
		return fmt.Errorf("write configuration %s: %w", path, err)
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		return fmt.Errorf("write configuration %s: %w", path, err)
	}
	if err := w.Commit(); err != nil {
		return fmt.Errorf("write configuration %s: %w", path, err)
	}
	return nil
}
