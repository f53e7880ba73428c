package vrp

import (
	"fmt"
	"net"
	"time"

	"github.com/vrpsim/vrpsim/flash"
)

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
func (d *Device) BootError() error { return d.bootErr }

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
	return d.replay(text)
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
