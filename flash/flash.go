// Package flash implements the simulated flash file system of a VRP device.
//
// Paths use the device's syntax: "flash:/dir/file" is absolute, "/dir/file" is
// relative to the root of the device and "dir/file" is relative to a current
// directory (see Resolve). Names are matched case-insensitively, as on the device,
// but keep the case they were created with.
//
// Two backends implement FS: NewDisk keeps the files in a directory on disk (every
// path resolved inside it with os.Root, so nothing can escape it) and NewMemory
// keeps them in memory. Both enforce a capacity, replace files atomically (a writer
// fills a temporary file that Commit renames into place, so readers never see a
// half-written file and a failure leaves the old file intact) and keep deleted files
// in a recycle bin until they are purged.
package flash

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"
)

// Device is the name of the storage device, as it prefixes absolute paths.
const Device = "flash:"

// Errors returned by FS methods, wrapped in *PathError. Test with errors.Is.
var (
	ErrNotExist    = errors.New("no such file or directory")
	ErrExist       = errors.New("file already exists")
	ErrIsDir       = errors.New("is a directory")
	ErrNotDir      = errors.New("not a directory")
	ErrNotEmpty    = errors.New("directory not empty")
	ErrNoSpace     = errors.New("insufficient space")
	ErrInvalidPath = errors.New("invalid path")
	// ErrInvalidOffset: Create was asked to keep more bytes than the file has.
	ErrInvalidOffset = errors.New("offset beyond end of file")
	// ErrClosed: the write was already committed or aborted, or the FS is closed.
	ErrClosed = errors.New("file already closed")
)

// PathError records an error and the operation and path that caused it. Path is
// the path as the caller gave it. It is io/fs's PathError, so errors.Is(err,
// ErrNotExist) and errors.As(err, new(*PathError)) both work.
type PathError = fs.PathError

// DefaultCapacity is the capacity of an AR2220's flash as dir shows it
// ("1,090,732 KB total").
const DefaultCapacity = 1090732 * 1024

// Options configure a file system.
type Options struct {
	// Capacity is the size of the device in bytes; 0 means DefaultCapacity.
	// Files in the recycle bin and writes in progress count as used.
	Capacity int64
	// Clock gives the modification time of new and changed files; nil means
	// time.Now. With a fixed clock, listings are reproducible.
	Clock func() time.Time
	// Sync makes the disk backend flush a new file to stable storage before it
	// replaces the old one, so that even a power failure leaves either the old or
	// the new file. Without it a crash of the process is safe, a crash of the
	// machine may not be.
	Sync bool
}

func (o Options) capacity() int64 {
	if o.Capacity <= 0 {
		return DefaultCapacity
	}
	return o.Capacity
}

func (o Options) now() time.Time {
	if o.Clock != nil {
		return o.Clock()
	}
	return time.Now()
}

// space accounts for the used bytes of a device: the bytes stored (files and
// deleted files) and the bytes pending (claimed by writes in progress).
type space struct {
	mu      sync.Mutex
	total   int64
	stored  int64
	pending int64
}

// reserve claims n bytes for a write; it reports false, claiming nothing, when
// they do not fit.
func (s *space) reserve(n int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > s.total-s.stored-s.pending {
		return false
	}
	s.pending += n
	return true
}

// unreserve gives back n bytes a write claimed.
func (s *space) unreserve(n int64) {
	s.mu.Lock()
	s.pending -= n
	s.mu.Unlock()
}

// store turns the reserved bytes of a write into a file, which replaced a
// file of replaced bytes (0 for none).
func (s *space) store(reserved, replaced int64) {
	s.mu.Lock()
	s.pending -= reserved
	s.stored += reserved - replaced
	s.mu.Unlock()
}

// free gives back the n bytes of a file removed for good.
func (s *space) free(n int64) {
	s.mu.Lock()
	s.stored -= n
	s.mu.Unlock()
}

// setStored sets the stored bytes to n, as counted on the medium.
func (s *space) setStored(n int64) {
	s.mu.Lock()
	s.stored = n
	s.mu.Unlock()
}

// usage returns the capacity and the free bytes: the capacity less what is
// stored and pending, never below 0 nor above the capacity.
func (s *space) usage() (total, free int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total, min(max(s.total-s.stored-s.pending, 0), s.total)
}

// Init gives a file system the layout of a fresh device: it creates the
// directories flash:/dhcp and flash:/logfile when they do not exist yet. It
// leaves everything else alone.
func Init(fsys FS) error {
	for _, name := range []string{"dhcp", "logfile"} {
		err := fsys.Mkdir(Root + name)
		if err != nil && !errors.Is(err, ErrExist) {
			return fmt.Errorf("flash: init: %w", err)
		}
	}
	return nil
}

// FileInfo describes a file or directory.
type FileInfo struct {
	Name    string    // base name, with the case it was created with
	Path    string    // canonical absolute path, e.g. "flash:/logfile/log.log"
	Size    int64     // bytes; 0 for directories
	ModTime time.Time // last modification
	IsDir   bool
	Deleted bool // in the recycle bin (only in RecycleBin results)
}

