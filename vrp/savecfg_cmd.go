package vrp

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp/cli"
)

func configFileCommands() []*command {
	return []*command{
		{Views: userView, Syntax: "save [ <file-name> ]", Level: 2, Help: "Save the running configuration", Run: runSave},
		{Views: userView, Syntax: "startup saved-configuration <file-name>", Level: 3, Help: "Set the configuration file for the next startup", Run: runStartupSavedConfiguration},
		{Views: systemView, Syntax: "undo startup saved-configuration", Level: 3, Help: "Clear the configuration file for the next startup", Run: runUndoStartupSavedConfiguration},
		{Views: userView, Syntax: "reset saved-configuration", Level: 3, Help: "Erase the configuration file for the next startup", Run: runResetSavedConfiguration},
		{Views: userView, Syntax: "compare configuration", Level: 3, Help: "Compare the running configuration with the next startup file", Run: runCompareConfiguration},
		{Views: userView, Syntax: "reboot", Level: 3, Help: "Reboot the device", Run: runReboot},
	}
}

func runStartupSavedConfiguration(e *callEnv, c *cli.Call) error {
	path, err := configFileName(c.Value("file-name"))
	if err != nil {
		return err
	}
	if _, err := e.dev.fs.Stat(path); err != nil {
		return refuse("Error: The file does not exist.")
	}
	if err := e.dev.setStartup(path); err != nil {
		return fmt.Errorf("set the startup file: %w", err)
	}
	e.Print("Info: Succeeded in setting the configuration for booting system.\n")
	return nil
}

func runUndoStartupSavedConfiguration(e *callEnv, c *cli.Call) error {
	if err := e.dev.setStartup(""); err != nil {
		return fmt.Errorf("clear the startup file: %w", err)
	}
	e.Print("Info: Succeeded in clearing the configuration for booting system.\n")
	return nil
}

func runResetSavedConfiguration(e *callEnv, c *cli.Call) error {
	e.Print("This will delete the configuration in the flash memory.\n" +
		"The device configurations will be erased to reconfigure.\n")
	ok, err := e.confirm("Are you sure? (y/n)[n]:")
	if err != nil || !ok {
		return err
	}
	next := e.dev.nextStartup()
	if next == "" {
		return refuse("Error: The configuration file does not exist.")
	}
	if err := e.dev.fs.Remove(next, true); err != nil && !errors.Is(err, flash.ErrNotExist) {
		return fmt.Errorf("erase %s: %w", next, err)
	}
	if err := e.dev.setStartup(""); err != nil {
		return fmt.Errorf("clear the startup file: %w", err)
	}
	e.dev.logf("CFM", 4, "RST_CFG", "The user chose Y when deciding whether to reset the saved configuration.")
	e.Print(" Clear the configuration in the device successfully.\n")
	return nil
}

func runCompareConfiguration(e *callEnv, c *cli.Call) error {
	next := e.dev.nextStartup()
	saved := ""
	if next != "" {
		text, err := readConfigFile(e.dev.fs, next)
		if err == nil {
			saved = text
		}
	}
	e.Print(compareText(e.dev.render(sectionAll), saved))
	return nil
}

// configFileName checks a configuration file name (5-64 characters, .cfg or
// .zip, in the root of flash) and returns its path.
func configFileName(name string) (string, error) {
	lower := strings.ToLower(name)
	if !strings.HasSuffix(lower, ".cfg") && !strings.HasSuffix(lower, ".zip") {
		return "", refuse("Error: The file name is invalid. The file name extension must be .cfg or .zip.")
	}
	path, err := flash.Resolve(flash.Device+"/", name)
	if err != nil {
		return "", refuse("Error: The file name is invalid.")
	}
	if strings.Count(strings.TrimPrefix(path, flash.Device+"/"), "/") > 0 {
		return "", refuse("Error: The configuration file must be in the root directory.")
	}
	return path, nil
}

func runSave(e *callEnv, c *cli.Call) error {
	d := e.dev
	if d.profile.Switch {
		return runSaveSwitch(e, c)
	}
	path := d.nextStartup()
	if name, ok := c.Lookup("file-name"); ok {
		p, err := configFileName(name)
		if err != nil {
			return err
		}
		path = p
		e.Print("  The current configuration will be written to " + path + ".\n")
	} else {
		if path == "" {
			path = defaultConfigFile
		}
		e.Print("  The current configuration will be written to the device.\n")
	}
	ok, err := e.confirm("  Are you sure to continue? (y/n)[n]:")
	if err != nil || !ok {
		return err
	}
	if err := saveTo(e, path); err != nil {
		return err
	}
	e.Print("  It will take several minutes to save configuration file, please wait.........\n" +
		"  Configuration file had been saved successfully\n" +
		"  Note: The configuration file will take effect after being activated\n")
	return nil
}

