package vrp

import (
	"fmt"
	"strings"
	"time"
)

// Profile is a device model: the texts in which models differ where
// people and tools read them (display version, the save dialogue, the dir
// header, the hardware displays). A device's model is fixed when it is
// created (Options.Model); the grammar is the same for every model but
// for the interface names, which are its Ports' (see grammars).
type Profile struct {
	// Model is the name the device is chosen by (--model, the lab file's
	// model:): "AR2220", "S5720".
	Model string
	// Switch is true for the S-series: their save asks
	// "Are you sure to continue?[Y/N]" and their dir header says "Time".
	Switch bool
	// Sysname is the factory sysname ("Huawei", "HUAWEI").
	Sysname string
	// Board is the product name display version and display device show
	// ("AR2220", "S5720-28X-SI-AC").
	Board string
	// Release is the software release, "V200R007C00SPC600".
	Release string
	// Software is the system software file display startup names.
	Software string
	// ESN is the equipment serial number (display esn,
	// display device manufacture-info).
	ESN string
	// Ports are the device's fixed Ethernet ports, in display order.
	Ports []string
}

// Model names.
const (
	ModelAR2220 = "AR2220"
	ModelS5720  = "S5720"
)

// Models lists the device models a device can be, the default first.
func Models() []string { return []string{ModelAR2220, ModelS5720} }

// LookupProfile returns the profile of a model (case-insensitive; "" is
// the default, AR2220).
func LookupProfile(model string) (*Profile, error) {
	switch strings.ToUpper(model) {
	case "", ModelAR2220:
		return &Profile{
			Model:    ModelAR2220,
			Sysname:  "Huawei",
			Board:    "AR2220",
			Release:  "V200R007C00SPC600",
			Software: "ar2220E-V200R007C00SPC600.cc",
			ESN:      "2102350DQY10F6000093",
			Ports:    []string{"GigabitEthernet0/0/0", "GigabitEthernet0/0/1", "GigabitEthernet0/0/2"},
		}, nil
	case ModelS5720:
		ports := make([]string, 0, 28)
		for i := 1; i <= 24; i++ {
			ports = append(ports, fmt.Sprintf("GigabitEthernet0/0/%d", i))
		}
		for i := 1; i <= 4; i++ {
			ports = append(ports, fmt.Sprintf("XGigabitEthernet0/0/%d", i))
		}
		return &Profile{
			Model:    ModelS5720,
			Sysname:  "HUAWEI",
			Switch:   true,
			Board:    "S5720-28X-SI-AC",
			Release:  "V200R011C10SPC500",
			Software: "s5720-si-v200r011c10spc500.cc",
			ESN:      "021KTS10H9000137",
			Ports:    ports,
		}, nil
	}
	return nil, fmt.Errorf("unknown device model %q (known: %s)", model, strings.Join(Models(), ", "))
}

// Profile is the device's model.
func (d *Device) Profile() *Profile { return d.profile }

// configTag is the first line of the rendered configuration.
func (p *Profile) configTag() string {
	if p.Switch {
		return "!Software Version " + p.Release
	}
	return "[" + p.Release + "]"
}

// dirHeader is the header line of dir's listing.
func (p *Profile) dirHeader() string {
	if p.Switch {
		return "  Idx  Attr     Size(Byte)  Date        Time       FileName \n"
	}
	return "  Idx  Attr     Size(Byte)  Date        Time(LMT)  FileName \n"
}

// question is how the model asks a yes/no question written in the AR's
// form ("Delete flash:/a.txt? (y/n)[n]:"): the S-series asks
// "Delete flash:/a.txt?[Y/N]:".
func (p *Profile) question(q string) string {
	if base, ok := strings.CutSuffix(q, "? (y/n)[n]:"); ok && p.Switch {
		return base + "?[Y/N]:"
	}
	return q
}

// deleted is the line that reports a deleted file.
func (p *Profile) deleted(path string) string {
	if p.Switch {
		return "Info: Deleting file " + path + "...succeeded.\n"
	}
	return "Info: Deleting file " + path + "...succeed.\n"
}

