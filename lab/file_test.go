package lab

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParse(t *testing.T) {
	text := `# a lab
admin: 127.0.0.1:9022
defaults:
  ssh-port: 2222
  data-root: data
devices:
  - sysname: R1
    address: 127.0.1.1
    startup: configs/R1.cfg
  - sysname: R2
    address: 127.0.1.2
    ssh-port: 22
    ftp-port: 2121
    telnet-port: 2323
    flash: memory
    model: s5720
  - sysname: R3
    address: "::1"
    data: /var/lib/r3
`
	f, err := Parse("/labs/lab.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := &File{Name: "/labs/lab.yaml", Admin: "127.0.0.1:9022", AdminLine: 2, Devices: []Device{
		{Sysname: "R1", Address: netip.MustParseAddr("127.0.1.1"), SSHPort: 2222, FTPPort: 21, Flash: FlashDisk,
			Data: "/labs/data/R1", Startup: "/labs/configs/R1.cfg", Line: 7},
		{Sysname: "R2", Address: netip.MustParseAddr("127.0.1.2"), SSHPort: 22, FTPPort: 2121, TelnetPort: 2323, Flash: FlashMemory, Model: "S5720", Line: 10},
		{Sysname: "R3", Address: netip.MustParseAddr("::1"), SSHPort: 2222, FTPPort: 21, Flash: FlashDisk, Data: "/var/lib/r3", Line: 17},
	}}
	if diff := cmp.Diff(want, f, cmpopts.IgnoreUnexported(File{}), cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
}

