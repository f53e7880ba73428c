//go:build !linux

package flash

import (
	"errors"
	"os"
)

// exchange is not available: callers rename over the target instead.
func exchange(root *os.Root, dirA, nameA, dirB, nameB string) error {
	return errors.ErrUnsupported
}
