//go:build !unix

package flash

import "os"

// lockFile does nothing where flock is not available: the caller must make
// sure that only one file system uses a directory.
func lockFile(f *os.File) error { return nil }
