package telnetd

import (
	"bytes"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/vrp"
)

// TestTranscriptOxidized pins, for each model, the exchange of Oxidized's
// vrp model over Telnet (Oxidized's telnet input is Ruby's Net::Telnet)
// byte for byte, both ways, as testdata/oxidized-vrp-MODEL.txt: the
// device's option requests, Net::Telnet's answers to them (DO ECHO, DO
// SGA, WONT NAWS), sent with its first line; the model's login (it waits
// for "Username:" and "Password:"); its post_login command
// "screen-length 0 temporary", its commands "display version", "display
// device" and "display current-configuration all", each sent when the
// prompt <SYSNAME> ends the output; and its pre_logout "quit", after which
// it reads to the end of the connection. Net::Telnet ends each line with
// CR NUL once the server suppresses go-ahead. Blocks headed "--- device"
// are what the device sent, "--- oxidized" what the client sent, rendered
// by render.
func TestTranscriptOxidized(t *testing.T) {
	for _, model := range vrp.Models() {
		t.Run(model, func(t *testing.T) { testTranscriptOxidized(t, model) })
	}
}

func testTranscriptOxidized(t *testing.T, model string) {
	const user, password = "admin", "Admin@huawei"
	d, addr := newModelDevice(t, model, applyEdits(t, "vrp.DefaultConfig", vrp.DefaultConfig, telnetConfigEdits))
	if _, err := d.Users().SetPassword(user, password, aaa.IrreversibleCipher); err != nil {
		t.Fatal(err)
	}
	prompt := "<" + d.Profile().Sysname + ">"
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	var transcript strings.Builder
	// await reads until the device's output ends with suffix ("" for the
	// end of the connection) and adds it to the transcript.
	await := func(suffix string) {
		t.Helper()
		var got []byte
		buf := make([]byte, 32*1024)
		for suffix == "" || !bytes.HasSuffix(got, []byte(suffix)) {
			n, err := c.Read(buf)
			got = append(got, buf[:n]...)
			if err == io.EOF && suffix == "" {
				break
			}
			if err != nil {
				t.Fatalf("waiting for %q: %v; got %q", suffix, err, got)
			}
		}
		transcript.WriteString("--- device\n" + render(got) + "\n")
	}
	send := func(p string) {
		t.Helper()
		if _, err := io.WriteString(c, p); err != nil {
			t.Fatal(err)
		}
		transcript.WriteString("--- oxidized\n" + render([]byte(p)) + "\n")
	}
	const eol = "\r\x00"
	await("Username:")
	send(string([]byte{cmdIAC, cmdDO, optEcho, cmdIAC, cmdDO, optSGA, cmdIAC, cmdWONT, optNAWS}) + user + eol)
	await("Password:")
	send(password + eol)
	await(prompt)
	for _, cmd := range []string{"screen-length 0 temporary", "display version", "display device", "display current-configuration all"} {
		send(cmd + eol)
		await(prompt)
	}
	send("quit" + eol)
	await("")
	got := regexp.MustCompile(`irreversible-cipher \S+`).ReplaceAllString(transcript.String(), "irreversible-cipher <cipher>")
	golden(t, "oxidized-vrp-"+strings.ToLower(model), got)
}
