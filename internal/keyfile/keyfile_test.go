package keyfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestReplaceAndCreate: Replace stores and replaces, Create stores once and
// then refuses with fs.ErrExist; the key has mode 0600, its new directory
// 0700, and no temporary file is left.
func TestReplaceAndCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	path := filepath.Join(dir, "key")
	check := func(want string) {
		t.Helper()
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Fatalf("%s holds %q (%v), want %q", path, got, err, want)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v (%v), want 0600", fi.Mode().Perm(), err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) != 1 {
			t.Errorf("%s holds %d files (%v), want the key alone", dir, len(entries), err)
		}
	}
	if err := Create(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	check("one")
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v (%v), want 0700", fi.Mode().Perm(), err)
	}
	if err := Create(path, []byte("two")); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create over a key: %v, want fs.ErrExist", err)
	}
	check("one")
	if err := Replace(path, []byte("three")); err != nil {
		t.Fatal(err)
	}
	check("three")
}

// TestStoreFails: a path that cannot be stored gives an error, and what was
// there stays.
func TestStoreFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key")
	if err := os.Mkdir(path, 0o700); err != nil { // a directory in the key's place
		t.Fatal(err)
	}
	if err := Replace(path, []byte("x")); err == nil {
		t.Error("Replace over a directory succeeded")
	}
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Errorf("the directory is gone: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files left, want the directory alone", len(entries))
	}
}
