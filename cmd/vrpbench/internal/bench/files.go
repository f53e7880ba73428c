package bench

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Sizes in bytes.
const (
	kib = 1 << 10
	mib = 1 << 20
	gib = 1 << 30
)

// parseSize parses a size with a binary unit: "64MiB", "1GiB", "512KiB" or
// "100B". A bare number is refused, so that "--size 64" (MiB in the
// benchmark scripts of old) is not read as 64 bytes.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		n      int64
	}{{"KiB", kib}, {"MiB", mib}, {"GiB", gib}, {"B", 1}}
	for _, u := range units {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n <= 0 || n > (1<<50)/u.n {
			return 0, fmt.Errorf("size %q: want a positive whole number with a unit (64MiB)", s)
		}
		return n * u.n, nil
	}
	return 0, fmt.Errorf("size %q: give a unit: KiB, MiB, GiB or B (64MiB)", s)
}

// formatSize prints a size as parseSize reads it, in the largest unit that
// divides it.
func formatSize(n int64) string {
	switch {
	case n%gib == 0:
		return fmt.Sprintf("%dGiB", n/gib)
	case n%mib == 0:
		return fmt.Sprintf("%dMiB", n/mib)
	case n%kib == 0:
		return fmt.Sprintf("%dKiB", n/kib)
	}
	return fmt.Sprintf("%dB", n)
}

// sizeFlag is a flag.Value of a size (see parseSize).
type sizeFlag struct{ n *int64 }

func (f sizeFlag) String() string {
	if f.n == nil {
		return ""
	}
	return formatSize(*f.n)
}

func (f sizeFlag) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*f.n = n
	return nil
}

// randomBytes returns n random bytes: test data no layer can compress.
func randomBytes(n int64) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("random data: %w", err)
	}
	return b, nil
}

// textOf returns random data as text: base64 in lines of 76 characters,
// each ended by LF (what "base64 -w 76" prints).
func textOf(random []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(random)
	var b bytes.Buffer
	b.Grow(len(enc) + len(enc)/76 + 1)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteByte('\n')
		enc = enc[76:]
	}
	if enc != "" {
		b.WriteString(enc)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// writeRepeated writes a file of size bytes: chunk, again and again, the
// last time cut short.
func writeRepeated(path string, chunk []byte, size int64) error {
	if len(chunk) == 0 {
		return errors.New("writeRepeated: empty chunk")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for left := size; left > 0; {
		n := min(left, int64(len(chunk)))
		if _, err := w.Write(chunk[:n]); err != nil {
			f.Close()
			return fmt.Errorf("writing %s: %w", path, err)
		}
		left -= n
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// countLines counts the LF bytes of a file (wc -l).
func countLines(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	buf := make([]byte, 1<<20)
	for {
		k, err := f.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, fmt.Errorf("reading %s: %w", path, err)
		}
	}
}

// copyFile copies a file (the device's flash ignores files with other hard
// links, so the benchmark copies what it puts there).
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s: %w", from, err)
	}
	return out.Close()
}
