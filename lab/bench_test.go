package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchLab writes a lab of n memory devices with the FTP server enabled.
func benchLab(b testing.TB, n int) *File {
	b.Helper()
	dir := b.TempDir()
	cfg, err := os.ReadFile("../docs/lab-configs/R1.cfg")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "startup.cfg"), cfg, 0o644); err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("defaults: {ssh-port: 0, ftp-port: 0, startup: startup.cfg}\ndevices:\n")
	for i := range n {
		fmt.Fprintf(&sb, "  - {sysname: B%d, address: 127.90.%d.%d}\n", i, i/250, i%250+1)
	}
	path := filepath.Join(dir, "lab.yaml")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkStart starts and shuts down a lab of 100 devices; ns/op is per
// lab, the "per-device" metric per device.
func BenchmarkStart(b *testing.B) {
	const n = 100
	f := benchLab(b, n)
	b.ReportAllocs()
	for b.Loop() {
		l, err := Start(f, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := l.Shutdown(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/device")
}

// BenchmarkLoad parses and checks a lab file of 1000 devices.
func BenchmarkLoad(b *testing.B) {
	f := benchLab(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(f.Name); err != nil {
			b.Fatal(err)
		}
	}
}
