package console

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRequestCounter(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   []int
	}{
		{"none", []string{"<Huawei>", "dis"}, []int{0, 0}},
		{"whole", []string{"<Huawei>\x1b[6n"}, []int{1}},
		{"two in one chunk", []string{"\x1b[6nab\x1b[6n"}, []int{2}},
		{"cut after ESC", []string{"ab\x1b", "[6n"}, []int{0, 1}},
		{"cut inside", []string{"\x1b[", "6", "n"}, []int{0, 0, 1}},
		{"other sequence", []string{"\x1b[6", "m\x1b[6n"}, []int{0, 1}},
		{"not a request", []string{"\x1b[?25h\x1b[0K"}, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rc requestCounter
			var got []int
			for _, c := range tt.chunks {
				got = append(got, rc.count([]byte(c)))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReportSplitter(t *testing.T) {
	tests := []struct {
		name        string
		chunks      []string
		expecting   bool
		wantKeys    string
		wantReports []string
	}{
		{"keys only", []string{"sys\r"}, false, "sys\r", nil},
		{"report alone", []string{"\x1b[24;9R"}, true, "", []string{"\x1b[24;9R"}},
		{"keys around a report", []string{"ab\x1b[1;1Rcd"}, true, "abcd", []string{"\x1b[1;1R"}},
		{"report cut", []string{"a\x1b[12", ";9Rb"}, true, "ab", []string{"\x1b[12;9R"}},
		{"report cut after ESC", []string{"a\x1b", "[3;4R"}, true, "a", []string{"\x1b[3;4R"}},
		{"escape key when no report is expected", []string{"a\x1b", "[A"}, false, "a\x1b[A", nil},
		{"arrow key", []string{"\x1b[A"}, true, "\x1b[A", nil},
		{"two reports", []string{"\x1b[1;2R\x1b[3;4R"}, true, "", []string{"\x1b[1;2R", "\x1b[3;4R"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs reportSplitter
			var keys []byte
			var reports []string
			for _, c := range tt.chunks {
				k, r := rs.split([]byte(c), tt.expecting)
				keys = append(keys, k...)
				for _, rep := range r {
					reports = append(reports, string(rep))
				}
			}
			if got := string(keys); got != tt.wantKeys {
				t.Errorf("keys %q, want %q", got, tt.wantKeys)
			}
			if diff := cmp.Diff(tt.wantReports, reports); diff != "" {
				t.Errorf("reports (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzRequestCounter checks that cutting output anywhere counts the same
// requests as reading it whole.
func FuzzRequestCounter(f *testing.F) {
	f.Add([]byte("<Huawei>\x1b[6n\x1b[?25h"), uint8(9))
	f.Add([]byte("\x1b\x1b[6n\x1b[6n"), uint8(1))
	f.Fuzz(func(t *testing.T, out []byte, cut uint8) {
		var rc requestCounter
		i := min(int(cut), len(out))
		got := rc.count(out[:i]) + rc.count(out[i:])
		if want := bytes.Count(out, cursorRequest); got != want {
			t.Fatalf("%q cut at %d: %d requests, want %d", out, i, got, want)
		}
	})
}

// FuzzReportSplitter checks that cutting input anywhere yields the same
// keys and reports as reading it whole, and that nothing is lost.
func FuzzReportSplitter(f *testing.F) {
	f.Add([]byte("ab\x1b[12;9Rcd"), uint8(5))
	f.Add([]byte("\x1b[1;2R\x1b"), uint8(7))
	f.Fuzz(func(t *testing.T, in []byte, cut uint8) {
		var whole reportSplitter
		wantKeys, wantReports := whole.split(in, true)
		wantKeys = append(wantKeys, whole.carry...)

		var rs reportSplitter
		i := min(int(cut), len(in))
		k1, r1 := rs.split(in[:i], true)
		k2, r2 := rs.split(in[i:], true)
		keys := append(append(k1, k2...), rs.carry...)
		reports := append(r1, r2...)
		if len(keys)+len(bytes.Join(reports, nil)) != len(in) {
			t.Fatalf("%q cut at %d: keys %q and reports %q do not add up", in, i, keys, reports)
		}
		if !bytes.Equal(keys, wantKeys) || len(reports) != len(wantReports) {
			t.Fatalf("%q cut at %d: keys %q reports %q, read whole: %q %q", in, i, keys, reports, wantKeys, wantReports)
		}
	})
}
