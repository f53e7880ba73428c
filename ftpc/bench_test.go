package ftpc

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/vrpsim/vrpsim/ftpc/ftptest"
)

// Benchmarks of the engine against real servers on loopback, binary and
// passive, 64 MiB per operation: `go test -bench . -run '^$' ./ftpc/`.
// MB/s is the figure to read (files live in the system's temporary
// directory).

const benchSize = 64 << 20

// benchPeers names the servers the benchmarks run against.
func benchPeers() []string { return []string{"pyftpdlib", "vsftpd"} }

func BenchmarkRetr(b *testing.B) {
	for _, name := range benchPeers() {
		for _, typ := range []TransferType{Binary, ASCII} {
			b.Run(name+"/"+typ.String(), func(b *testing.B) {
				p := ftptest.Start(b, name, "127.0.0.1")
				os.WriteFile(filepath.Join(p.Dir, "bench.bin"), randomBytes(benchSize, 5), 0o644)
				c := login(b, p, Options{})
				c.SetPassive(true)
				if _, err := c.SetType(context.Background(), typ); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(benchSize)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := c.Retr(context.Background(), "bench.bin", io.Discard, 0); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkStor(b *testing.B) {
	data := randomBytes(benchSize, 6)
	for _, name := range benchPeers() {
		b.Run(name, func(b *testing.B) {
			p := ftptest.Start(b, name, "127.0.0.1")
			c := login(b, p, Options{})
			c.SetPassive(true)
			if _, err := c.SetType(context.Background(), Binary); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(benchSize)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.Stor(context.Background(), "bench.bin", bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
