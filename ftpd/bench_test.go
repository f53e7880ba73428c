package ftpd

import (
	"io"
	"strings"
	"testing"

	"github.com/vrpsim/vrpsim/flash"
)

const benchFileSize = 64 << 20

// benchBackends are the flash backends the transfer benchmarks run on.
func benchBackends(b *testing.B) map[string]flash.FS {
	disk, _ := newDiskFS(b)
	return map[string]flash.FS{
		"memory": flash.NewMemory(flash.Options{Capacity: 1 << 30}),
		"disk":   disk,
	}
}

// BenchmarkRETR downloads a 64 MiB file over PASV with a Go client, in binary
// (sendfile on the disk backend) and ASCII mode.
func BenchmarkRETR(b *testing.B) {
	data := randomBytes(b, benchFileSize)
	for _, name := range []string{"memory", "disk"} {
		for _, typ := range []string{"I", "A"} {
			b.Run(name+"/TYPE_"+typ, func(b *testing.B) {
				fsys := benchBackends(b)[name]
				putFile(b, fsys, "flash:/big.bin", data)
				ts := startServer(b, "127.0.0.1", func(c *Config) { c.FS = fsys })
				c := dialCtrl(b, ts.addr)
				c.reply()
				c.login("huawei", "Huawei@123")
				c.cmd("TYPE " + typ)
				buf := make([]byte, 256<<10)
				b.SetBytes(benchFileSize)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					d := c.pasv()
					if got := c.cmd("RETR big.bin"); !strings.HasPrefix(got, "150 ") {
						b.Fatal(got)
					}
					n, err := io.CopyBuffer(io.Discard, readerOnly{d}, buf)
					if err != nil || n < benchFileSize {
						b.Fatalf("read %d bytes: %v", n, err)
					}
					d.Close()
					if got := c.reply(); got != "226 Transfer complete." {
						b.Fatal(got)
					}
				}
			})
		}
	}
}

// BenchmarkSTOR uploads a 64 MiB file over PASV with a Go client.
func BenchmarkSTOR(b *testing.B) {
	data := randomBytes(b, benchFileSize)
	for _, name := range []string{"memory", "disk"} {
		b.Run(name, func(b *testing.B) {
			fsys := benchBackends(b)[name]
			ts := startServer(b, "127.0.0.1", func(c *Config) { c.FS = fsys })
			c := dialCtrl(b, ts.addr)
			c.reply()
			c.login("huawei", "Huawei@123")
			c.cmd("TYPE I")
			b.SetBytes(benchFileSize)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				first, last := c.stor("STOR", "up.bin", data)
				if !strings.HasPrefix(first, "150 ") || last != "226 Transfer complete." {
					b.Fatal(first, last)
				}
			}
		})
	}
}
