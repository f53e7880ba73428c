package lab

import (
	"fmt"

	"github.com/vrpsim/vrpsim/vrp"
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
