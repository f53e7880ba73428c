package ftpd

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// traceLog collects a server's Trace calls as lines.
type traceLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *traceLog) add(t Trace) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := t.Kind.String() + " " + t.Line
	if t.Kind == TraceData {
		d := t.Data
		s = fmt.Sprintf("data passive=%v from=%s to=%s err=%v", d.Passive, d.From.Addr(), d.To.Addr(), d.Err != nil)
	}
	l.lines = append(l.lines, s)
}

func (l *traceLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// TestTraceLadder pins the dialogue a ladder diagram is drawn from: every
// command (PASS masked), every reply line and the data connections of a
// passive download, an active download and an active one the client never
// accepts (425).
func TestTraceLadder(t *testing.T) {
	log := &traceLog{}
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.Trace = log.add; c.DataTimeout = time.Second })
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	c.cmd("TYPE I")
	if data, _, end := c.retr("vrpcfg.zip"); string(data) != "config\n" || end != "226 Transfer complete." {
		t.Fatalf("RETR: %q %q", data, end)
	}
	// active: the server connects to our listener
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	c.cmd(fmt.Sprintf("PORT 127,0,0,1,%d,%d", port>>8, port&255))
	c.send("RETR vrpcfg.zip")
	d, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(d)
	d.Close()
	c.reply()
	c.reply()
	// a listener that is gone: 425
	ln.Close()
	c.cmd(fmt.Sprintf("PORT 127,0,0,1,%d,%d", port>>8, port&255))
	if got := c.cmd("RETR vrpcfg.zip"); got != "425 Can't open data connection." {
		t.Fatalf("RETR to a closed port: %q", got)
	}
	c.cmd("QUIT")
	waitFor(t, "the QUIT reply traced", func() bool {
		l := log.get()
		return len(l) > 0 && l[len(l)-1] == "reply 221 Server closing."
	})
	pasvPort := ""
	for _, l := range log.get() {
		if strings.HasPrefix(l, "reply 227 ") {
			pasvPort = l
		}
	}
	want := []string{
		"reply 220 FTP service ready.",
		"command USER huawei",
		"reply 331 Password required for huawei.",
		"command PASS ******",
		"reply 230 User logged in.",
		"command TYPE I",
		"reply 200 Type set to I.",
		"command PASV",
		pasvPort,
		"command RETR vrpcfg.zip",
		"data passive=true from=127.0.0.1 to=127.0.0.1 err=false",
		"reply 150 Opening BINARY mode data connection for vrpcfg.zip.",
		"reply 226 Transfer complete.",
		fmt.Sprintf("command PORT 127,0,0,1,%d,%d", port>>8, port&255),
		"reply 200 Port command okay.",
		"command RETR vrpcfg.zip",
		"data passive=false from=127.0.0.1 to=127.0.0.1 err=false",
		"reply 150 Opening BINARY mode data connection for vrpcfg.zip.",
		"reply 226 Transfer complete.",
		fmt.Sprintf("command PORT 127,0,0,1,%d,%d", port>>8, port&255),
		"reply 200 Port command okay.",
		"command RETR vrpcfg.zip",
		"data passive=false from=127.0.0.1 to=127.0.0.1 err=true",
		"reply 425 Can't open data connection.",
		"command QUIT",
		"reply 221 Server closing.",
	}
	if diff := cmp.Diff(want, log.get()); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}

// TestFaultCutAfter: a CutAfter fault closes the data connection midway;
// the client gets part of the file and 426.
func TestFaultCutAfter(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	ts := startServer(t, "127.0.0.1", func(c *Config) {
		c.Faults = &Faults{CutAfter: func() int64 { return 64 << 10 }}
	})
	putFile(t, ts.fs, "flash:/big.bin", big)
	c := binarySession(t, ts.addr)
	data, first, end := c.retr("big.bin")
	if first != "150 Opening BINARY mode data connection for big.bin." || end != "426 Connection closed; transfer aborted." {
		t.Errorf("replies %q, %q; want 150 then 426", first, end)
	}
	if len(data) >= len(big) {
		t.Errorf("got all %d bytes; want the transfer cut", len(data))
	}
}

// TestFaultReplyDelay: a ReplyDelay fault delays replies; the test sees the
// delay function called for each reply, not a time.
func TestFaultReplyDelay(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	ts := startServer(t, "127.0.0.1", func(c *Config) {
		c.Faults = &Faults{ReplyDelay: func() time.Duration {
			mu.Lock()
			calls++
			mu.Unlock()
			return time.Millisecond
		}}
	})
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.cmd("NOOP")
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("ReplyDelay called %d times for the greeting and one NOOP, want 2", calls)
	}
}