// ReadFile is an open file for reading. The disk backend returns an *os.File,
// so io.Copy to a TCP connection can use sendfile.
type ReadFile interface {
	io.ReadSeekCloser
}

// WriteFile is a file being written. Nothing is visible at its path until
// Commit succeeds; Abort (or a failed Write or Commit) discards it and leaves the
// previous file, if any, untouched. Write fails with ErrNoSpace when the data
// would exceed the capacity, and the write is then aborted. A WriteFile is used
// by one goroutine at a time: to stop a transfer, end its source (close the
// data connection) and Abort when the copy returns. A backend's ReadFrom, where
// it has one, aborts on errors too, except an expired deadline of its source
// (os.ErrDeadlineExceeded), after which the caller may read on or Abort.
type WriteFile interface {
	io.Writer
	Commit() error
	Abort()
}

// FS is a flash file system. All methods are safe for concurrent use.
//
// Paths are canonical absolute paths ("flash:/a/b") as Resolve returns them;
// anything else fails with ErrInvalidPath. Names are matched case-insensitively
// and keep the case they were created with; FileInfo.Path gives that stored case.
// Errors are *PathError values wrapping the Err* variables above.
type FS interface {
	// Stat describes a file or directory; Stat("flash:/") is the root.
	Stat(path string) (FileInfo, error)
	// ReadDir lists a directory, sorted by name (case-insensitive). Deleted files
	// are not listed (see RecycleBin).
	ReadDir(path string) ([]FileInfo, error)
	// Open opens a file for reading. A reader keeps reading the contents it
	// opened even if the file is replaced or removed meanwhile.
	Open(path string) (ReadFile, error)
	// Create starts an atomic replacement of path. The new contents begin with the
	// first offset bytes of the existing file (0: empty); offset is how FTP REST
	// and APPE resume an upload (ErrNotExist without a file, ErrInvalidOffset
	// beyond its end). The parent directory must exist and path must not be a
	// directory (ErrIsDir); both are checked again at Commit. Until Commit the
	// old file, if any, still counts as used space.
	Create(path string, offset int64) (WriteFile, error)
	// Mkdir creates a directory in an existing one (ErrExist if the name is taken).
	Mkdir(path string) error
	// Rmdir removes an empty directory (ErrNotEmpty otherwise). Deleted files that
	// were in it are purged: they cannot be recovered.
	Rmdir(path string) error
	// Remove deletes a file (ErrIsDir for a directory): into the recycle bin,
	// where it keeps its space, or for good when unreserved. A deleted file
	// replaces an older deleted file of the same path in the bin.
	Remove(path string, unreserved bool) error
	// Undelete restores a file from the recycle bin to its original path. It
	// fails with ErrNotExist when the bin has no such file or its directory is
	// gone, and with ErrExist when a file of that name exists again.
	Undelete(path string) error
	// RecycleBin lists the deleted files whose original directory is dir, or all
	// of them when dir is the root, sorted by path; each has Deleted set and the
	// path it was deleted from.
	RecycleBin(dir string) ([]FileInfo, error)
	// Purge frees a file in the recycle bin for good; path is its original path.
	Purge(path string) error
	// Rename moves a file or directory (with the deleted files under it) to a new
	// path in any existing directory. The destination must not exist (ErrExist),
	// except that a rename may change only the case of a name; a directory cannot
	// move into itself (ErrInvalidPath).
	Rename(oldPath, newPath string) error
	// Copy copies a file atomically, replacing dst if it is a file (ErrIsDir if
	// it is a directory); it fails with ErrNoSpace, leaving dst as it was, when
	// the copy does not fit.
	Copy(src, dst string) error
	// Usage reports the capacity and the free bytes. Files in the recycle bin and
	// writes in progress count as used.
	Usage() (total, free int64)
}

// Format empties a file system, as the device's "format flash:" does: it
// removes every file and directory and purges the recycle bin, then calls Init.
func Format(fsys FS) error {
	var clear func(dir string) error
	clear = func(dir string) error {
		list, err := fsys.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, fi := range list {
			if fi.IsDir {
				if err := clear(fi.Path); err != nil {
					return err
				}
				err = fsys.Rmdir(fi.Path)
			} else {
				err = fsys.Remove(fi.Path, true)
			}
			if err != nil && !errors.Is(err, ErrNotExist) {
				return err
			}
		}
		return nil
	}
	if err := clear(Root); err != nil {
		return fmt.Errorf("flash: format: %w", err)
	}
	bin, err := fsys.RecycleBin(Root)
	if err != nil {
		return fmt.Errorf("flash: format: %w", err)
	}
	for _, fi := range bin {
		if err := fsys.Purge(fi.Path); err != nil && !errors.Is(err, ErrNotExist) {
			return fmt.Errorf("flash: format: %w", err)
		}
	}
	return Init(fsys)
}

// reserveUpTo claims up to n bytes for a write and returns how many it claimed.
func (s *space) reserveUpTo(n int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n = max(min(n, s.total-s.stored-s.pending), 0)
	s.pending += n
	return n
}
