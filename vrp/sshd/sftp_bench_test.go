package sshd

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
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

// BenchmarkSFTPOpenSSH is BenchmarkSFTP with OpenSSH's sftp -b as the
// client (as scripts/bench.sh sftp runs it), so that a CPU profile of the
// test binary (-cpuprofile) shows the server alone. Each iteration is one
// session: a login and one transfer of 64 MiB.
func BenchmarkSFTPOpenSSH(b *testing.B) {
	const size = 64 << 20
	sshpass := tool(b, "/usr/bin/sshpass")
	tool(b, "/usr/bin/sftp")
	_, addr := sftpDeviceB(b)
	dir := b.TempDir()
	src := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(src, randomBytes(b, size), 0o644); err != nil {
		b.Fatal(err)
	}
	session := func(b *testing.B, cmd string) {
		batch := filepath.Join(dir, "batch")
		if err := os.WriteFile(batch, []byte(cmd+"\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		args := sshpassArgs("sftp", portOf(b, addr), "-c", "aes128-gcm@openssh.com", "-b", batch, "backup@127.0.0.1")
		if out, errOut, status := command(b, "", sshpass, args...); status != 0 {
			b.Fatalf("sftp -b %q: status %d\n%s%s", cmd, status, out, errOut)
		}
	}
	// The server's CPU time and page faults per MB (the client runs in
	// processes of its own) are steadier figures than the rate on a
	// shared machine.
	usage := func() (time.Duration, int64) {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), ru.Minflt
	}
	run := func(b *testing.B, cmd string) {
		b.SetBytes(size)
		cpu0, flt0 := usage()
		for b.Loop() {
			session(b, cmd)
		}
		cpu, flt := usage()
		mb := float64(b.N) * size / 1e6
		b.ReportMetric(float64(cpu-cpu0)/float64(time.Millisecond)/mb, "server-cpu-ms/MB")
		b.ReportMetric(float64(flt-flt0)/mb, "server-faults/MB")
	}
	session(b, "put "+src+" /big.bin")
	b.Run("put", func(b *testing.B) { run(b, "put "+src+" /big.bin") })
	b.Run("get", func(b *testing.B) { run(b, "get /big.bin "+filepath.Join(dir, "back.bin")) })
}
