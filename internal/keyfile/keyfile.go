// Package keyfile stores private keys on disk so that a crash never leaves
// a truncated one: the data goes to a temporary file (mode 0600) beside the
// key's path, is synced, and only then takes the path's place.
package keyfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Replace stores data at path, replacing the file there if any. The
// directory is created (mode 0700) if needed.
func Replace(path string, data []byte) error {
	return store(path, data, os.Rename)
}

// Create stores data at path unless a file is already there; then it
// returns an error that matches fs.ErrExist (a key stored meanwhile by
// another process wins). The directory is created (mode 0700) if needed.
func Create(path string, data []byte) error {
	return store(path, data, os.Link) // unlike os.Rename, os.Link fails when path exists
}

// store writes data to a temporary file beside path and moves it there with
// place.
func store(path string, data []byte, place func(tmp, path string) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keyfile: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*") // mode 0600
	if err != nil {
		return fmt.Errorf("keyfile: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = place(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("keyfile: %w", err)
	}
	return nil
}
