package sshd

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkSFTP measures the SFTP server's get and put of a 64 MiB file on
// a disk flash, with github.com/pkg/sftp's client over a real SSH
// connection on loopback (concurrent requests, as OpenSSH's sftp sends
// them). scripts/bench.sh sftp compares with OpenSSH's sftp-server.
func BenchmarkSFTP(b *testing.B) {
	const size = 64 << 20
	d, addr := sftpDeviceB(b)
	data := randomBytes(b, size)
	writeFlash(b, d.Flash(), "flash:/backup/big.bin", data)
	c, err := dial(b, addr, backupUser, backupPassword)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	sc, err := newSFTPClient(c)
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Close()
	b.Run("get", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			f, err := sc.Open("/big.bin")
			if err != nil {
				b.Fatal(err)
			}
			if n, err := f.WriteTo(io.Discard); err != nil || n != size {
				b.Fatalf("got %d bytes: %v", n, err)
			}
			f.Close()
		}
	})
	b.Run("put", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			f, err := sc.Create("/up.bin")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.ReadFrom(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
			if err := f.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
