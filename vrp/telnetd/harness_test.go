package telnetd

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp"
)

// testClock is the fixed time of test devices: banners show it.
var testClock = time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)

// telnetConfig is a device that takes Telnet logins: admin (password
// Admin@huawei) has service-type telnet, the VTY lines take every protocol
// with AAA authentication.
const telnetConfig = `#
 sysname Huawei
 telnet server enable
#
aaa
 local-user admin password irreversible-cipher Admin@huawei
 local-user admin privilege level 15
 local-user admin service-type ssh telnet terminal
#
 stelnet server enable
#
user-interface con 0
user-interface vty 0 4
 authentication-mode aaa
 protocol inbound all
#
return
`

// newDevice boots a device from config, with cheap password hashing and
// its Telnet server served by srv (configured by configure) on a loopback
// port. It returns the device and the Telnet server's address.
func newDevice(t testing.TB, config string, configure ...func(*Server)) (*vrp.Device, string) {
	t.Helper()
	return newModelDevice(t, "", config, configure...)
}

// newModelDevice is newDevice for a device model ("" is the AR2220).
func newModelDevice(t testing.TB, model, config string, configure ...func(*Server)) (*vrp.Device, string) {
	t.Helper()
	srv := &Server{FailureDelay: -1}
	for _, f := range configure {
		f(srv)
	}
	ready := make(chan struct{})
	served := make(chan error, 1)
	d, err := vrp.New(vrp.Options{
		Model:         model,
		Flash:         flash.NewMemory(flash.Options{Clock: func() time.Time { return testClock }}),
		Now:           func() time.Time { return testClock },
		DefaultConfig: config,
		AAA:           aaa.Options{KDF: aaa.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}, Now: func() time.Time { return testClock }},
		Listen:        func(network, _ string) (net.Listener, error) { return net.Listen(network, "127.0.0.1:0") },
		ServeTelnet: func(l net.Listener) {
			<-ready
			served <- srv.Serve(l)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Device = d
	close(ready)
	t.Cleanup(func() {
		srv.Close()
		d.Close()
	})
	if err := d.BootError(); err != nil {
		t.Fatalf("boot: %v", err)
	}
	addr, ok := d.TelnetAddr()
	if !ok {
		t.Fatalf("the Telnet server does not listen: %s", strings.Join(d.Log(), "\n"))
	}
	return d, addr.String()
}

// session connects to addr, sends input at once, half-closes the
// connection (the server reads the end of its input after it) and returns everything the server sent until it closed the
// connection.
func session(t testing.TB, addr, input string) []byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, input); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	out, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, out)
	}
	return out
}

// optionNames name the options of the transcripts.
var optionNames = map[byte]string{optBinary: "BINARY", optEcho: "ECHO", optSGA: "SGA", optNAWS: "NAWS", 24: "TTYPE"}

var commandNames = map[byte]string{cmdWILL: "WILL", cmdWONT: "WONT", cmdDO: "DO", cmdDONT: "DONT", cmdSB: "SB", cmdSE: "SE", cmdIAC: "IAC", cmdAYT: "AYT", cmdIP: "IP", cmdNOP: "NOP"}

// render shows a byte stream of the server as text: Telnet commands as
// <IAC WILL ECHO>, CR LF as a line end, any other control byte as <0xNN>.
func render(p []byte) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == cmdIAC && i+2 < len(p) && p[i+1] >= cmdWILL && p[i+1] <= cmdDONT:
			name := optionNames[p[i+2]]
			if name == "" {
				name = fmt.Sprint(p[i+2])
			}
			fmt.Fprintf(&b, "<IAC %s %s>", commandNames[p[i+1]], name)
			i += 2
		case c == cmdIAC && i+1 < len(p):
			fmt.Fprintf(&b, "<IAC %s>", commandNames[p[i+1]])
			i++
		case c == '\r' && i+1 < len(p) && p[i+1] == '\n':
			b.WriteString("\n")
			i++
		case c == '\n':
			b.WriteString("<LF>")
		case c < ' ' || c >= 0x7f:
			fmt.Fprintf(&b, "<0x%02X>", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// golden compares got with testdata/NAME.txt.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".txt")
	if os.Getenv("VRPSIM_UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// has reports whether p holds sub.
func has(p []byte, sub string) bool { return bytes.Contains(p, []byte(sub)) }
