package flash

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// agreePaths are the paths the operations of runAgree pick from: few enough
// that operations collide (case variants, nesting, a file where a directory is
// expected).
var agreePaths = []string{
	"flash:/a", "flash:/A", "flash:/b", "flash:/d", "flash:/D/a", "flash:/d/b",
	"flash:/d/e", "flash:/d/E/a", "flash:/e", "flash:/", "flash:/a/x",
}

// errClass names the sentinel error err matches, for comparing backends.
func errClass(err error) string {
	if err == nil {
		return "ok"
	}
	for _, s := range []error{ErrNotExist, ErrExist, ErrIsDir, ErrNotDir, ErrNotEmpty, ErrNoSpace,
		ErrInvalidPath, ErrInvalidOffset, ErrClosed} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "other: " + err.Error()
}

// snapshot describes everything a user can see of a file system.
func snapshot(t *testing.T, fsys FS) []string {
	t.Helper()
	var out []string
	var walk func(dir string)
	walk = func(dir string) {
		infos, err := fsys.ReadDir(dir)
		if err != nil {
			t.Fatalf("ReadDir(%q): %v", dir, err)
		}
		for _, fi := range infos {
			if fi.IsDir {
				out = append(out, fi.Path+"/")
				walk(fi.Path)
				continue
			}
			r, err := fsys.Open(fi.Path)
			if err != nil {
				t.Fatalf("Open(%q): %v", fi.Path, err)
			}
			b, _ := io.ReadAll(r)
			r.Close()
			out = append(out, fmt.Sprintf("%s %d %q", fi.Path, fi.Size, b))
		}
	}
	walk(Root)
	bin, err := fsys.RecycleBin(Root)
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range bin {
		out = append(out, fmt.Sprintf("[%s] %d", fi.Path, fi.Size))
	}
	total, free := fsys.Usage()
	return append(out, fmt.Sprintf("usage %d/%d", free, total))
}

// runAgree applies the operations encoded in ops to a memory and a disk file
// system and fails when they differ in a result or in what they hold.
func runAgree(t *testing.T, ops []byte) {
	const capacity = 64
	opts := Options{Capacity: capacity, Clock: fixedClock}
	dir := t.TempDir()
	disk, err := NewDisk(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { disk.(io.Closer).Close() }()
	backends := []FS{NewMemory(opts), disk}
	next := func() int {
		if len(ops) == 0 {
			return 0
		}
		b := ops[0]
		ops = ops[1:]
		return int(b)
	}
	path := func() string { return agreePaths[next()%len(agreePaths)] }
	for step := 0; len(ops) > 0; step++ {
		var what string
		var do func(FS) error
		switch next() % 9 {
		case 0, 1:
			p, size, offset := path(), next()%40, int64(next()%8)
			if offset > 4 {
				offset = 0
			}
			data := strings.Repeat(string(rune('a'+step%26)), size)
			what = fmt.Sprintf("write %s offset %d %d bytes", p, offset, size)
			do = func(fsys FS) error {
				w, err := fsys.Create(p, offset)
				if err != nil {
					return err
				}
				if _, err := io.Copy(w, onlyReader{strings.NewReader(data)}); err != nil {
					w.Abort()
					return err
				}
				return w.Commit()
			}
		case 2:
			p := path()
			what, do = "mkdir "+p, func(fsys FS) error { return fsys.Mkdir(p) }
		case 3:
			p := path()
			what, do = "rmdir "+p, func(fsys FS) error { return fsys.Rmdir(p) }
		case 4:
			p, unreserved := path(), next()%2 == 0
			what = fmt.Sprintf("remove %s unreserved=%v", p, unreserved)
			do = func(fsys FS) error { return fsys.Remove(p, unreserved) }
		case 5:
			p := path()
			what, do = "undelete "+p, func(fsys FS) error { return fsys.Undelete(p) }
		case 6:
			p := path()
			what, do = "purge "+p, func(fsys FS) error { return fsys.Purge(p) }
		case 7:
			p, q := path(), path()
			what, do = "rename "+p+" "+q, func(fsys FS) error { return fsys.Rename(p, q) }
		case 8:
			p, q := path(), path()
			what, do = "copy "+p+" "+q, func(fsys FS) error { return fsys.Copy(p, q) }
		}
		var results, states [2][]string
		for i, fsys := range backends {
			results[i] = []string{errClass(do(fsys))}
			states[i] = snapshot(t, fsys)
		}
		if diff := cmp.Diff(results[0], results[1]); diff != "" {
			t.Fatalf("step %d, %s: results differ (-memory +disk):\n%s", step, what, diff)
		}
		if diff := cmp.Diff(states[0], states[1]); diff != "" {
			t.Fatalf("step %d, %s: contents differ (-memory +disk):\n%s", step, what, diff)
		}
	}
	// The disk keeps everything across a restart.
	before := snapshot(t, disk)
	disk.(io.Closer).Close()
	if disk, err = NewDisk(dir, opts); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, snapshot(t, disk)); diff != "" {
		t.Fatalf("after restart (-before +after):\n%s", diff)
	}
}

// TestBackendsAgree runs random operation sequences against both backends.
func TestBackendsAgree(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 1))
		ops := make([]byte, 300)
		for i := range ops {
			ops[i] = byte(rng.UintN(256))
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runAgree(t, ops) })
	}
}

func FuzzBackendsAgree(f *testing.F) {
	f.Add([]byte{2, 3, 0, 0, 5, 20, 0, 4, 0, 0, 5, 0})
	f.Add([]byte{2, 3, 0, 4, 10, 0, 7, 3, 1, 8, 4, 6})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 400 {
			ops = ops[:400]
		}
		runAgree(t, ops)
	})
}
