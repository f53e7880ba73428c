package flash

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// benchSize is the size of the file the benchmarks write and read.
const benchSize = 64 << 20

// benchChunk is the size of each Write and Read, like a network copy's buffer.
const benchChunk = 256 << 10

// osWrite writes a file with plain os calls: the baseline. It removes the old
// file first and writes a fresh one, the fastest plain way on ext4 (os.Create
// over an existing file is slower there: truncating a file makes ext4 write it
// out at close).
func osWrite(b *testing.B, path string, chunk []byte) {
	os.Remove(path)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	for range benchSize / len(chunk) {
		if _, err := f.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

func flashWrite(b *testing.B, fsys FS, path string, chunk []byte) {
	w, err := fsys.Create(path, 0)
	if err != nil {
		b.Fatal(err)
	}
	for range benchSize / len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		b.Fatal(err)
	}
}

func readAll(b *testing.B, r io.ReadCloser, buf []byte) {
	var n int64
	for {
		m, err := r.Read(buf)
		n += int64(m)
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	r.Close()
	if n != benchSize {
		b.Fatalf("read %d bytes, want %d", n, benchSize)
	}
}

func osRead(b *testing.B, path string, buf []byte) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	readAll(b, f, buf)
}

func flashRead(b *testing.B, fsys FS, path string, buf []byte) {
	f, err := fsys.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	readAll(b, f, buf)
}

// benchDisk returns a disk file system and, in its directory, the host path of
// a file for the os baseline (invisible to the file system: its name is invalid).
func benchDisk(b *testing.B) (FS, string) {
	dir := b.TempDir()
	fsys, err := NewDisk(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { fsys.(io.Closer).Close() })
	return fsys, filepath.Join(dir, "os:baseline")
}

// BenchmarkWrite replaces a 64 MiB file: with plain os calls and through the
// disk backend (temporary file, capacity accounting, rename), on the same disk.
func BenchmarkWrite(b *testing.B) {
	chunk := make([]byte, benchChunk)
	b.Run("os", func(b *testing.B) {
		_, path := benchDisk(b)
		b.SetBytes(benchSize)
		for b.Loop() {
			osWrite(b, path, chunk)
		}
	})
	b.Run("flash", func(b *testing.B) {
		fsys, _ := benchDisk(b)
		b.SetBytes(benchSize)
		for b.Loop() {
			flashWrite(b, fsys, "flash:/big.bin", chunk)
		}
	})
}

// BenchmarkRead reads a 64 MiB file with plain os calls and through the disk backend.
func BenchmarkRead(b *testing.B) {
	chunk := make([]byte, benchChunk)
	fsys, path := benchDisk(b)
	osWrite(b, path, chunk)
	flashWrite(b, fsys, "flash:/big.bin", chunk)
	b.Run("os", func(b *testing.B) {
		b.SetBytes(benchSize)
		for b.Loop() {
			osRead(b, path, chunk)
		}
	})
	b.Run("flash", func(b *testing.B) {
		b.SetBytes(benchSize)
		for b.Loop() {
			flashRead(b, fsys, "flash:/big.bin", chunk)
		}
	})
}

// BenchmarkRatio alternates the os baseline and the disk backend in every
// iteration, so both see the same machine state, and reports the speed of the
// disk backend as a fraction of the baseline's (1 = as fast), from the median
// times, which other load on the machine disturbs less than the means.
func BenchmarkRatio(b *testing.B) {
	chunk := make([]byte, benchChunk)
	fsys, path := benchDisk(b)
	var osW, flashW, osR, flashR []time.Duration
	lap := func(list *[]time.Duration, start time.Time) time.Time {
		now := time.Now()
		*list = append(*list, now.Sub(start))
		return now
	}
	for b.Loop() {
		t := time.Now()
		osWrite(b, path, chunk)
		t = lap(&osW, t)
		flashWrite(b, fsys, "flash:/big.bin", chunk)
		t = lap(&flashW, t)
		osRead(b, path, chunk)
		t = lap(&osR, t)
		flashRead(b, fsys, "flash:/big.bin", chunk)
		lap(&flashR, t)
	}
	b.ReportMetric(float64(median(osW))/float64(median(flashW)), "write-ratio")
	b.ReportMetric(float64(median(osR))/float64(median(flashR)), "read-ratio")
	b.ReportMetric(benchSize/median(flashW).Seconds()/1e6, "flash-write-MB/s")
	b.ReportMetric(benchSize/median(flashR).Seconds()/1e6, "flash-read-MB/s")
}

func median(list []time.Duration) time.Duration {
	slices.Sort(list)
	return list[len(list)/2]
}
