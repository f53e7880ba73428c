package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vrpsim/vrpsim/cmd/vrpbench/internal/bench/stats"
	"golang.org/x/sys/unix"
)

// rates are the MB/s of the runs of a throughput comparison, as printed:
// the device's and the reference's (curl, OpenSSH), per direction.
type rates struct {
	devGets, devPuts, refGets, refPuts []string
}

// writeComparison prints the table of a throughput comparison under title:
// medians and bests of the device and of the reference named ref, and their
// ratios; a run of fewer than 3 runs or less than 1 GiB is marked as a
// check of the benchmark.
func writeComparison(w io.Writer, title, ref string, runs int, size int64, r rates) error {
	med := func(ss []string) string {
		xs, _ := stats.Floats(ss)
		return fmt.Sprintf("%.1f", stats.Median(xs))
	}
	best := func(ss []string) string {
		xs, _ := stats.Floats(ss)
		_, hi := stats.Range(xs)
		return fmt.Sprintf("%.1f", hi)
	}
	ratio := func(a, b string) string {
		x, _ := strconv.ParseFloat(a, 64)
		y, _ := strconv.ParseFloat(b, 64)
		return stats.Ratio(x, y)
	}
	refMedian, refBest := ref+" median", ref+" best"
	m, bw := len(refMedian)+1, len(refBest)+1
	var b strings.Builder
	b.WriteString(title)
	const f = "%-4s %14s %*s %7s   %12s %*s %7s\n"
	fmt.Fprintf(&b, f, "", "device median", m, refMedian, "ratio", "device best", bw, refBest, "ratio")
	for _, row := range []struct {
		name     string
		dev, ref []string
	}{{"get", r.devGets, r.refGets}, {"put", r.devPuts, r.refPuts}} {
		dm, rm, db, rb := med(row.dev), med(row.ref), best(row.dev), best(row.ref)
		fmt.Fprintf(&b, f, row.name, dm, m, rm, ratio(dm, rm), db, bw, rb, ratio(db, rb))
	}
	if runs < 3 || size < gib {
		b.WriteString("(a short run, below 3 runs of 1 GiB: it checks the benchmark; its figures are not for comparison)\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// checkShm reports an error unless /dev/shm has room for a run moving a
// file of size bytes (five copies of it).
func checkShm(size int64) error {
	var st unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &st); err != nil {
		return fmt.Errorf("/dev/shm: %w", err)
	}
	if free := int64(st.Bavail) * st.Bsize; free <= 5*size {
		return fmt.Errorf("/dev/shm has %d MiB free; the run needs %d MiB", free>>20, 5*size>>20)
	}
	return nil
}

// makeBigFile writes a random file of size bytes at path (a random chunk
// of at most 64 MiB, repeated) and returns its SHA-256 in hex.
func makeBigFile(j *job, path string, size int64) (string, error) {
	j.logf("making a random file of %d MiB", size>>20)
	chunk, err := randomBytes(min(size, 64*mib))
	if err != nil {
		return "", err
	}
	if err := writeRepeated(path, chunk, size); err != nil {
		return "", err
	}
	return sha256File(path)
}
