package stats

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{7}, 7},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 10, 1, 1000, 11}, 10},
		{[]float64{-1, 1}, 0},
	} {
		in := append([]float64(nil), tc.in...)
		if got := Median(tc.in); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		if diff := cmp.Diff(in, tc.in); diff != "" {
			t.Errorf("Median changed its input (-before +after):\n%s", diff)
		}
	}
	if got := Median(nil); !math.IsNaN(got) {
		t.Errorf("Median(nil) = %v, want NaN", got)
	}
}

func TestRange(t *testing.T) {
	lo, hi := Range([]float64{3, -2, 9, 4})
	if lo != -2 || hi != 9 {
		t.Errorf("Range = %v, %v; want -2, 9", lo, hi)
	}
	lo, hi = Range(nil)
	if !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("Range(nil) = %v, %v; want NaN, NaN", lo, hi)
	}
}

func TestPairedRatios(t *testing.T) {
	// Run 3 has no positive figure for b and drops out; the extra run of a
	// has no partner.
	got := PairedRatios([]float64{10, 30, 5, 8, 99}, []float64{5, 20, 0, 8})
	if diff := cmp.Diff([]float64{2, 1.5, 1}, got); diff != "" {
		t.Errorf("PairedRatios (-want +got):\n%s", diff)
	}
}

func TestRatio(t *testing.T) {
	for _, tc := range []struct {
		a, b float64
		want string
	}{
		{1, 3, "0.33"},
		{2000, 1000, "2.00"},
		{1, 0, "-"},
		{1, -1, "-"},
		{math.NaN(), 1, "-"},
		{1, math.NaN(), "-"},
	} {
		if got := Ratio(tc.a, tc.b); got != tc.want {
			t.Errorf("Ratio(%v, %v) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestPairedRatio(t *testing.T) {
	// Ratios 1.1, 0.9, 1.25, 1.0: median of an even count is the mean of
	// the middle two, (1.0+1.1)/2.
	got := PairedRatio([]float64{1100, 900, 1250, 1000}, []float64{1000, 1000, 1000, 1000})
	if want := "1.05 (0.90-1.25)"; got != want {
		t.Errorf("PairedRatio = %q, want %q", got, want)
	}
	if got := PairedRatio([]float64{1}, []float64{0}); got != "-" {
		t.Errorf("PairedRatio with no pair = %q, want -", got)
	}
}

func TestNum(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{1234, "1234"},
		{1234.5, "1234.5"},
		{0, "0"},
		{1e6, "1000000"},
		{0.0123456789, "0.0123457"},
		{2.5, "2.5"},
		{0.46, "0.46"},
		{math.NaN(), "nan"},
	} {
		if got := Num(tc.in); got != tc.want {
			t.Errorf("Num(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFloats(t *testing.T) {
	got, err := Floats([]string{"1", "2.50", "0.013"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]float64{1, 2.5, 0.013}, got); diff != "" {
		t.Errorf("Floats (-want +got):\n%s", diff)
	}
	if _, err := Floats([]string{"1", "fast"}); err == nil || !strings.Contains(err.Error(), "sample 2") {
		t.Errorf("Floats of a word: error %v, want one naming sample 2", err)
	}
}

func TestTable(t *testing.T) {
	var b strings.Builder
	err := Table(&b, [][]string{
		{"figure", "vrpsim", "vsftpd", "ratio"},
		{"RETR (MiB/s)", "2400", "2300", "1.04"},
		{"  paired", "-", "-", "1.02 (0.95-1.10)"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "" +
		"figure        vrpsim  vsftpd             ratio\n" +
		"RETR (MiB/s)    2400    2300              1.04\n" +
		"  paired           -       -  1.02 (0.95-1.10)\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("Table (-want +got):\n%s", diff)
	}
}