// runSaveSwitch is save on an S-series switch: a [Y/N] question and, the
// first time, the file name asked for (Enter takes vrpcfg.zip).
func runSaveSwitch(e *callEnv, c *cli.Call) error {
	d := e.dev
	path := d.nextStartup()
	name, named := c.Lookup("file-name")
	if named {
		p, err := configFileName(name)
		if err != nil {
			return err
		}
		path = p
	}
	if path == "" {
		e.Print("The current configuration will be written to the device.\n")
	} else {
		e.Print("The current configuration will be written to " + path + ".\n")
	}
	ok, err := e.confirm("Are you sure to continue?[Y/N]")
	if err != nil || !ok {
		return err
	}
	if path == "" {
		ans, err := e.Ask("Info: Please input the file name ( *.cfg, *.zip ) [vrpcfg.zip]:")
		if err != nil {
			e.Print("\n")
			return nil
		}
		path = defaultConfigFile
		if ans = strings.TrimSpace(ans); ans != "" {
			if path, err = configFileName(ans); err != nil {
				return err
			}
		}
	}
	e.Print("Now saving the current configuration to the slot 0.\n")
	if err := saveTo(e, path); err != nil {
		return err
	}
	e.Print("Info: Save the configuration successfully.\n")
	return nil
}

// saveTo writes the running configuration to path and makes it the next
// startup file when there is none.
func saveTo(e *callEnv, path string) error {
	d := e.dev
	if delay := time.Duration(d.faults().SaveDelay.Load()); delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-e.dev.ctx.Done():
			t.Stop()
		}
	}
	text := d.render(sectionAll)
	if err := writeConfigFile(d.fs, path, text, d.now()); err != nil {
		if errors.Is(err, flash.ErrNoSpace) {
			return refuse("Error: Failed to save the configuration file because the storage space is insufficient.")
		}
		return refuse("Error: Failed to save the configuration file.")
	}
	if d.nextStartup() == "" {
		if err := d.setStartup(path); err != nil {
			return fmt.Errorf("set the startup file: %w", err)
		}
	}
	if d.opts.Saved != nil && strings.EqualFold(d.nextStartup(), path) {
		if err := d.opts.Saved(path, text); err != nil {
			e.Print("Warning: The configuration was saved to " + path + ", but not to the configuration file outside the device: " + err.Error() + ".\n")
		}
	}
	d.logf("CFM", 4, "SAVE", "The user chose Y when deciding whether to save the configuration to the device.")
	return nil
}

// compareText renders compare configuration's answer.
func compareText(current, saved string) string {
	if saved == "" {
		return "Error: The next startup configuration file does not exist.\n"
	}
	a := strings.Split(strings.TrimRight(current, "\n"), "\n")
	b := strings.Split(strings.TrimRight(strings.ReplaceAll(saved, "\r\n", "\n"), "\n"), "\n")
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(a) && i == len(b) {
		return " The current configuration is the same as the next startup configuration file.\n"
	}
	excerpt := func(lines []string) string {
		end := min(len(lines), i+8)
		if i >= end {
			return ""
		}
		return strings.Join(lines[i:end], "\n") + "\n"
	}
	return "Warning: The current configuration is not the same as the next startup configuration file. " +
		"There may be several differences, and the following are some configurations beginning from the first:\n" +
		fmt.Sprintf("====== Current configuration line %d ======\n", i+1) + excerpt(a) +
		fmt.Sprintf("====== Configuration file line %d ======\n", i+1) + excerpt(b)
}

// runReboot asks to save a configuration that differs from the next startup
// file, then to reboot, and reboots: every session ends and the device boots
// its next startup file.
func runReboot(e *callEnv, c *cli.Call) error {
	d := e.dev
	e.Print("Info: The system is now comparing the configuration, please wait.\n")
	next := d.nextStartup()
	current := d.render(sectionAll)
	saved := ""
	if next != "" {
		if text, err := readConfigFile(d.fs, next); err == nil {
			saved = text
		}
	}
	if strings.ReplaceAll(saved, "\r\n", "\n") != current {
		save, err := e.confirm("Warning: All the configuration will be saved to the next startup configuration. Continue ? [y/n]:")
		if err != nil {
			return err
		}
		if save {
			path := next
			if path == "" {
				path = defaultConfigFile
			}
			if err := writeConfigFile(d.fs, path, current, d.now()); err != nil {
				if errors.Is(err, flash.ErrNoSpace) {
					return refuse("Error: Failed to save the configuration file because the storage space is insufficient.")
				}
				return refuse("Error: Failed to save the configuration file.")
			}
			if next == "" {
				if err := d.setStartup(path); err != nil {
					return fmt.Errorf("set the startup file: %w", err)
				}
			}
			d.logf("CFM", 4, "SAVE", "The user chose Y when deciding whether to save the configuration to the device.")
		}
	}
	ok, err := e.confirm("System will reboot! Continue ? [y/n]:")
	if err != nil || !ok {
		return err
	}
	d.logf("CMD", 4, "REBOOT", "The user chose Y when deciding whether to reboot the system. (Task=VT%d, Ip=%s, VpnName=, User=%s)", max(e.vty, 0), logSource(e.info.Remote.Addr()), e.info.User)
	e.Print("Info: system is rebooting ,please wait...\n")
	e.out.flush()
	d.Reboot()
	return nil
}
