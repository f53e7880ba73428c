package ftpd

import (
	"bytes"
	"io"
	"strings"
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
			c := binarySession(t, ts.addr)

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
	c := binarySession(t, ts.addr)
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
