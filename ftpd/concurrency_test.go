package ftpd

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestConcurrentClients runs many sessions at once (under -race in the test
// command): each uploads, lists and downloads its own file.
func TestConcurrentClients(t *testing.T) {
	const clients = 20
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.MaxSessions = clients })
	var wg sync.WaitGroup
	errs := make(chan string, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := dialCtrl(t, ts.addr)
			c.reply()
			c.login("huawei", "Huawei@123")
			c.cmd("TYPE I")
			data := bytes.Repeat([]byte{byte(i)}, 200<<10+i)
			name := fmt.Sprintf("c%02d.bin", i)
			if _, last := c.stor("STOR", name, data); last != "226 Transfer complete." {
				errs <- name + ": STOR " + last
				return
			}
			if listing, _, _ := c.list("NLST"); !strings.Contains(listing, name+"\r\n") {
				errs <- name + ": not listed"
			}
			back, _, last := c.retr(name)
			if last != "226 Transfer complete." || !bytes.Equal(back, data) {
				errs <- fmt.Sprintf("%s: RETR %q, %d bytes", name, last, len(back))
			}
			if got := c.cmd("QUIT"); got != "221 Server closing." {
				errs <- name + ": QUIT " + got
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	var failures []string
	for e := range errs {
		failures = append(failures, e)
	}
	if diff := cmp.Diff([]string(nil), failures); diff != "" {
		t.Errorf("failures:\n%s", diff)
	}
	waitFor(t, "all sessions end", func() bool { return len(ts.srv.Sessions()) == 0 })
	if n := ts.srv.UserCount(); n != 0 {
		t.Errorf("UserCount = %d after all quit", n)
	}
	if n := len(ts.events.find(EventLogout)); n != clients {
		t.Errorf("%d logout events, want %d", n, clients)
	}
}

// TestQuitDuringTransfer: QUIT aborts the transfer, answers 426 and 221.
func TestQuitDuringTransfer(t *testing.T) {
	ts := startServer(t, "127.0.0.1", nil)
	putFile(t, ts.fs, "flash:/keep.bin", []byte("old"))
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	d := c.pasv()
	c.cmd("STOR keep.bin")
	d.Write([]byte("partial"))
	got := []string{c.cmd("QUIT"), c.reply(), c.reply()}
	want := []string{"426 Connection closed; transfer aborted.", "221 Server closing.", "EOF"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if data, _ := getFile(t, ts.fs, "flash:/keep.bin"); string(data) != "old" {
		t.Errorf("keep.bin = %q", data)
	}
}
