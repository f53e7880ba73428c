package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// TestTelnetFlag: --telnet is where the device's Telnet port 23 is served
// once the device runs telnet server enable.
func TestTelnetFlag(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	telnetAddr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--ssh", "127.0.0.1:0", "--telnet", telnetAddr, "--data", t.TempDir()}, &out, &errOut)
	}()
	var port string
	for deadline := time.Now().Add(10 * time.Second); port == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := sshCmdRe.FindStringSubmatch(out.String()); m != nil {
			port = m[1]
		}
	}
	if port == "" {
		t.Fatalf("vrpsim did not start: %s%s", out.String(), errOut.String())
	}
	c, err := gossh.Dial("tcp", "127.0.0.1:"+port, &gossh.ClientConfig{User: "admin", Auth: []gossh.AuthMethod{gossh.Password("Admin@huawei")}, HostKeyCallback: gossh.InsecureIgnoreHostKey()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if o, err := s.CombinedOutput("system-view\ntelnet server enable\nuser-interface vty 0 4\nprotocol inbound all"); err != nil {
		t.Fatalf("%v: %s", err, o)
	}
	c.Close()
	tc, err := net.Dial("tcp", telnetAddr)
	if err != nil {
		t.Fatalf("--telnet %s: %v", telnetAddr, err)
	}
	defer tc.Close()
	tc.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(tc)
	var got bytes.Buffer
	for !strings.HasSuffix(got.String(), "Username:") {
		b, err := r.ReadByte()
		if err != nil {
			t.Fatalf("read: %v (got %q)", err, got.String())
		}
		got.WriteByte(b)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit code %d: %s", code, errOut.String())
	}
}

func TestTelnetFlagBad(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--ssh", "127.0.0.1:0", "--telnet", "nowhere", "--data", t.TempDir()}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), `vrpsim: --telnet "nowhere": address nowhere: missing port in address`) {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}
