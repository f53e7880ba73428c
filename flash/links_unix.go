//go:build unix

package flash

import (
	"io/fs"
	"syscall"
)

// linked reports whether fi is a regular file with more than one name (hard
// link): its contents are reachable from elsewhere too, perhaps from outside
// the data directory, so the disk backend ignores it.
func linked(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && fi.Mode().IsRegular() && uint64(st.Nlink) > 1
}
