package ftpd

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// bigDiskFile puts a random file of size bytes on a disk flash (large enough
// for the blocking sendfile on Linux) and returns its content.
func bigDiskFile(t *testing.T, dir, name string, size int) []byte {
	t.Helper()
	data := randomBytes(t, size)
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

// startStalledRETR starts RETR of name and never reads the data connection,
// so that the server's sends block once the socket buffers are full. It
// returns the data connection after the 150 reply.
func startStalledRETR(t *testing.T, c *ctrl, name string) net.Conn {
	t.Helper()
	d := c.pasv()
	if got := c.cmd("RETR " + name); !strings.HasPrefix(got, "150 ") {
		t.Fatalf("RETR %s: %q", name, got)
	}
	return d
}

// TestDiskRETRLarge: a large download from the disk backend arrives whole,
// from the start and after REST, and STAT counts its bytes.
func TestDiskRETRLarge(t *testing.T) {
	fsys, dir := newDiskFS(t)
	data := bigDiskFile(t, dir, "big.bin", 24<<20+12345)
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.FS = fsys })
	c := binarySession(t, ts.addr)
	back, first, last := c.retr("big.bin")
	c.cmd("REST 9000001")
	tail, _, last2 := c.retr("big.bin")
	got := []string{first, last, sha(back), last2, sha(tail)}
	want := []string{
		"150 Opening BINARY mode data connection for big.bin.", "226 Transfer complete.", sha(data),
		"226 Transfer complete.", sha(data[9000001:]),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("large RETR (-want +got):\n%s", diff)
	}
	// STAT while the client reads nothing: what is in the socket buffers
	// counts, in whole steps of one sendfile call.
	d := startStalledRETR(t, c, "big.bin")
	var stat string
	for i := 0; i < 100; i++ {
		stat = c.cmd("STAT")
		if !strings.Contains(stat, "\n0 bytes") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.HasPrefix(stat, "213-Status of transfer:\n") || strings.Contains(stat, "\n0 bytes") {
		t.Errorf("STAT during a stalled download: %q", stat)
	}
	n, err := io.Copy(io.Discard, d)
	if err != nil || n != int64(len(data)) {
		t.Errorf("reading the rest: %d bytes, %v", n, err)
	}
	if got := c.reply(); got != "226 Transfer complete." {
		t.Errorf("after the stalled download: %q", got)
	}
}

// TestDiskRETRAbortStalled: ABOR ends a download whose client reads nothing
// (a send blocked in the kernel), and the session goes on.
func TestDiskRETRAbortStalled(t *testing.T) {
	fsys, dir := newDiskFS(t)
	data := bigDiskFile(t, dir, "big.bin", 32<<20)
	ts := startServer(t, "127.0.0.1", func(c *Config) {
		c.FS = fsys
		c.DataTimeout = 5 * time.Minute // only ABOR may end the transfer
	})
	c := binarySession(t, ts.addr)
	d := startStalledRETR(t, c, "big.bin")
	time.Sleep(200 * time.Millisecond) // let the buffers fill
	c.send("ABOR")
	got := []string{c.reply(), c.reply()}
	want := []string{"426 Connection closed; transfer aborted.", "226 Abort successful."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ABOR (-want +got):\n%s", diff)
	}
	d.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _ := io.Copy(io.Discard, d)
	if n >= int64(len(data)) {
		t.Errorf("the aborted download delivered all %d bytes", n)
	}
	back, _, last := c.retr("big.bin")
	if last != "226 Transfer complete." || sha(back) != sha(data) {
		t.Errorf("RETR after ABOR: %q, %d bytes", last, len(back))
	}
	downloads := ts.events.find(EventDownload)
	if len(downloads) != 2 || downloads[0].Err == nil || downloads[1].Err != nil || downloads[1].Bytes != int64(len(data)) {
		t.Errorf("download events: %+v", downloads)
	}
}

// TestDiskRETRStalledTimeout: a client that stops reading is cut off after
// the data timeout with 426, and the session goes on.
func TestDiskRETRStalledTimeout(t *testing.T) {
	fsys, dir := newDiskFS(t)
	bigDiskFile(t, dir, "big.bin", 32<<20)
	ts := startServer(t, "127.0.0.1", func(c *Config) {
		c.FS = fsys
		c.DataTimeout = 300 * time.Millisecond
	})
	c := binarySession(t, ts.addr)
	d := startStalledRETR(t, c, "big.bin")
	defer d.Close()
	if got := c.reply(); got != "426 Connection closed; transfer aborted." {
		t.Errorf("stalled client: %q", got)
	}
	if got := c.cmd("NOOP"); got != "200 NOOP command successful." {
		t.Errorf("NOOP after the timeout: %q", got)
	}
}

// TestDiskRETRClientCloses: a client that closes the data connection in the
// middle of a download gets 426.
func TestDiskRETRClientCloses(t *testing.T) {
	fsys, dir := newDiskFS(t)
	bigDiskFile(t, dir, "big.bin", 32<<20)
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.FS = fsys })
	c := binarySession(t, ts.addr)
	d := startStalledRETR(t, c, "big.bin")
	if _, err := io.CopyN(io.Discard, d, 1<<20); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if got := c.reply(); got != "426 Connection closed; transfer aborted." {
		t.Errorf("client closed the data connection: %q", got)
	}
}

// TestDiskRETRServerClose: closing the server ends a download blocked on a
// client that reads nothing.
func TestDiskRETRServerClose(t *testing.T) {
	fsys, dir := newDiskFS(t)
	bigDiskFile(t, dir, "big.bin", 32<<20)
	ts := startServer(t, "127.0.0.1", func(c *Config) {
		c.FS = fsys
		c.DataTimeout = 5 * time.Minute // only the close may end the transfer
	})
	c := binarySession(t, ts.addr)
	d := startStalledRETR(t, c, "big.bin")
	defer d.Close()
	time.Sleep(200 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- ts.srv.Close() }()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Server.Close did not return while a download was blocked")
	}
}
