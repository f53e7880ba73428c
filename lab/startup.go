package lab

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/vrpsim/vrpsim/vrp"
)

// checkStartups reads every startup configuration the file names and boots
// it once on a scratch device, so that a configuration the device would
// refuse is an error of the lab file rather than a surprise after start.
func (f *File) checkStartups() error {
	f.startups = map[string]string{}
	for _, d := range f.Devices {
		if d.Config != "" {
			if err := checkConfigFile(d.Config); err != nil {
				return &Error{File: f.Name, Line: d.Line, Err: fmt.Errorf("device %s: configuration %s: %w", d.Sysname, d.Config, err)}
			}
		}
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
		if err := vrp.CheckConfig(text); err != nil {
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

// checkConfigFile checks a device's configuration file outside its flash: a
// missing one is no error (nothing was saved yet).
func checkConfigFile(path string) error {
	data, err := readLimited(path, maxStartupSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return vrp.CheckConfig(string(data))
}

// seedText is the configuration a device boots when its flash holds no
// startup configuration: its configuration file when that exists, else its
// startup configuration ("" for none).
func (n *node) seedText() (string, error) {
	if n.spec.Config != "" {
		data, err := readLimited(n.spec.Config, maxStartupSize)
		if err == nil {
			return string(data), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("configuration %s: %w", n.spec.Config, err)
		}
	}
	if n.spec.Startup == "" {
		return "", nil
	}
	text, err := n.lab.file.startupText(n.spec.Startup)
	if err != nil {
		return "", fmt.Errorf("startup configuration: %w", err)
	}
	return text, nil
}

// writeConfig writes a saved configuration back to the device's
// configuration file, in place: the file may be a bind mount (a container
// cannot replace it by a rename), and its owner and mode stay.
func writeConfig(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
