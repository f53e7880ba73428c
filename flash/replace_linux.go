package flash

import (
	"os"

	"golang.org/x/sys/unix"
)

// exchange swaps two directory entries atomically (renameat2 RENAME_EXCHANGE).
// Both names are single components inside directories opened through root.
//
// Replacing a file this way, instead of renaming over it, keeps ext4 from
// writing the new file out synchronously (its auto_da_alloc heuristic for
// rename-over-existing), which would halve the speed of a write.
func exchange(root *os.Root, dirA, nameA, dirB, nameB string) error {
	a, err := root.Open(dirA)
	if err != nil {
		return err
	}
	defer a.Close()
	b, err := root.Open(dirB)
	if err != nil {
		return err
	}
	defer b.Close()
	return unix.Renameat2(int(a.Fd()), nameA, int(b.Fd()), nameB, unix.RENAME_EXCHANGE)
}