func TestParseDefaults(t *testing.T) {
	f, err := Parse("lab.yaml", []byte("devices:\n- {sysname: A, address: 127.0.1.1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := f.Devices[0]
	want := Device{Sysname: "A", Address: netip.MustParseAddr("127.0.1.1"), SSHPort: 22, FTPPort: 21, Flash: FlashMemory, Line: 2}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseEnvironment(t *testing.T) {
	env := map[string]string{"NAME": "R7", "ADDR": "127.0.1.7", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	text := "devices:\n  - sysname: ${NAME}\n    address: ${ADDR}\n    startup: ${EMPTY}\n    data: /d/$x/${NAME}-${NAME}\n"
	f, err := ParseEnv("lab.yaml", []byte(text), lookup)
	if err != nil {
		t.Fatal(err)
	}
	want := Device{Sysname: "R7", Address: netip.MustParseAddr("127.0.1.7"), SSHPort: 22, FTPPort: 21, Flash: FlashDisk, Data: "/d/$x/R7-R7", Line: 2}
	if diff := cmp.Diff(want, f.Devices[0], cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, tt := range []struct{ text, want string }{
		{"devices:\n  - sysname: R1\n    address: ${UNSET}\n", "lab.yaml:3: address: ${UNSET}: the environment variable UNSET is not set"},
		{"devices:\n  - sysname: R1\n    address: ${ADDR\n", `lab.yaml:3: address: "${ADDR": unterminated ${`},
		{"devices:\n  - sysname: R1\n    address: ${1A}\n", "lab.yaml:3: address: ${1A}: not a variable name"},
	} {
		_, err := ParseEnv("lab.yaml", []byte(tt.text), lookup)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: %v, want %s", tt.text, err, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"empty", "", "lab.yaml: the file is empty: it needs a devices list"},
		{"comment only", "# nothing\n", "lab.yaml: the file is empty: it needs a devices list"},
		{"syntax", "devices:\n  - sysname: R1\n    address: x: y\n", "lab.yaml:3: YAML syntax: mapping values are not allowed in this context"},
		{"indentation", "devices:\n  - sysname: R1\n   address: x\n", "lab.yaml:1: YAML syntax: did not find expected '-' indicator"},
		{"tab", "devices:\n\t- sysname: R1\n", "lab.yaml:2: YAML syntax: found character that cannot start any token"},
		{"not a mapping", "- R1\n", "lab.yaml:1: the file must be a mapping with a devices list, not a list"},
		{"no devices", "admin: 127.0.0.1:1\n", "lab.yaml:1: no devices list"},
		{"devices not a list", "devices: R1\n", `lab.yaml:1: devices must be a list, not "R1"`},
		{"empty devices", "devices: []\n", "lab.yaml:1: the devices list is empty"},
		{"unknown top", "device:\n  - sysname: R1\n", `lab.yaml:1: unknown setting "device" (want admin, defaults, devices or instructor)`},
		{"unknown device key", "devices:\n  - sysname: R1\n    adress: 127.0.1.1\n",
			`lab.yaml:3: device 1: unknown setting "adress" (want sysname, address, model, listen, ssh-port, ftp-port, telnet-port, flash, data, startup or config)`},
		{"bad model", "devices:\n  - {sysname: R1, address: 127.0.1.1, model: NE40E}\n",
			`lab.yaml:2: model: "NE40E" is not a device model (want AR2220 or S5720)`},
		{"unknown default", "defaults:\n  port: 1\ndevices:\n  - {sysname: R1, address: 127.0.1.1}\n",
			`lab.yaml:2: defaults: unknown setting "port" (want model, ssh-port, ftp-port, telnet-port, listen, flash, data-root, startup or config)`},
		{"twice", "devices:\n  - sysname: R1\n    sysname: R2\n", "lab.yaml:3: sysname is set twice"},
		{"no sysname", "devices:\n  - address: 127.0.1.1\n", "lab.yaml:2: device 1 has no sysname"},
		{"bad listen", "devices:\n  - sysname: R1\n    listen: every\n", `lab.yaml:3: listen: "every" is not an IP address`},
		{"multicast listen", "defaults:\n  listen: 224.0.0.1\ndevices:\n  - sysname: R1\n", `lab.yaml:2: listen 224.0.0.1: is a multicast address`},
		{"same listen", "defaults:\n  listen: 127.0.1.9\ndevices:\n  - {sysname: R1, address: 127.0.1.1}\n  - {sysname: R2, address: 127.0.1.2}\n",
			"lab.yaml:5: device R2: ssh-port 127.0.1.9:22 is already used by R1's ssh-port"},
		{"device not a mapping", "devices:\n  - R1\n", `lab.yaml:2: device 1 must be a mapping of settings, not "R1"`},
		{"bad sysname", "devices:\n  - sysname: ../etc\n    address: 127.0.1.1\n",
			`lab.yaml:2: sysname "../etc": use letters, digits, '-', '_' and '.' (not first)`},
		{"long sysname", "devices:\n  - sysname: " + strings.Repeat("R", 65) + "\n    address: 127.0.1.1\n",
			`lab.yaml:2: sysname "` + strings.Repeat("R", 65) + `": longer than 64 characters`},
		{"bad address", "devices:\n  - sysname: R1\n    address: 127.0.1.300\n", `lab.yaml:3: address: "127.0.1.300" is not an IP address`},
		{"unspecified", "devices:\n  - sysname: R1\n    address: 0.0.0.0\n", "lab.yaml:3: address 0.0.0.0: is unspecified: a device needs its own address"},
		{"multicast", "devices:\n  - sysname: R1\n    address: 224.0.0.1\n", "lab.yaml:3: address 224.0.0.1: is a multicast address"},
		{"zone", "devices:\n  - sysname: R1\n    address: fe80::1%lo\n", `lab.yaml:3: address: "fe80::1%lo" is not an IP address`},
		{"address list", "devices:\n  - sysname: R1\n    address: [1]\n", "lab.yaml:3: address needs a value, not a list"},
		{"null", "devices:\n  - sysname: R1\n    address:\n", `lab.yaml:3: address needs a value, not ""`},
		{"bad port", "devices:\n  - sysname: R1\n    address: 127.0.1.1\n    ssh-port: 70000\n",
			`lab.yaml:4: ssh-port: "70000" is not a port number (0-65535, 0 for any free port)`},
		{"negative port", "devices:\n  - sysname: R1\n    address: 127.0.1.1\n    ftp-port: -1\n",
			`lab.yaml:4: ftp-port: "-1" is not a port number (0-65535, 0 for any free port)`},
		{"bad flash", "devices:\n  - sysname: R1\n    address: 127.0.1.1\n    flash: ssd\n", `lab.yaml:4: flash: "ssd" is neither memory nor disk`},
		{"disk without data", "devices:\n  - sysname: R1\n    address: 127.0.1.1\n    flash: disk\n",
			"lab.yaml:2: device R1: flash disk needs a data directory (data, or data-root in defaults)"},
		{"memory with data", "devices:\n  - sysname: R1\n    address: 127.0.1.1\n    flash: memory\n    data: d\n",
			"lab.yaml:4: device R1: flash memory and a data directory exclude each other"},
		{"same name", "devices:\n  - {sysname: R1, address: 127.0.1.1}\n  - {sysname: r1, address: 127.0.1.2}\n",
			"lab.yaml:3: device r1: the sysname is already used by the device at line 2"},
		{"same ssh address", "devices:\n  - {sysname: R1, address: 127.0.1.1}\n  - {sysname: R2, address: 127.0.1.1}\n",
			"lab.yaml:3: device R2: ssh-port 127.0.1.1:22 is already used by R1's ssh-port"},
		{"ftp on ssh port", "devices:\n  - {sysname: R1, address: 127.0.1.1, ftp-port: 22}\n",
			"lab.yaml:2: device R1: ftp-port 127.0.1.1:22 is already used by R1's ssh-port"},
		{"same data", "defaults: {data-root: d}\ndevices:\n  - {sysname: R1, address: 127.0.1.1}\n  - {sysname: R2, address: 127.0.1.2, data: d/R1}\n",
			"lab.yaml:4: device R2: data directory d/R1 is already used by R1"},
		{"admin not loopback", "admin: 10.0.0.1:80\ndevices:\n  - {sysname: R1, address: 127.0.1.1}\n",
			"lab.yaml:1: admin: 10.0.0.1 is not a loopback address: the admin endpoint has no authentication"},
		{"admin no port", "admin: 127.0.0.1\ndevices:\n  - {sysname: R1, address: 127.0.1.1}\n",
			`lab.yaml:1: admin: "127.0.0.1" is not ADDRESS:PORT`},
		{"alias", "x: &a 127.0.1.1\ndevices:\n  - {sysname: R1, address: *a}\n", `lab.yaml:1: unknown setting "x" (want admin, defaults, devices or instructor)`},
		{"alias value", "devices:\n  - &d {sysname: R1, address: 127.0.1.1}\n  - *d\n", `lab.yaml:3: device 2 must be a mapping of settings, not an alias`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("lab.yaml", []byte(tt.text))
			if err == nil {
				t.Fatal("no error")
			}
			var le *Error
			if !errors.As(err, &le) {
				t.Errorf("error %T is not *Error", err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("bad.cfg", "#\naaa\n local-user admin privilege level 99\nreturn\n")
	write("good.cfg", "#\n sysname Lab\nreturn\n")
	tests := []struct{ name, text, want string }{
		{"missing startup", "devices:\n  - {sysname: R1, address: 127.0.1.1, startup: none.cfg}\n",
			"LAB:2: device R1: startup configuration: open DIR/none.cfg: no such file or directory"},
		{"startup is a directory", "devices:\n  - {sysname: R1, address: 127.0.1.1, startup: .}\n",
			"LAB:2: device R1: startup configuration: not a regular file"},
		{"refused startup", "devices:\n  - {sysname: R1, address: 127.0.1.1, startup: good.cfg}\n  - {sysname: R2, address: 127.0.1.2, startup: bad.cfg}\n",
			`LAB:3: device R2: startup configuration DIR/bad.cfg: line 3 "local-user admin privilege level 99": Error: Wrong parameter found at '^' position.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write("lab.yaml", tt.text)
			_, err := Load(p)
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.ReplaceAll(strings.ReplaceAll(err.Error(), p, "LAB"), dir, "DIR")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "nothing.yaml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want ErrNotExist", err)
	}
}

// FuzzParse checks that any text either parses into a consistent lab or
// gives an *Error, without panicking.
func FuzzParse(f *testing.F) {
	f.Add([]byte("devices:\n  - {sysname: R1, address: 127.0.1.1}\n"))
	f.Add([]byte("admin: 127.0.0.1:9022\ndefaults: {ssh-port: 0, data-root: d}\ndevices:\n  - {sysname: R1, address: 127.0.1.1, flash: memory}\n  - {sysname: R2, address: ::1, data: x, startup: s.cfg}\n"))
	f.Add([]byte("devices:\n- &a {sysname: R1}\n- *a\n"))
	f.Add([]byte("devices:\n- {sysname: R1, address: ${A}1, startup: \"\"}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lf, err := ParseEnv("lab.yaml", data, func(k string) (string, bool) { return "127.0.0." + k, k == "A" })
		if err != nil {
			var le *Error
			if !errors.As(err, &le) {
				t.Fatalf("error %T %v is not *Error", err, err)
			}
			return
		}
		if len(lf.Devices) == 0 {
			t.Fatal("a lab without devices parsed")
		}
		names := map[string]bool{}
		for _, d := range lf.Devices {
			if d.Sysname == "" || !d.Address.IsValid() || names[strings.ToLower(d.Sysname)] {
				t.Fatalf("bad device %+v", d)
			}
			names[strings.ToLower(d.Sysname)] = true
			if (d.Flash == FlashDisk) != (d.Data != "") {
				t.Fatalf("flash %s with data %q", d.Flash, d.Data)
			}
		}
	})
}

// TestParseListenAndLearnedAddress checks the listen setting and the address
// a device without one learns.
func TestParseListenAndLearnedAddress(t *testing.T) {
	host := []netip.Addr{
		netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1"), netip.MustParseAddr("fe80::1"),
		netip.MustParseAddr("2001:db8::5"), netip.MustParseAddr("192.0.2.7"), netip.MustParseAddr("192.0.2.8"),
	}
	env := map[string]string{"VRPSIM_ADDRESS": "", "VRPSIM_LISTEN": "0.0.0.0"}
	text := `defaults:
  listen: ${VRPSIM_LISTEN}
devices:
  - sysname: R1
    address: ${VRPSIM_ADDRESS}
    ssh-port: 2201
    ftp-port: 2101
  - sysname: R2
    address: 198.51.100.2
    ssh-port: 2202
  - sysname: R3
    listen: 127.0.1.3
  - sysname: R4
    address: 127.0.1.4
    listen: ""
`
	f, err := ParseWith("lab.yaml", []byte(text), Env{
		Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Addrs:  func() ([]netip.Addr, error) { return host, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	type got struct{ Sysname, Address, Listen, Dial string }
	var all []got
	for _, d := range f.Devices {
		all = append(all, got{d.Sysname, d.Address.String(), d.Listen.String(), d.DialSSHAddr().String()})
	}
	want := []got{
		{"R1", "192.0.2.7", "0.0.0.0", "127.0.0.1:2201"},
		{"R2", "198.51.100.2", "0.0.0.0", "127.0.0.1:2202"},
		{"R3", "127.0.1.3", "127.0.1.3", "127.0.1.3:22"},
		{"R4", "127.0.1.4", "invalid IP", "127.0.1.4:22"},
	}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("devices (-want +got):\n%s", diff)
	}

	for _, tt := range []struct {
		listen string
		host   []netip.Addr
		want   string
	}{
		{"", host, "192.0.2.7"},
		{"::", host[:4], "2001:db8::5"},
		{"", host[:3], "127.0.0.1"},
		{"", nil, "127.0.0.1"},
		{"127.0.1.9", host, "127.0.1.9"},
	} {
		var l netip.Addr
		if tt.listen != "" {
			l = netip.MustParseAddr(tt.listen)
		}
		if got := LearnAddress(l, tt.host); got.String() != tt.want {
			t.Errorf("LearnAddress(%q, %v) = %s, want %s", tt.listen, tt.host, got, tt.want)
		}
	}

	_, err = ParseWith("lab.yaml", []byte("devices:\n  - sysname: R1\n"), Env{Addrs: func() ([]netip.Addr, error) { return nil, errors.New("no interfaces") }})
	if want := "lab.yaml:2: device R1 has no address and cannot learn one: no interfaces"; err == nil || err.Error() != want {
		t.Errorf("learning without interfaces: %v, want %s", err, want)
	}
}
