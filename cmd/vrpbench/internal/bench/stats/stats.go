// Package stats holds the arithmetic of vrpsim's benchmarks (cmd/vrpbench):
// medians, ranges, ratios of two servers' figures and of paired runs, the
// number formats the reports print, and the aligned text table they print
// them in. It measures nothing itself.
package stats

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Median returns the median of xs: the middle value, or the mean of the
// middle two for an even count. It is NaN for no values. xs is not changed.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Range returns the smallest and the largest of xs; NaN, NaN for none.
func Range(xs []float64) (lo, hi float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	return slices.Min(xs), slices.Max(xs)
}

// PairedRatios returns a[i]/b[i] for each run i that has both figures and a
// positive b[i]. Two servers measured back to back in one run share that
// run's machine state, so the ratio within a run is steadier than the ratio
// of medians across runs.
func PairedRatios(a, b []float64) []float64 {
	var r []float64
	for i := range min(len(a), len(b)) {
		if b[i] > 0 {
			r = append(r, a[i]/b[i])
		}
	}
	return r
}

// Ratio formats a/b with two decimals, or "-" when b is not positive (or
// either is NaN).
func Ratio(a, b float64) string {
	if !(b > 0) || math.IsNaN(a) {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// PairedRatio formats the median of the paired ratios of a and b with their
// range, "1.02 (0.95-1.10)", or "-" when no run has both figures.
func PairedRatio(a, b []float64) string {
	r := PairedRatios(a, b)
	if len(r) == 0 {
		return "-"
	}
	lo, hi := Range(r)
	return fmt.Sprintf("%.2f (%.2f-%.2f)", Median(r), lo, hi)
}

// Num formats x as awk's print does: a whole number without decimals,
// anything else with six significant digits (%.6g), NaN as "nan".
func Num(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 0):
		if x > 0 {
			return "inf"
		}
		return "-inf"
	case x == math.Trunc(x) && math.Abs(x) < 1e15:
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}

// Floats parses decimal numbers, as the samples of a report are kept in the
// form they are printed in.
func Floats(ss []string) ([]float64, error) {
	xs := make([]float64, len(ss))
	for i, s := range ss {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("sample %d: %w", i+1, err)
		}
		xs[i] = x
	}
	return xs, nil
}

// Table writes rows as columns separated by two spaces, each as wide as its
// widest cell: the first column aligned left, the others right.
func Table(w io.Writer, rows [][]string) error {
	var width []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i := range width {
			cell := ""
			if i < len(row) {
				cell = row[i]
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell))
			switch {
			case i == 0:
				b.WriteString(cell + pad)
			default:
				b.WriteString("  " + pad + cell)
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
