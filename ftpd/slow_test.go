package ftpd

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// A slow peer reads or writes 64 KiB every 20 ms (about 3 MB/s): one chunk
// of a fast transfer (a few MiB) per DataTimeout is more than it moves, but
// it is never idle that long, so its transfer must not time out. The file is
// larger than the socket buffers of loopback.
const (
	slowStep    = 64 << 10
	slowPause   = 20 * time.Millisecond
	slowSize    = 8<<20 + 77
	slowTimeout = time.Second
)

// TestSlowTransfers: downloads (memory and disk backend) and an upload that
// keep moving, slower than a chunk per DataTimeout, complete.
func TestSlowTransfers(t *testing.T) {
	data := randomBytes(t, slowSize)
	fsys, _ := newDiskFS(t)
	putFile(t, fsys, "flash:/slow.bin", data)
	for _, backend := range []string{"memory", "disk"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, "127.0.0.1", func(c *Config) {
				c.DataTimeout = slowTimeout
				if backend == "disk" {
					c.FS = fsys
				}
			})
			if backend == "memory" {
				putFile(t, ts.fs, "flash:/slow.bin", data)
			}
			c := dialCtrl(t, ts.addr)
			c.reply()
			c.login("huawei", "Huawei@123")
			c.cmd("TYPE I")

			d := c.pasv()
			if got := c.cmd("RETR slow.bin"); !strings.HasPrefix(got, "150 ") {
				t.Fatal(got)
			}
			var got bytes.Buffer
			buf := make([]byte, slowStep)
			for {
				n, err := io.ReadFull(d, buf)
				got.Write(buf[:n])
				if err != nil {
					break
				}
				time.Sleep(slowPause)
			}
			d.Close()
			if r := c.reply(); r != "226 Transfer complete." {
				t.Errorf("slow RETR: %q", r)
			}
			if sha(got.Bytes()) != sha(data) {
				t.Errorf("slow RETR gave %d bytes, want %d identical", got.Len(), len(data))
			}

			d = c.pasv()
			if got := c.cmd("STOR up.bin"); !strings.HasPrefix(got, "150 ") {
				t.Fatal(got)
			}
			for off := 0; off < len(data); off += slowStep {
				if _, err := d.Write(data[off:min(off+slowStep, len(data))]); err != nil {
					t.Fatalf("slow STOR: %v", err)
				}
				time.Sleep(slowPause)
			}
			d.Close()
			if got := c.reply(); got != "226 Transfer complete." {
				t.Errorf("slow STOR: %q", got)
			}
			if back, _ := getFile(t, ts.fs, "flash:/up.bin"); sha(back) != sha(data) {
				t.Errorf("slow STOR stored %d bytes, want %d identical", len(back), len(data))
			}
		})
	}
}

// TestSuddenlySlowUpload: an upload that runs fast long enough for the chunks
// to reach their largest size, then slows down to far less than a chunk per
// DataTimeout but keeps moving, completes whole. (Chunks are sized from how
// long the previous ones took, so the slowdown hits one under way.)
func TestSuddenlySlowUpload(t *testing.T) {
	fsys, _ := newDiskFS(t)
	ts := startServer(t, "127.0.0.1", func(c *Config) {
		c.DataTimeout = slowTimeout
		c.FS = fsys
	})
	fast := randomBytes(t, 48<<20)
	slow := randomBytes(t, 100*slowStep) // 100 steps of slowPause: twice slowTimeout
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	c.cmd("TYPE I")
	d := c.pasv()
	if got := c.cmd("STOR sudden.bin"); !strings.HasPrefix(got, "150 ") {
		t.Fatal(got)
	}
	if _, err := d.Write(fast); err != nil {
		t.Fatalf("fast part: %v", err)
	}
	for off := 0; off < len(slow); off += slowStep {
		if _, err := d.Write(slow[off : off+slowStep]); err != nil {
			t.Fatalf("slow part at %d: %v", off, err)
		}
		time.Sleep(slowPause)
	}
	d.Close()
	if got := c.reply(); got != "226 Transfer complete." {
		t.Errorf("STOR: %q", got)
	}
	want := append(fast, slow...)
	if back, _ := getFile(t, fsys, "flash:/sudden.bin"); sha(back) != sha(want) {
		t.Errorf("stored %d bytes, want %d identical", len(back), len(want))
	}
}

// TestSendFileResumesAfterSlowChunk: sendFile through the poller, with a
// source that is not a file (the memory backend's) and buffers small enough
// that every chunk runs out of time while the peer still reads. Each such
// chunk read more from the source than it wrote, so sendFile must put the
// source back before going on, or bytes go missing.
func TestSendFileResumesAfterSlowChunk(t *testing.T) {
	// Buffer sizes go on before the connection exists: the window scale is
	// chosen at the handshake.
	bufSize := func(opt, size int) func(string, string, syscall.RawConn) error {
		return func(_, _ string, rc syscall.RawConn) error {
			var serr error
			if err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, size)
			}); err != nil {
				return err
			}
			return serr
		}
	}
	lc := net.ListenConfig{Control: bufSize(syscall.SO_SNDBUF, 8<<10)}
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dialer := net.Dialer{Control: bufSize(syscall.SO_RCVBUF, 4<<10)}
	peer, err := dialer.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	conn, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := conn.(*net.TCPConn)
	defer c.Close()

	data := randomBytes(t, 256<<10)
	got := make(chan []byte, 1)
	go func() {
		var b bytes.Buffer
		buf := make([]byte, 2<<10) // 2 KiB per 10 ms: a 64 KiB chunk takes 320 ms
		for {
			n, err := peer.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				got <- b.Bytes()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	var count atomic.Int64
	n, err := sendFile(context.Background(), c, bytes.NewReader(data), 100*time.Millisecond, &count)
	c.Close()
	if err != nil {
		t.Fatalf("sendFile: %v after %d bytes", err, n)
	}
	if back := <-got; sha(back) != sha(data) || n != int64(len(data)) || count.Load() != n {
		t.Errorf("peer got %d bytes (sendFile said %d, counted %d), want %d identical", len(back), n, count.Load(), len(data))
	}
}
