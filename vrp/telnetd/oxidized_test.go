package telnetd

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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

// oxidizedScript is Oxidized's telnet input driving its vrp model, with
// Debian's ruby-net-telnet (the library Oxidized's input uses): wait for
// "Username:" and "Password:", answer them with puts, wait for the prompt,
// run the post_login command and the model's commands with cmd, then the
// pre_logout "quit" with no prompt to wait for (read to the end).
const oxidizedScript = `
require 'net/telnet'
host, port, user, pass = ARGV
prompt = /^(<[\w.-]+>)$/
t = Net::Telnet.new('Host' => host, 'Port' => port.to_i, 'Timeout' => 30)
t.waitfor('Match' => /^Username:$/)
t.puts(user)
t.waitfor('Match' => /^Password:$/)
t.puts(pass)
t.waitfor('Match' => prompt)
['screen-length 0 temporary', 'display version', 'display device', 'display current-configuration all'].each do |c|
  t.cmd('String' => c, 'Match' => prompt)
end
t.cmd('String' => 'quit', 'Match' => nil)
t.close
puts 'OK'
`

// TestOxidizedNetTelnet runs oxidizedScript through a recording relay and
// checks both directions against the golden transcript of
// TestTranscriptOxidized: the device sends what its "--- device" blocks
// hold and Ruby's Net::Telnet sends what its "--- oxidized" blocks hold
// (its negotiation answers and CR NUL line ends included).
func TestOxidizedNetTelnet(t *testing.T) {
	ruby := tool(t, "/usr/bin/ruby")
	if _, _, status := command(t, ruby, "-e", "require 'net/telnet'"); status != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("ruby-net-telnet is required under CI")
		}
		t.Skip("ruby-net-telnet not installed")
	}
	for _, model := range vrp.Models() {
		t.Run(model, func(t *testing.T) { testOxidizedNetTelnet(t, ruby, model) })
	}
}

func testOxidizedNetTelnet(t *testing.T, ruby, model string) {
	const user, password = "admin", "Admin@huawei"
	d, addr := newModelDevice(t, model, applyEdits(t, "vrp.DefaultConfig", vrp.DefaultConfig, telnetConfigEdits))
	if _, err := d.Users().SetPassword(user, password, aaa.IrreversibleCipher); err != nil {
		t.Fatal(err)
	}
	relay, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	var fromClient, fromDevice bytes.Buffer
	relayed := make(chan error, 1)
	go func() {
		c, err := relay.Accept()
		if err != nil {
			relayed <- err
			return
		}
		defer c.Close()
		s, err := net.Dial("tcp", addr)
		if err != nil {
			relayed <- err
			return
		}
		defer s.Close()
		up := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.MultiWriter(s, &fromClient), c)
			s.(*net.TCPConn).CloseWrite()
			up <- err
		}()
		_, err = io.Copy(io.MultiWriter(c, &fromDevice), s)
		c.(*net.TCPConn).CloseWrite()
		if err2 := <-up; err == nil {
			err = err2
		}
		relayed <- err
	}()
	host, port := hostPort(t, relay.Addr().String())
	out, errOut, status := command(t, ruby, "-e", oxidizedScript, host, port, user, password)
	if status != 0 || strings.TrimSpace(out) != "OK" {
		t.Fatalf("ruby: status %d\n%s\n%s", status, out, errOut)
	}
	if err := <-relayed; err != nil {
		t.Fatalf("relay: %v", err)
	}
	data, err := os.ReadFile(filepath.Join("testdata", "oxidized-vrp-"+strings.ToLower(model)+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*strings.Builder{"device": {}, "oxidized": {}}
	var cur *strings.Builder
	// each block is "--- SIDE\n" and the rendered bytes, then a newline
	for _, block := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(string(data), "--- "), "\n"), "\n--- ") {
		side, text, _ := strings.Cut(block, "\n")
		if cur = want[side]; cur == nil {
			t.Fatalf("golden: block %q is neither device nor oxidized", side)
		}
		cur.WriteString(text)
	}
	norm := func(s string) string {
		return regexp.MustCompile(`irreversible-cipher \S+`).ReplaceAllString(s, "irreversible-cipher <cipher>")
	}
	if diff := cmp.Diff(want["oxidized"].String(), render(fromClient.Bytes())); diff != "" {
		t.Errorf("what Net::Telnet sent (-golden +got):\n%s", diff)
	}
	if diff := cmp.Diff(want["device"].String(), norm(render(fromDevice.Bytes()))); diff != "" {
		t.Errorf("what the device sent (-golden +got):\n%s", diff)
	}
}
