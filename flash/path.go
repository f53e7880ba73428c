package flash

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of path arguments. The device (S-series) allows 1-160 characters in a
// file argument and 1-15 in a directory name; names here may be longer so that
// files uploaded by ordinary FTP clients fit.
const (
	MaxPathLen = 160 // characters in an argument and in a canonical path
	MaxNameLen = 64  // characters in one file or directory name (and at most 255 bytes)
)

// maxNameBytes is the longest name, in bytes, that host file systems store.
const maxNameBytes = 255

// Root is the canonical path of the root directory.
const Root = Device + "/"

// forbiddenNameChars are the characters the device refuses inside names.
const forbiddenNameChars = `~*/\:'"`

// Resolve turns a path argument into a canonical absolute path ("flash:/a/b", or
// "flash:/" for the root), the form FS methods take. cwd is the canonical current
// directory ("flash:" is accepted for the root).
//
// Accepted forms of arg:
//
//	flash:/a/b   absolute ("flash:" alone is the root; the device name is case-insensitive)
//	/a/b         relative to the root of the device
//	a/b          relative to cwd
//
// "." and empty components are ignored, ".." goes to the parent (staying at the
// root), and a trailing slash is allowed. The case of names is kept; FS methods
// match names case-insensitively. Resolve fails with ErrInvalidPath (wrapped in
// a *PathError) when arg is empty or longer than MaxPathLen characters, a name
// is longer than MaxNameLen characters or 255 bytes or contains a control
// character or one of ~ * / \ : ' ", the text is not valid UTF-8, or the result
// is longer than MaxPathLen characters. Resolve does not look at any file system.
func Resolve(cwd, arg string) (string, error) {
	names, err := resolveNames(cwd, arg)
	if err != nil {
		return "", &PathError{Op: "resolve", Path: arg, Err: ErrInvalidPath}
	}
	return joinNames(names), nil
}

// resolveNames is Resolve returning the names of the components.
func resolveNames(cwd, arg string) ([]string, error) {
	if arg == "" || !utf8.ValidString(arg) || utf8.RuneCountInString(arg) > MaxPathLen {
		return nil, ErrInvalidPath
	}
	var names []string
	rest := arg
	switch {
	case hasDevice(arg):
		rest = arg[len(Device):]
	case strings.HasPrefix(arg, "/"):
	default:
		var err error
		if names, err = splitPath(cwd); err != nil {
			return nil, err
		}
	}
	for seg := range strings.SplitSeq(rest, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(names) > 0 {
				names = names[:len(names)-1]
			}
		default:
			if !validName(seg) {
				return nil, ErrInvalidPath
			}
			names = append(names, seg)
		}
	}
	if utf8.RuneCountInString(joinNames(names)) > MaxPathLen {
		return nil, ErrInvalidPath
	}
	return names, nil
}

// splitPath splits a canonical absolute path into its names. It accepts what
// Resolve accepts as long as the path starts with the device name.
func splitPath(p string) ([]string, error) {
	if !hasDevice(p) {
		return nil, ErrInvalidPath
	}
	if p == Device || p == Root {
		return nil, nil
	}
	return resolveNames(Root, p)
}

func hasDevice(p string) bool {
	return len(p) >= len(Device) && strings.EqualFold(p[:len(Device)], Device)
}

// joinNames builds the canonical path of a list of names.
func joinNames(names []string) string {
	return Root + strings.Join(names, "/")
}

// validName reports whether name may be the name of a file or directory.
func validName(name string) bool {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > MaxNameLen || len(name) > maxNameBytes || name == "." || name == ".." {
		return false
	}
	if strings.Trim(name, ". ") == "" || strings.TrimSpace(name) != name {
		return false // only dots and spaces, or leading/trailing spaces
	}
	for _, r := range name {
		if r == utf8.RuneError || unicode.IsControl(r) || strings.ContainsRune(forbiddenNameChars, r) {
			return false
		}
	}
	return true
}

// foldKey maps a name to a key that is equal for two names exactly when
// strings.EqualFold reports them equal.
func foldKey(name string) string {
	ascii := true
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToUpper(name)
	}
	var b strings.Builder
	for _, r := range name {
		smallest := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			smallest = min(smallest, f)
		}
		b.WriteRune(smallest)
	}
	return b.String()
}

// pathKey is the case-folded key of a list of names.
func pathKey(names []string) string {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = foldKey(n)
	}
	return strings.Join(keys, "/")
}

// Base returns the last name of a canonical path ("" for the root).
func Base(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return ""
}

// Dir returns the canonical path of the directory holding a canonical path
// (the root for the root).
func Dir(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i < 0 || i <= len(Device) {
		return Root
	}
	return Root[:len(Device)] + path[len(Device):i]
}
