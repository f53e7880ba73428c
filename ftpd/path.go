package ftpd

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/vrpsim/vrpsim/flash"
)

// canonicalRoot turns a user's directory ("flash:", "flash:/test/", "FLASH:/Test")
// into its canonical flash path ("flash:/", "flash:/Test").
func canonicalRoot(root string) (string, error) {
	if !strings.HasPrefix(strings.ToLower(root), flash.Device) {
		return "", fmt.Errorf("%q is not a flash path: %w", root, flash.ErrInvalidPath)
	}
	return flash.Resolve(flash.Root, root)
}

// virtualPath resolves a client's path argument against the current directory
// into a clean absolute path of the client's view ("/" is the user's root).
// ".." never leads above "/".
func virtualPath(cwd, arg string) string {
	if !strings.HasPrefix(arg, "/") {
		arg = cwd + "/" + arg
	}
	return path.Clean(arg)
}

// flashPath maps a clean client path onto the flash path under the canonical
// root. The flash file system validates the names, so a name such as "flash:"
// inside vpath is refused there (ErrInvalidPath) and cannot leave the root.
func flashPath(root, vpath string) string {
	switch {
	case vpath == "/":
		return root
	case root == flash.Root:
		return flash.Device + vpath
	}
	return root + vpath
}

// resolve maps a client's path argument to its client view and flash path.
func (s *session) resolve(arg string) (vpath, fpath string) {
	vpath = virtualPath(s.cwdPath(), arg)
	return vpath, flashPath(s.root, vpath)
}

func (s *session) cwdPath() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cwd
}

// fsError turns a flash error into a reply for the client; name is the path as
// the client gave it.
func fsError(name string, err error) (int, string) {
	var text string
	code := 550
	switch {
	case errors.Is(err, flash.ErrNotExist):
		text = "No such file or directory."
	case errors.Is(err, flash.ErrExist):
		text = "File exists."
	case errors.Is(err, flash.ErrIsDir):
		text = "Is a directory."
	case errors.Is(err, flash.ErrNotDir):
		text = "Not a directory."
	case errors.Is(err, flash.ErrNotEmpty):
		text = "Directory not empty."
	case errors.Is(err, flash.ErrNoSpace):
		return 552, "Requested file action aborted. Exceeded storage allocation."
	case errors.Is(err, flash.ErrInvalidPath):
		code, text = 553, "File name not allowed."
	default:
		return 451, "Requested action aborted: local error in processing."
	}
	if name == "" {
		return code, text
	}
	return code, fmt.Sprintf("%s: %s", name, text)
}
