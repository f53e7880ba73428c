package vrp

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/flash"
)

// defaultConfigFile is the file save proposes when no startup file is set.
const defaultConfigFile = "flash:/vrpcfg.zip"

// ConfigError is a line of a configuration that the device refuses.
type ConfigError struct {
	Line int    // 1-based
	Text string // the line, trimmed
	Err  error  // the device's complaint
}

func (e *ConfigError) Error() string { return fmt.Sprintf("line %d %q: %v", e.Line, e.Text, e.Err) }

func (e *ConfigError) Unwrap() error { return e.Err }

// BootError reports why the device did not boot its startup configuration
// (and booted the default instead): a *ConfigError, or the error reading the
// file. It is nil when the startup file was booted or there was none.
func (d *Device) BootError() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bootErr
}

// CheckConfig replays a configuration text on a scratch device, as a boot
// would, and returns the first line it refuses as a *ConfigError. Nothing is
// listened on.
func CheckConfig(text string) error {
	d, err := New(Options{
		Flash: flash.NewMemory(flash.Options{}),
		Listen: func(string, string) (net.Listener, error) {
			return nil, fmt.Errorf("a configuration check listens on nothing")
		},
	})
	if err != nil {
		return err
	}
	defer d.Close()
	d.reset()
	return d.replay(text, nil)
}

// SeedStartup makes text the startup configuration of a flash that names
// none yet, as save followed by startup saved-configuration would: it writes
// flash:/vrpcfg.cfg and records it as the next startup file. It reports
// whether it wrote anything.
func SeedStartup(fs flash.FS, text string) (bool, error) {
	if startupName(fs) != "" {
		return false, nil
	}
	const name = "flash:/vrpcfg.cfg"
	if err := writeConfigFile(fs, name, text, time.Now()); err != nil {
		return false, err
	}
	if err := writeStartupName(fs, name); err != nil {
		return false, fmt.Errorf("record the startup file: %w", err)
	}
	return true, nil
}

// startupNameFile keeps the name of the next startup configuration file, as the
// device's NVRAM does.
const startupNameFile = "flash:/private-data.txt"

// startupName returns the next startup file a flash names ("" for none):
// the one recorded in startupNameFile, else flash:/vrpcfg.zip when it exists.
func startupName(fs flash.FS) string {
	f, err := fs.Open(startupNameFile)
	if err != nil {
		if _, err := fs.Stat(defaultConfigFile); err == nil {
			return defaultConfigFile
		}
		return ""
	}
	defer f.Close()
	var buf bytes.Buffer
	buf.ReadFrom(io.LimitReader(f, 64<<10))
	for _, line := range strings.Split(buf.String(), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "startup-configuration="); ok {
			return v
		}
	}
	return ""
}

func (d *Device) writeStartupName(name string) error { return writeStartupName(d.fs, name) }

func writeStartupName(fs flash.FS, name string) error {
	w, err := fs.Create(startupNameFile, 0)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "startup-configuration=%s\n", name); err != nil {
		w.Abort()
		return err
	}
	return w.Commit()
}

// bootConfig replays the startup file, falling back to the default.
func (d *Device) bootConfig() {
	d.mu.Lock()
	startup := d.startup
	d.mu.Unlock()
	if startup != "" {
		text, err := readConfigFile(d.fs, startup)
		if err == nil {
			err = d.replay(text, nil)
			if err == nil {
				d.mu.Lock()
				d.booted = startup
				d.mu.Unlock()
				return
			}
			var ce *ConfigError
			errors.As(err, &ce)
			d.logf("CFM", 3, "RESTORE_FAIL", "Failed to restore the configuration file %s at line %d (%q): %v. The device booted with the default configuration.", startup, ce.Line, ce.Text, ce.Err)
		} else {
			d.logf("CFM", 3, "RESTORE_FAIL", "Failed to read the configuration file %s: %v. The device booted with the default configuration.", startup, err)
		}
		d.mu.Lock()
		d.bootErr = err
		d.mu.Unlock()
		d.reset()
	}
	if err := d.replay(d.opts.DefaultConfig, nil); err != nil {
		d.logf("CFM", 3, "RESTORE_FAIL", "Failed to restore the default configuration: %v.", err)
		d.reset()
	}
}

func (d *Device) nextStartup() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.startup
}

func (d *Device) startupText() string {
	d.mu.Lock()
	booted, next := d.booted, d.startup
	d.mu.Unlock()
	return d.profile.startupText(booted, next)
}

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

func (d *Device) setStartup(path string) error {
	if err := d.writeStartupName(path); err != nil {
		return err
	}
	d.mu.Lock()
	d.startup = path
	d.mu.Unlock()
	return nil
}

// Reboot restarts the device as the reboot command does, without saving:
// every CLI session ends (its front end closes the connection), the FTP
// server stops with its sessions, and the device boots its next startup
// file (or the default configuration) and starts the servers that
// configuration enables. The flash and the log stay as they are.
func (d *Device) Reboot() {
	d.mu.Lock()
	ss := append([]*Session(nil), d.sessions...)
	d.mu.Unlock()
	for _, s := range ss {
		s.Close()
	}
	d.reset() // stops the FTP server
	d.mu.Lock()
	d.boot = d.now()
	d.booted, d.bootErr = "", nil
	d.mu.Unlock()
	next := startupName(d.fs)
	d.mu.Lock()
	d.startup = next
	d.mu.Unlock()
	d.bootConfig()
	d.startServices()
	d.logf("SYSTEM", 4, "REBOOT", "The device rebooted. (StartupFile=%s)", orNull(next))
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}
