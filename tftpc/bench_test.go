package tftpc_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/vrpsim/vrpsim/tftpc"
	"github.com/vrpsim/vrpsim/tftpc/tftptest"
)

// BenchmarkGet downloads 1 MiB from tftpd-hpa over loopback with 512-byte
// blocks (the device's) and with the blksize option (1428 bytes): the
// lock-step round trip per block bounds the rate.
func BenchmarkGet(b *testing.B) {
	srv := tftptest.Start(b)
	const size = 1 << 20
	if err := os.WriteFile(filepath.Join(srv.Dir, "bench.bin"), randomData(size, 1), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, block := range []int{0, 1428} {
		b.Run(fmt.Sprintf("block-%d", max(block, 512)), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				if _, err := tftpc.Get(context.Background(), srv.Addr, "bench.bin", io.Discard, tftpc.Options{BlockSize: block}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
