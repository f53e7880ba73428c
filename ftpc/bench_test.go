package ftpc

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// Benchmarks of the engine against real servers on loopback, binary and
// passive, 64 MiB per operation: `go test -bench . -run '^$' ./ftpc/`.
// MB/s is the figure to read (files live in the system's temporary
// directory).

const benchSize = 64 << 20

func benchPeers() []peerStarter {
	return []peerStarter{{"pyftpdlib", startPyftpdlib}, {"vsftpd", startVsftpd}}
}

func BenchmarkRetr(b *testing.B) {
	for _, ps := range benchPeers() {
		for _, typ := range []TransferType{Binary, ASCII} {
			b.Run(ps.name+"/"+typ.String(), func(b *testing.B) {
				p := ps.start(b, "127.0.0.1")
				os.WriteFile(filepath.Join(p.dir, "bench.bin"), randomBytes(benchSize, 5), 0o644)
				c := p.login(b, Options{})
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
	for _, ps := range benchPeers() {
		b.Run(ps.name, func(b *testing.B) {
			p := ps.start(b, "127.0.0.1")
			c := p.login(b, Options{})
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
