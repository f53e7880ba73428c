package lab

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"

	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp"
)

// Where a device keeps its configuration (see package vrp).
const (
	startupFile     = "flash:/vrpcfg.cfg"
	startupNameFile = "flash:/private-data.txt"
	savedZip        = "flash:/vrpcfg.zip"
)

// checkStartups reads every startup configuration the file names and boots
// it once on a scratch device, so that a configuration the device would
// refuse is an error of the lab file rather than a surprise after start.
func (f *File) checkStartups() error {
	f.startups = map[string]string{}
	for _, d := range f.Devices {
		if d.Startup == "" {
			continue
		}
		if _, ok := f.startups[d.Startup]; ok {
			continue
		}
		data, err := readLimited(d.Startup, maxStartupSize)
		if err != nil {
			return &Error{File: f.Name, Line: d.Line, Err: fmt.Errorf("device %s: startup configuration: %w", d.Sysname, err)}
		}
		text := string(data)
		if err := checkConfig(text); err != nil {
			return &Error{File: f.Name, Line: d.Line, Err: fmt.Errorf("device %s: startup configuration %s: %w", d.Sysname, d.Startup, err)}
		}
		f.startups[d.Startup] = text
	}
	return nil
}

// startupText returns the startup configuration at path, read by Load or now.
func (f *File) startupText(path string) (string, error) {
	if text, ok := f.startups[path]; ok {
		return text, nil
	}
	data, err := readLimited(path, maxStartupSize)
	if err != nil {
		return "", err
	}
	return string(data), nil
}

// checkConfig boots text on a scratch device whose listeners are never
// reachable and reports the line the device refuses.
func checkConfig(text string) error {
	fs := flash.NewMemory(flash.Options{})
	if _, err := seedStartup(fs, text); err != nil {
		return err
	}
	dev, err := vrp.New(vrp.Options{Flash: fs, Listen: func(string, string) (net.Listener, error) {
		return newIdleListener(), nil
	}})
	if err != nil {
		return err
	}
	defer dev.Close()
	if msg := bootFailure(dev); msg != "" {
		return errors.New(restoreReason(msg))
	}
	return nil
}

// restoreReason shortens the device's RESTORE_FAIL message about the seeded
// startup file to the line and the reason.
func restoreReason(msg string) string {
	rest, ok := strings.CutPrefix(msg, "Failed to restore the configuration file "+startupFile+" at line ")
	if !ok {
		return msg
	}
	rest = strings.TrimSuffix(rest, " The device booted with the default configuration.")
	num, rest, ok := strings.Cut(rest, " ")
	if !ok {
		return msg
	}
	rest = strings.TrimSuffix(strings.TrimPrefix(rest, "("), ".")
	if q, reason, ok := strings.Cut(rest, "): "); ok {
		return fmt.Sprintf("line %s %s: %s", num, q, reason)
	}
	return "line " + num + " " + rest
}

// bootFailure returns the device's complaint about its startup configuration,
// "" when it booted it.
func bootFailure(dev *vrp.Device) string {
	for _, line := range dev.Log() {
		if !strings.Contains(line, "/RESTORE_FAIL(") {
			continue
		}
		if _, text, ok := strings.Cut(line, "]:"); ok {
			return text
		}
		return line
	}
	return ""
}

// seedStartup makes text the startup configuration of a flash that has
// none yet: it writes flash:/vrpcfg.cfg and names it as the next startup
// file, as "save" followed by "startup saved-configuration" would. It
// reports whether it wrote anything.
func seedStartup(fs flash.FS, text string) (bool, error) {
	if has, err := hasStartup(fs); err != nil || has {
		return false, err
	}
	if err := writeFlashFile(fs, startupFile, text); err != nil {
		return false, err
	}
	if err := writeFlashFile(fs, startupNameFile, "startup-configuration="+startupFile+"\n"); err != nil {
		return false, err
	}
	return true, nil
}

// hasStartup reports whether a flash names a startup configuration, as the
// device reads it at boot.
func hasStartup(fs flash.FS) (bool, error) {
	f, err := fs.Open(startupNameFile)
	if errors.Is(err, flash.ErrNotExist) {
		if _, err := fs.Stat(savedZip); err == nil {
			return true, nil
		} else if !errors.Is(err, flash.ErrNotExist) {
			return false, err
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "startup-configuration="); ok && v != "" {
			return true, nil
		}
	}
	return false, nil
}

func writeFlashFile(fs flash.FS, name, text string) error {
	w, err := fs.Create(name, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := io.WriteString(w, text); err != nil {
		w.Abort()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := w.Commit(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// idleListener accepts nothing until it is closed.
type idleListener struct {
	once   sync.Once
	closed chan struct{}
}

func newIdleListener() *idleListener { return &idleListener{closed: make(chan struct{})} }

func (l *idleListener) Accept() (net.Conn, error) {
	<-l.closed
	return nil, net.ErrClosed
}

func (l *idleListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *idleListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 21} }
