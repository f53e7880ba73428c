package vrp

import "github.com/vrpsim/vrpsim/vrp/cli"

// platformCommands are the hardware displays that configuration-backup
// tools collect (RANCID's vrp type, NAPALM's get_facts); their texts come
// from the device's model (platform.go).
func platformCommands() []*command {
	words := map[string]string{
		"device":           "Device status",
		"manufacture-info": "Manufacture information",
		"transceiver":      "Transceiver information",
		"verbose":          "Detailed information",
		"debugging":        "Debugging switches",
		"esn":              "Equipment serial number",
	}
	cmd := func(syntax, help string, run cli.Handler[*callEnv]) *command {
		return &command{Views: all, Syntax: syntax, Level: 1, Filter: true, Help: help, Run: run, Words: words}
	}
	return []*command{
		cmd("display device", "Display the status of the boards", runDisplayDevice),
		cmd("display device manufacture-info", "Display the manufacture information of the boards", runDisplayDeviceManufactureInfo),
		cmd("display transceiver [ verbose ]", "Display the optical transceivers (the fixed ports are electrical: none)", runDisplayTransceiver),
		cmd("display debugging", "Display the debugging switches that are on (none)", runDisplayDebugging),
		cmd("display esn", "Display the equipment serial number", runDisplayESN),
	}
}

func runDisplayDevice(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.profile.deviceText())
	return nil
}

func runDisplayDeviceManufactureInfo(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.profile.manufactureText())
	return nil
}

// runDisplayTransceiver prints nothing: the modelled ports hold no
// optical module.
func runDisplayTransceiver(e *callEnv, c *cli.Call) error { return nil }

// runDisplayDebugging prints nothing: no debugging is ever switched on.
func runDisplayDebugging(e *callEnv, c *cli.Call) error { return nil }

func runDisplayESN(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.profile.esnText())
	return nil
}
