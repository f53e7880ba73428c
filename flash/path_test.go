package flash

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestResolve(t *testing.T) {
	long := strings.Repeat("n", MaxNameLen)
	tests := []struct {
		cwd, arg string
		want     string // "" means ErrInvalidPath
	}{
		{"flash:/", "flash:/a/b", "flash:/a/b"},
		{"flash:/x", "FLASH:/a/b", "flash:/a/b"},
		{"flash:/x", "Flash:", "flash:/"},
		{"flash:/x", "flash:a", "flash:/a"},
		{"flash:/x", "flash:/", "flash:/"},
		{"flash:/x", "/a/b", "flash:/a/b"},
		{"flash:/x", "/", "flash:/"},
		{"flash:/x", "a/b", "flash:/x/a/b"},
		{"flash:/x/y", "..", "flash:/x"},
		{"flash:/x/y", "../..", "flash:/"},
		{"flash:/x/y", "../../../..", "flash:/"},
		{"flash:/x", "flash:/../a", "flash:/a"},
		{"flash:/x", "./a/./b/.", "flash:/x/a/b"},
		{"flash:/x", "dhcp/", "flash:/x/dhcp"},
		{"flash:/x", "a//b///", "flash:/x/a/b"},
		{"flash:", "Vrpcfg.ZIP", "flash:/Vrpcfg.ZIP"},
		{"flash:/", ".", "flash:/"},
		{"flash:/", "my file.txt", "flash:/my file.txt"},
		{"flash:/", "файл.txt", "flash:/файл.txt"},
		{"flash:/", ".hidden", "flash:/.hidden"},
		{"flash:/", long, "flash:/" + long},
		{"flash:/", "a/" + long + "/../b", "flash:/a/b"},
		{"flash:/", strings.Repeat("é", MaxNameLen), "flash:/" + strings.Repeat("é", MaxNameLen)},
		{"flash:/", strings.Repeat("😀", 63), "flash:/" + strings.Repeat("😀", 63)},
		{"flash:/", strings.Repeat("😀", 64), ""}, // 256 bytes
		// Invalid.
		{"flash:/", "", ""},
		{"flash:/", long + "x", ""},
		{"flash:/", strings.Repeat("a/", 80) + "b", ""},
		{"flash:/" + strings.Repeat("d/", 76) + "d", "abc", ""},
		{"flash:/", "sd1:/a", ""},
		{"flash:/", "a:b", ""},
		{"flash:/", "a*", ""},
		{"flash:/", "~a", ""},
		{"flash:/", `a\b`, ""},
		{"flash:/", "it's", ""},
		{"flash:/", `"q"`, ""},
		{"flash:/", "a\tb", ""},
		{"flash:/", "a\x00b", ""},
		{"flash:/", "a\x7f", ""},
		{"flash:/", "\xff", ""},
		{"flash:/", "...", ""},
		{"flash:/", " a", ""},
		{"flash:/", "a ", ""},
		{"bad", "a", ""},
		{"flash:/a*", "b", ""},
		{"flash:/a*", "/b", "flash:/b"}, // cwd is not used
	}
	for _, tt := range tests {
		got, err := Resolve(tt.cwd, tt.arg)
		if tt.want == "" {
			var pe *PathError
			if !errors.Is(err, ErrInvalidPath) || !errors.As(err, &pe) || pe.Path != tt.arg {
				t.Errorf("Resolve(%q, %q) = %q, %v; want a *PathError with ErrInvalidPath", tt.cwd, tt.arg, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q, %q) = %q, %v; want %q", tt.cwd, tt.arg, got, err, tt.want)
		}
	}
}

func TestFoldKey(t *testing.T) {
	pairs := [][2]string{
		{"abc", "ABC"}, {"Config.CFG", "config.cfg"}, {"\u212a", "k"}, {"ſ", "S"},
		{"Файл", "фАЙЛ"}, {"ß", "ß"},
	}
	for _, p := range pairs {
		if foldKey(p[0]) != foldKey(p[1]) {
			t.Errorf("foldKey(%q) != foldKey(%q)", p[0], p[1])
		}
	}
	if foldKey("a") == foldKey("b") || foldKey("ss") == foldKey("ß") {
		t.Errorf("foldKey confuses different names")
	}
}

// FuzzResolve checks that Resolve either fails with ErrInvalidPath or returns a
// canonical path that resolves to itself, stays inside the device and obeys the
// limits.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"flash:/a/b", "/a", "a/../..", "flash:", ".", "a//b/", "x:y", "\xff", "a/./b"} {
		f.Add("flash:/cwd", s)
	}
	f.Fuzz(func(t *testing.T, cwd, arg string) {
		got, err := Resolve(cwd, arg)
		if err != nil {
			if !errors.Is(err, ErrInvalidPath) {
				t.Fatalf("Resolve(%q, %q): unexpected error %v", cwd, arg, err)
			}
			return
		}
		if !strings.HasPrefix(got, Root) || !utf8.ValidString(got) || utf8.RuneCountInString(got) > MaxPathLen {
			t.Fatalf("Resolve(%q, %q) = %q: not canonical", cwd, arg, got)
		}
		if got != Root && strings.HasSuffix(got, "/") {
			t.Fatalf("Resolve(%q, %q) = %q: trailing slash", cwd, arg, got)
		}
		for _, name := range strings.Split(strings.TrimPrefix(got, Root), "/") {
			if got != Root && !validName(name) {
				t.Fatalf("Resolve(%q, %q) = %q: invalid name %q", cwd, arg, got, name)
			}
		}
		again, err := Resolve("flash:/other", got)
		if err != nil || again != got {
			t.Fatalf("Resolve(%q) = %q, %v; want it unchanged", got, again, err)
		}
		if _, err := splitPath(got); err != nil {
			t.Fatalf("splitPath(%q): %v", got, err)
		}
	})
}

func TestBaseDir(t *testing.T) {
	tests := []struct{ path, dir, base string }{
		{"flash:/", "flash:/", ""},
		{"flash:/a", "flash:/", "a"},
		{"flash:/a/b.txt", "flash:/a", "b.txt"},
		{"flash:/a/b/c", "flash:/a/b", "c"},
	}
	for _, tt := range tests {
		if got := Dir(tt.path); got != tt.dir {
			t.Errorf("Dir(%q) = %q, want %q", tt.path, got, tt.dir)
		}
		if got := Base(tt.path); got != tt.base {
			t.Errorf("Base(%q) = %q, want %q", tt.path, got, tt.base)
		}
	}
}
