//go:build !unix

package flash

import "io/fs"

// linked reports false: the link count of a file is not available here.
func linked(fi fs.FileInfo) bool { return false }