// versionText is display version's answer after up of uptime.
func (p *Profile) versionText(up time.Duration) string {
	if p.Switch {
		return "Huawei Versatile Routing Platform Software\n" +
			"VRP (R) software, Version 5.170 (S5720 " + p.Release + ")\n" +
			"Copyright (C) 2000-2018 HUAWEI TECH Co., Ltd.\n" +
			"HUAWEI " + p.Board + " Routing Switch uptime is " + uptime(up) + "\n" +
			"\n" +
			"ES5D2X28S000 0(Master) : uptime is " + uptime(up) + "\n" +
			"DDR             Memory Size : 512   M bytes\n" +
			"FLASH Total     Memory Size : 512   M bytes\n" +
			"FLASH Available Memory Size : 361   M bytes\n" +
			"Pcb           Version   : VER.A\n" +
			"BootROM       Version   : 0214.0000\n" +
			"BootLoad      Version   : 0214.0000\n" +
			"Software      Version   : VRP (R) Software, Version 5.170 (" + p.Release + ")\n" +
			"FLASH         Version   : 0000.0000\n"
	}
	return "Huawei Versatile Routing Platform Software\n" +
		"VRP (R) software, Version 5.160 (AR2200 " + p.Release + ")\n" +
		"Copyright (C) 2011-2016 HUAWEI TECH CO., LTD\n" +
		"Huawei " + p.Board + " Router uptime is " + uptime(up) + "\n" +
		"BKP 0 version information: \n" +
		"1. PCB      Version  : AR01BAK2A VER.NC\n" +
		"2. If Supporting PoE : No\n" +
		"3. Board    Type     : " + p.Board + "\n" +
		"4. MPU Slot  Quantity : 1\n" +
		"5. LPU Slot  Quantity : 6\n" +
		"\n" +
		"MPU 0(Master) : uptime is " + uptime(up) + "\n" +
		"MPU version information : \n" +
		"1. PCB      Version  : AR01SRU2A VER.A\n" +
		"2. MAB      Version  : 0\n" +
		"3. Board    Type     : " + p.Board + "\n" +
		"4. BootROM  Version  : 0\n"
}

// deviceText is display device's answer.
func (p *Profile) deviceText() string {
	if p.Switch {
		return p.Board + "'s Device status:\n" +
			"Slot  Sub  Type                   Online    Power    Register     Status   Role  \n" +
			"-------------------------------------------------------------------------------\n" +
			"0     -    S5720-28X-SI           Present   PowerOn  Registered   Normal   Master\n"
	}
	return p.Board + "'s Device status:\n" +
		"Slot Sub  Type                   Online    Power    Register     Status   Role  \n" +
		"-------------------------------------------------------------------------------\n" +
		"0    -    " + fmt.Sprintf("%-23s", p.Board) + "Present   PowerOn  Registered   Normal   Master\n"
}

// manufactureText is display device manufacture-info's answer.
func (p *Profile) manufactureText() string {
	return "Slot  Sub  Serial-number          Manu-date\n" +
		"- - - - - - - - - - - - - - - - - - - - - -\n" +
		fmt.Sprintf("0     -    %-23s%s\n", p.ESN, "2016-06-15")
}

// esnText is display esn's answer.
func (p *Profile) esnText() string { return "ESN of slot 0: " + p.ESN + "\n" }

// startupText is display startup's answer, given the files the device
// booted from and boots next ("" for none).
func (p *Profile) startupText(booted, next string) string {
	orNull := func(s string) string {
		if s == "" {
			return "null"
		}
		return s
	}
	sw := "flash:/" + p.Software
	if p.Switch {
		return "MainBoard:\n" +
			"  Configured startup system software:        " + sw + "\n" +
			"  Startup system software:                   " + sw + "\n" +
			"  Next startup system software:              " + sw + "\n" +
			"  Startup saved-configuration file:          " + orNull(booted) + "\n" +
			"  Next startup saved-configuration file:     " + orNull(next) + "\n" +
			"  Startup paf file:                          default\n" +
			"  Next startup paf file:                     default\n" +
			"  Startup license file:                      default\n" +
			"  Next startup license file:                 default\n" +
			"  Startup patch package:                     NULL\n" +
			"  Next startup patch package:                NULL\n"
	}
	return "MainBoard:\n" +
		"  Startup system software:                   " + sw + "\n" +
		"  Next startup system software:              " + sw + "\n" +
		"  Backup system software for next startup:   null\n" +
		"  Startup saved-configuration file:          " + orNull(booted) + "\n" +
		"  Next startup saved-configuration file:     " + orNull(next) + "\n" +
		"  Startup license file:                      null\n" +
		"  Next startup license file:                 null\n" +
		"  Startup patch package:                     null\n" +
		"  Next startup patch package:                null\n" +
		"  Startup voice-files:                       null\n" +
		"  Next startup voice-files:                  null\n"
}
