package flash

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The disk backend keeps its own data in a hidden directory at the top of the
// data directory. Its name is reserved: no path may use it.
const (
	metaDir  = ".vrpsim"
	tmpDir   = metaDir + "/tmp" // files being written; emptied at start
	binDir   = metaDir + "/bin" // deleted files: ID (data) and ID.path (original path)
	lockName = metaDir + "/lock"
	binExt   = ".path"
)

// readChunk is how much space a writer claims at a time when it copies from a reader.
const readChunk = 4 << 20

// NewDisk returns a file system kept in the directory dir, which is created if
// it does not exist. Files are stored under their names, so the directory may be
// prepared or inspected with ordinary tools; NewDisk keeps its own data (files
// being written, the recycle bin) in the hidden directory dir/.vrpsim, which
// ReadDir never shows. Every path is resolved inside dir with os.Root, and
// symbolic links in dir are ignored, so nothing outside dir can be reached.
//
// Regular files with more than one hard link are ignored as symbolic links are
// (not listed, not opened, not counted): their contents may be those of a file
// outside dir. A write to such a name replaces the link, never writes through it.
//
// NewDisk removes temporary files a crash left behind, loads the recycle bin and
// adds up the size of the files to know the free space (files the device cannot
// show, such as names it does not accept, count as used too). Files may change
// behind the device's back: Usage counts them again, and so does a write before
// it fails for want of space. Only one FS may use a directory at a time (it
// holds a lock on it); the FS also implements io.Closer, and Close releases the
// directory. Open returns an *os.File.
func NewDisk(dir string, opts Options) (FS, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("flash: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("flash: %w", err)
	}
	fsys := &diskFS{opts: opts, root: root, space: space{total: opts.capacity()}, bin: map[string]*diskDeleted{}}
	if err := fsys.start(); err != nil {
		fsys.Close()
		return nil, fmt.Errorf("flash: %s: %w", dir, err)
	}
	return fsys, nil
}

type diskFS struct {
	opts  Options
	space space
	root  *os.Root
	lock  *os.File
	seq   atomic.Uint64

	mu  sync.RWMutex // held for reading to look up, for writing to change the tree or the bin
	bin map[string]*diskDeleted
}

// diskDeleted is a file in the recycle bin.
type diskDeleted struct {
	id      string
	names   []string
	size    int64
	mod     time.Time
	deleted time.Time // used at start to tell which of two deletions is newer
}

// start prepares the directory: lock, clean temporary files, load the bin, count.
func (fsys *diskFS) start() error {
	for _, d := range []string{metaDir, binDir} {
		if err := fsys.root.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if fi, err := fsys.root.Lstat(d); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", d)
		}
	}
	lock, err := fsys.root.OpenFile(lockName, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	fsys.lock = lock
	if err := lockFile(lock); err != nil {
		return fmt.Errorf("directory in use by another flash file system: %w", err)
	}
	if err := fsys.root.RemoveAll(tmpDir); err != nil {
		return err
	}
	if err := fsys.root.Mkdir(tmpDir, 0o755); err != nil {
		return err
	}
	if err := fsys.loadBin(); err != nil {
		return err
	}
	return fsys.count()
}

// count sets the stored bytes to what the directory holds: the files under
// it and the deleted files. Files may be added, changed or removed behind the
// device's back, so this is done again before the free space is reported and
// before a write is refused for want of space. The caller holds fsys.mu, or
// is start.
func (fsys *diskFS) count() error {
	used, err := fsys.sizeOf(".")
	if err != nil {
		return err
	}
	for _, d := range fsys.bin {
		used += d.size
	}
	fsys.space.setStored(used)
	return nil
}

// loadBin reads the recycle bin and drops halves of deletions a crash interrupted.
func (fsys *diskFS) loadBin() error {
	entries, err := readDirAt(fsys.root, binDir)
	if err != nil {
		return err
	}
	data := map[string]os.FileInfo{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), binExt) && e.Type().IsRegular() {
			if fi, err := e.Info(); err == nil && !linked(fi) {
				data[e.Name()] = fi
			}
		}
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), binExt)
		if !ok {
			continue
		}
		text, err := fsys.root.ReadFile(binDir + "/" + e.Name())
		if err != nil {
			return err
		}
		recorded, err := e.Info() // when the file was deleted
		if err != nil {
			return err
		}
		names, err := splitPath(strings.TrimSuffix(string(text), "\n"))
		fi, ok := data[id]
		if err != nil || len(names) == 0 || !ok {
			fsys.root.Remove(binDir + "/" + e.Name())
			continue
		}
		key := pathKey(names)
		if old, dup := fsys.bin[key]; dup && !recorded.ModTime().Before(old.deleted) {
			fsys.purgeFiles(old.id)
		} else if dup {
			fsys.purgeFiles(id)
			delete(data, id)
			continue
		}
		fsys.bin[key] = &diskDeleted{id: id, names: names, size: fi.Size(), mod: fi.ModTime(), deleted: recorded.ModTime()}
		delete(data, id)
	}
	for id := range data { // data without a path: the deletion did not finish
		fsys.root.Remove(binDir + "/" + id)
	}
	return nil
}

// sizeOf adds up the sizes of the regular files under dir, outside metaDir,
// but for files with other hard links (see linked), which the device ignores.
func (fsys *diskFS) sizeOf(dir string) (int64, error) {
	var sum int64
	stack := []string{dir}
	for len(stack) > 0 {
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		entries, err := readDirAt(fsys.root, d)
		if err != nil {
			return 0, err
		}
		for _, e := range entries {
			p := d + "/" + e.Name()
			if d == "." {
				if foldKey(e.Name()) == foldKey(metaDir) {
					continue
				}
				p = e.Name()
			}
			switch {
			case e.IsDir():
				stack = append(stack, p)
			case e.Type().IsRegular():
				if fi, err := e.Info(); err == nil && !linked(fi) {
					sum += fi.Size()
				}
			}
		}
	}
	return sum, nil
}

// Close releases the directory. Files already open stay readable.
func (fsys *diskFS) Close() error {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	if fsys.lock != nil {
		fsys.lock.Close()
		fsys.lock = nil
	}
	return fsys.root.Close()
}

func readDirAt(root *os.Root, dir string) ([]os.DirEntry, error) {
	f, err := root.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

// hostPath is the name inside the root of the entry at real names.
func hostPath(real []string) string {
	if len(real) == 0 {
		return "."
	}
	return strings.Join(real, "/")
}

// split parses a canonical path and refuses the reserved name.
func (fsys *diskFS) split(path string) ([]string, error) {
	names, err := splitPath(path)
	if err != nil {
		return nil, err
	}
	if len(names) > 0 && foldKey(names[0]) == foldKey(metaDir) {
		return nil, ErrInvalidPath
	}
	return names, nil
}

// usable reports whether a directory entry is something the device shows: a
// regular file or a directory with a valid name (symbolic links and the like are
// ignored), and not the reserved directory. Files with other hard links are
// ignored too: the callers check linked on the entry's information.
func usable(dir []string, name string, mode fs.FileMode) bool {
	if !mode.IsRegular() && !mode.IsDir() || !validName(name) {
		return false
	}
	return len(dir) > 0 || foldKey(name) != foldKey(metaDir)
}

// child finds the entry of directory dir (real names) whose name matches name
// case-insensitively; an exact match wins. It returns the entry's real name.
// The caller holds fsys.mu.
func (fsys *diskFS) child(dir []string, name string) (string, os.FileInfo, error) {
	if !validName(name) {
		return "", nil, ErrInvalidPath
	}
	fi, err := fsys.root.Lstat(hostPath(append(slices.Clip(dir), name)))
	if err == nil && usable(dir, name, fi.Mode()) && !linked(fi) {
		return name, fi, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", nil, mapErr(err)
	}
	entries, err := readDirAt(fsys.root, hostPath(dir))
	if err != nil {
		return "", nil, mapErr(err)
	}
	key := foldKey(name)
	for _, e := range entries {
		if e.Name() != name && foldKey(e.Name()) == key && usable(dir, e.Name(), e.Type()) {
			fi, err := e.Info()
			if err != nil {
				return "", nil, mapErr(err)
			}
			if linked(fi) {
				continue
			}
			return e.Name(), fi, nil
		}
	}
	return "", nil, ErrNotExist
}

// lookup finds the entry at names; it returns its real names and information.
// The caller holds fsys.mu.
func (fsys *diskFS) lookup(names []string) ([]string, os.FileInfo, error) {
	real := make([]string, 0, len(names))
	fi, err := fsys.root.Stat(".")
	if err != nil {
		return nil, nil, mapErr(err)
	}
	for _, name := range names {
		if !fi.IsDir() {
			return nil, nil, ErrNotDir
		}
		var r string
		if r, fi, err = fsys.child(real, name); err != nil {
			return nil, nil, err
		}
		real = append(real, r)
	}
	return real, fi, nil
}

// parent finds the directory holding names and returns its real names.
// The caller holds fsys.mu.
func (fsys *diskFS) parent(names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, ErrInvalidPath
	}
	real, fi, err := fsys.lookup(names[:len(names)-1])
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, ErrNotDir
	}
	return real, nil
}

// mapErr turns errors of the host's file system into this package's.
func mapErr(err error) error {
	switch {
	case errors.Is(err, syscall.ENOTEMPTY): // before ErrExist, which it also matches
		return ErrNotEmpty
	case errors.Is(err, fs.ErrNotExist):
		return ErrNotExist
	case errors.Is(err, fs.ErrExist):
		return ErrExist
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return ErrNoSpace
	case errors.Is(err, syscall.ENOTDIR):
		return ErrNotDir
	case errors.Is(err, syscall.EISDIR):
		return ErrIsDir
	case errors.Is(err, syscall.ENAMETOOLONG):
		return ErrInvalidPath
	case errors.Is(err, os.ErrClosed):
		return ErrClosed
	}
	return err
}

func info(real []string, fi os.FileInfo) FileInfo {
	out := FileInfo{Path: joinNames(real), ModTime: fi.ModTime(), IsDir: fi.IsDir()}
	if len(real) > 0 {
		out.Name = real[len(real)-1]
	}
	if !fi.IsDir() {
		out.Size = fi.Size()
	}
	return out
}

func (fsys *diskFS) Stat(path string) (FileInfo, error) {
	names, err := fsys.split(path)
	if err != nil {
		return FileInfo{}, pathErr("stat", path, err)
	}
	fsys.mu.RLock()
	defer fsys.mu.RUnlock()
	real, fi, err := fsys.lookup(names)
	if err != nil {
		return FileInfo{}, pathErr("stat", path, err)
	}
	return info(real, fi), nil
}

func (fsys *diskFS) ReadDir(path string) ([]FileInfo, error) {
	names, err := fsys.split(path)
	if err != nil {
		return nil, pathErr("readdir", path, err)
	}
	fsys.mu.RLock()
	defer fsys.mu.RUnlock()
	real, fi, err := fsys.lookup(names)
	if err != nil {
		return nil, pathErr("readdir", path, err)
	}
	if !fi.IsDir() {
		return nil, pathErr("readdir", path, ErrNotDir)
	}
	entries, err := readDirAt(fsys.root, hostPath(real))
	if err != nil {
		return nil, pathErr("readdir", path, mapErr(err))
	}
	list := make([]FileInfo, 0, len(entries))
	for _, e := range entries {
		if !usable(real, e.Name(), e.Type()) {
			continue
		}
		fi, err := e.Info()
		if err != nil || linked(fi) {
			continue // removed meanwhile by someone else, or ignored
		}
		list = append(list, info(append(slices.Clip(real), e.Name()), fi))
	}
	sortInfos(list)
	return list, nil
}

func (fsys *diskFS) Open(path string) (ReadFile, error) {
	names, err := fsys.split(path)
	if err != nil {
		return nil, pathErr("open", path, err)
	}
	fsys.mu.RLock()
	defer fsys.mu.RUnlock()
	real, fi, err := fsys.lookup(names)
	if err != nil {
		return nil, pathErr("open", path, err)
	}
	if fi.IsDir() {
		return nil, pathErr("open", path, ErrIsDir)
	}
	f, err := fsys.openFile(real)
	if err != nil {
		return nil, pathErr("open", path, err)
	}
	return f, nil
}

// openFile opens the file at real names for reading. What was opened is
// checked, not what lookup saw, since the entry may have been replaced
// meanwhile: it must be a regular file without other hard links.
func (fsys *diskFS) openFile(real []string) (*os.File, error) {
	f, err := fsys.root.OpenFile(hostPath(real), os.O_RDONLY, 0)
	if err != nil {
		return nil, mapErr(err)
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, mapErr(err)
	case fi.IsDir():
		f.Close()
		return nil, ErrIsDir
	case !fi.Mode().IsRegular() || linked(fi):
		f.Close()
		return nil, ErrNotExist
	}
	return f, nil
}

// newTemp creates a temporary file for a writer.
func (fsys *diskFS) newTemp() (*os.File, string, error) {
	name := fmt.Sprintf("%s/%d-%d", tmpDir, os.Getpid(), fsys.seq.Add(1))
	f, err := fsys.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, "", mapErr(err)
	}
	return f, name, nil
}

func (fsys *diskFS) Create(path string, offset int64) (WriteFile, error) {
	names, err := fsys.split(path)
	if err != nil {
		return nil, pathErr("create", path, err)
	}
	if offset < 0 {
		return nil, pathErr("create", path, ErrInvalidOffset)
	}
	w, old, err := fsys.create(names, offset)
	if err != nil {
		return nil, pathErr("create", path, err)
	}
	w.path = path
	if old != nil { // keep the first offset bytes of the old file
		defer old.Close()
		n, err := w.f.ReadFrom(io.LimitReader(old, offset))
		if err == nil && n != offset {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			w.Abort()
			return nil, pathErr("create", path, mapErr(err))
		}
	}
	return w, nil
}

// create checks the target and starts a writer. With an offset it also returns
// the old file, to copy from, having reserved the space for the copy.
func (fsys *diskFS) create(names []string, offset int64) (*diskWriter, *os.File, error) {
	fsys.mu.RLock()
	defer fsys.mu.RUnlock()
	dir, err := fsys.parent(names)
	if err != nil {
		return nil, nil, err
	}
	name, fi, err := fsys.child(dir, names[len(names)-1])
	switch {
	case err != nil && !errors.Is(err, ErrNotExist):
		return nil, nil, err
	case err == nil && fi.IsDir():
		return nil, nil, ErrIsDir
	case offset == 0:
	case err != nil:
		return nil, nil, err
	case offset > fi.Size():
		return nil, nil, ErrInvalidOffset
	}
	var old *os.File
	if offset > 0 {
		if old, err = fsys.openFile(append(dir, name)); err != nil {
			return nil, nil, err
		}
		if !fsys.space.reserve(offset) && (fsys.count() != nil || !fsys.space.reserve(offset)) {
			old.Close()
			return nil, nil, ErrNoSpace
		}
	}
	f, tmp, err := fsys.newTemp()
	if err != nil {
		if old != nil {
			old.Close()
			fsys.space.unreserve(offset)
		}
		return nil, nil, err
	}
	return &diskWriter{fsys: fsys, names: names, f: f, tmp: tmp, reserved: offset}, old, nil
}

// diskWriter fills a temporary file that Commit renames into place.
type diskWriter struct {
	fsys     *diskFS
	path     string
	names    []string
	mu       sync.Mutex
	f        *os.File
	tmp      string
	reserved int64
	done     bool
}

func (w *diskWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return 0, pathErr("write", w.path, ErrClosed)
	}
	if !w.fsys.reserve(int64(len(p))) {
		w.abort()
		return 0, pathErr("write", w.path, ErrNoSpace)
	}
	w.reserved += int64(len(p))
	n, err := w.f.Write(p)
	if err != nil {
		w.abort()
		return n, pathErr("write", w.path, mapErr(err))
	}
	return n, nil
}

// ReadFrom copies r into the file; io.Copy uses it, so that the kernel moves
// the data (copy_file_range from a file, splice from a socket) when it can.
// An error aborts the file, except an expired deadline of r
// (os.ErrDeadlineExceeded): the bytes so far stay, and the caller may go on
// reading into the file or abort it.
func (w *diskWriter) ReadFrom(r io.Reader) (int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return 0, pathErr("write", w.path, ErrClosed)
	}
	// A limit from the caller is applied here, so that r stays the reader
	// itself: the kernel splices from a socket only through one
	// io.LimitedReader.
	limit := int64(-1)
	if lr, ok := r.(*io.LimitedReader); ok {
		r, limit = lr.R, lr.N
		defer func() { lr.N = limit }()
	}
	var total int64
	for {
		want := int64(readChunk)
		if limit >= 0 {
			if limit == 0 {
				return total, nil
			}
			want = min(want, limit)
		}
		chunk := w.fsys.reserveUpTo(want)
		if chunk == 0 { // full: fail only if there is more to write
			var b [1]byte
			n, err := io.ReadAtLeast(r, b[:], 1)
			if n > 0 {
				w.abort()
				return total, pathErr("write", w.path, ErrNoSpace)
			}
			if err == io.EOF {
				return total, nil
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				w.abort()
			}
			return total, err
		}
		n, err := w.f.ReadFrom(&io.LimitedReader{R: r, N: chunk})
		total += n
		if limit >= 0 {
			limit -= n
		}
		w.reserved += n
		w.fsys.space.unreserve(chunk - n)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return total, err // the source's deadline, not the file's fault
		}
		if err != nil {
			w.abort()
			return total, pathErr("write", w.path, mapErr(err))
		}
		if n < chunk {
			return total, nil
		}
	}
}

func (w *diskWriter) Commit() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return pathErr("commit", w.path, ErrClosed)
	}
	if err := w.commit(); err != nil {
		w.abort()
		return pathErr("commit", w.path, err)
	}
	w.done = true
	return nil
}

func (w *diskWriter) commit() error {
	fsys := w.fsys
	if fsys.opts.Sync {
		if err := w.f.Sync(); err != nil {
			return mapErr(err)
		}
	}
	if err := w.f.Close(); err != nil {
		return mapErr(err)
	}
	if fsys.opts.Clock != nil {
		now := fsys.opts.now()
		if err := fsys.root.Chtimes(w.tmp, now, now); err != nil {
			return mapErr(err)
		}
	}
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	dir, err := fsys.parent(w.names)
	if err != nil {
		return err
	}
	name, fi, err := fsys.child(dir, w.names[len(w.names)-1])
	var oldSize int64
	switch {
	case err == nil && fi.IsDir():
		return ErrIsDir
	case err == nil:
		oldSize = fi.Size() // a replaced file keeps the case of its name
	case errors.Is(err, ErrNotExist):
		name = w.names[len(w.names)-1]
	default:
		return err
	}
	if err := fsys.replace(w.tmp, dir, name, fi != nil); err != nil {
		return mapErr(err)
	}
	fsys.space.store(w.reserved, oldSize)
	fsys.touch(dir)
	if fsys.opts.Sync {
		fsys.syncDir(dir)
	}
	return nil
}

// replace moves the temporary file tmp to name in dir. When a file is there
// (exists), the two are swapped atomically and the old file, now at tmp, is
// removed; where the swap is not supported, tmp is renamed over the file.
// The caller holds fsys.mu.
func (fsys *diskFS) replace(tmp string, dir []string, name string, exists bool) error {
	target := hostPath(append(slices.Clip(dir), name))
	if exists {
		err := exchange(fsys.root, tmpDir, tmp[len(tmpDir)+1:], hostPath(dir), name)
		if err == nil {
			fsys.root.Remove(tmp)
			return nil
		}
		if !errors.Is(err, errors.ErrUnsupported) && !errors.Is(err, syscall.EINVAL) &&
			!errors.Is(err, syscall.ENOSYS) && !errors.Is(err, syscall.EOPNOTSUPP) {
			return err
		}
	}
	return fsys.root.Rename(tmp, target)
}

// touch sets the modification time of a changed directory when the clock is
// not the system's, as the memory backend does. The caller holds fsys.mu.
func (fsys *diskFS) touch(dir []string) {
	if fsys.opts.Clock != nil {
		now := fsys.opts.now()
		fsys.root.Chtimes(hostPath(dir), now, now)
	}
}

// syncDir flushes a directory, making a rename in it durable.
func (fsys *diskFS) syncDir(dir []string) {
	if d, err := fsys.root.Open(hostPath(dir)); err == nil {
		d.Sync()
		d.Close()
	}
}

func (w *diskWriter) Abort() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.abort()
}

// abort discards the write. The caller holds w.mu.
func (w *diskWriter) abort() {
	if w.done {
		return
	}
	w.done = true
	w.f.Close()
	w.fsys.root.Remove(w.tmp)
	w.fsys.space.unreserve(w.reserved)
}

func (fsys *diskFS) Mkdir(path string) error {
	names, err := fsys.split(path)
	if err != nil {
		return pathErr("mkdir", path, err)
	}
	if len(names) == 0 {
		return pathErr("mkdir", path, ErrExist)
	}
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	dir, err := fsys.parent(names)
	if err != nil {
		return pathErr("mkdir", path, err)
	}
	name := names[len(names)-1]
	if _, _, err := fsys.child(dir, name); !errors.Is(err, ErrNotExist) {
		if err == nil {
			err = ErrExist
		}
		return pathErr("mkdir", path, err)
	}
	p := hostPath(append(dir, name))
	if err := fsys.root.Mkdir(p, 0o755); err != nil {
		return pathErr("mkdir", path, mapErr(err))
	}
	fsys.touch(append(dir, name))
	fsys.touch(dir)
	return nil
}

func (fsys *diskFS) Rmdir(path string) error {
	names, err := fsys.split(path)
	if err != nil {
		return pathErr("rmdir", path, err)
	}
	if len(names) == 0 {
		return pathErr("rmdir", path, ErrInvalidPath)
	}
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	real, fi, err := fsys.lookup(names)
	if err != nil {
		return pathErr("rmdir", path, err)
	}
	if !fi.IsDir() {
		return pathErr("rmdir", path, ErrNotDir)
	}
	if err := fsys.root.Remove(hostPath(real)); err != nil {
		return pathErr("rmdir", path, mapErr(err))
	}
	fsys.touch(real[:len(real)-1])
	// Deleted files of a removed directory cannot be recovered.
	prefix := pathKey(names) + "/"
	for k, d := range fsys.bin {
		if strings.HasPrefix(k, prefix) {
			fsys.purge(k, d)
		}
	}
	return nil
}

// purge drops a deleted file for good. The caller holds fsys.mu.
func (fsys *diskFS) purge(key string, d *diskDeleted) {
	fsys.purgeFiles(d.id)
	delete(fsys.bin, key)
	fsys.space.free(d.size)
}

func (fsys *diskFS) purgeFiles(id string) {
	fsys.root.Remove(binDir + "/" + id + binExt) // the path first: data without a path is dropped at start
	fsys.root.Remove(binDir + "/" + id)
}

func (fsys *diskFS) Remove(path string, unreserved bool) error {
	names, err := fsys.split(path)
	if err != nil {
		return pathErr("remove", path, err)
	}
	if len(names) == 0 {
		return pathErr("remove", path, ErrInvalidPath)
	}
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	real, fi, err := fsys.lookup(names)
	if err != nil {
		return pathErr("remove", path, err)
	}
	if fi.IsDir() {
		return pathErr("remove", path, ErrIsDir)
	}
	if unreserved {
		if err := fsys.root.Remove(hostPath(real)); err != nil {
			return pathErr("remove", path, mapErr(err))
		}
		fsys.touch(real[:len(real)-1])
		fsys.space.free(fi.Size())
		return nil
	}
	id := newID()
	if err := fsys.writeBinPath(id, real); err != nil {
		return pathErr("remove", path, err)
	}
	if err := fsys.root.Rename(hostPath(real), binDir+"/"+id); err != nil {
		fsys.root.Remove(binDir + "/" + id + binExt)
		return pathErr("remove", path, mapErr(err))
	}
	fsys.touch(real[:len(real)-1])
	key := pathKey(real)
	if old, ok := fsys.bin[key]; ok { // a newer deletion replaces an older one
		fsys.purge(key, old)
	}
	fsys.bin[key] = &diskDeleted{id: id, names: real, size: fi.Size(), mod: fi.ModTime()}
	return nil
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeBinPath records the original path of a deleted file, atomically.
func (fsys *diskFS) writeBinPath(id string, real []string) error {
	tmp := fmt.Sprintf("%s/%s%s", tmpDir, id, binExt)
	if err := fsys.root.WriteFile(tmp, []byte(joinNames(real)+"\n"), 0o644); err != nil {
		return mapErr(err)
	}
	if err := fsys.root.Rename(tmp, binDir+"/"+id+binExt); err != nil {
		fsys.root.Remove(tmp)
		return mapErr(err)
	}
	return nil
}

func (fsys *diskFS) Undelete(path string) error {
	names, err := fsys.split(path)
	if err != nil {
		return pathErr("undelete", path, err)
	}
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	key := pathKey(names)
	d, ok := fsys.bin[key]
	if !ok {
		return pathErr("undelete", path, ErrNotExist)
	}
	dir, err := fsys.parent(names)
	if err != nil {
		return pathErr("undelete", path, err)
	}
	name := d.names[len(d.names)-1]
	if _, _, err := fsys.child(dir, name); !errors.Is(err, ErrNotExist) {
		if err == nil {
			err = ErrExist
		}
		return pathErr("undelete", path, err)
	}
	if err := fsys.root.Rename(binDir+"/"+d.id, hostPath(append(dir, name))); err != nil {
		return pathErr("undelete", path, mapErr(err))
	}
	fsys.touch(dir)
	fsys.root.Remove(binDir + "/" + d.id + binExt)
	delete(fsys.bin, key)
	return nil
}

func (fsys *diskFS) RecycleBin(dirPath string) ([]FileInfo, error) {
	names, err := fsys.split(dirPath)
	if err != nil {
		return nil, pathErr("recyclebin", dirPath, err)
	}
	fsys.mu.RLock()
	defer fsys.mu.RUnlock()
	_, fi, err := fsys.lookup(names)
	if err != nil {
		return nil, pathErr("recyclebin", dirPath, err)
	}
	if !fi.IsDir() {
		return nil, pathErr("recyclebin", dirPath, ErrNotDir)
	}
	dk := pathKey(names)
	var list []FileInfo
	for _, d := range fsys.bin {
		if len(names) == 0 || pathKey(d.names[:len(d.names)-1]) == dk {
			list = append(list, FileInfo{
				Name: d.names[len(d.names)-1], Path: joinNames(d.names),
				Size: d.size, ModTime: d.mod, Deleted: true,
			})
		}
	}
	sortBin(list)
	return list, nil
}

func (fsys *diskFS) Purge(path string) error {
	names, err := fsys.split(path)
	if err != nil {
		return pathErr("purge", path, err)
	}
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	key := pathKey(names)
	d, ok := fsys.bin[key]
	if !ok {
		return pathErr("purge", path, ErrNotExist)
	}
	fsys.purge(key, d)
	return nil
}

func (fsys *diskFS) Rename(oldPath, newPath string) error {
	oldNames, err := fsys.split(oldPath)
	if err != nil {
		return pathErr("rename", oldPath, err)
	}
	newNames, err := fsys.split(newPath)
	if err != nil {
		return pathErr("rename", newPath, err)
	}
	if len(oldNames) == 0 {
		return pathErr("rename", oldPath, ErrInvalidPath)
	}
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	oreal, ofi, err := fsys.lookup(oldNames)
	if err != nil {
		return pathErr("rename", oldPath, err)
	}
	ndir, err := fsys.parent(newNames)
	if err != nil {
		return pathErr("rename", newPath, err)
	}
	newName := newNames[len(newNames)-1]
	nreal := append(slices.Clip(ndir), newName)
	oldKey, newKey := pathKey(oreal), pathKey(nreal)
	if existing, _, err := fsys.child(ndir, newName); err == nil {
		if newKey != oldKey || existing != oreal[len(oreal)-1] {
			return pathErr("rename", newPath, ErrExist)
		}
	} else if !errors.Is(err, ErrNotExist) {
		return pathErr("rename", newPath, err)
	}
	if ofi.IsDir() && strings.HasPrefix(newKey+"/", oldKey+"/") && newKey != oldKey {
		return pathErr("rename", newPath, ErrInvalidPath) // into itself
	}
	if hostPath(oreal) == hostPath(nreal) {
		return nil // nothing to do
	}
	if err := fsys.root.Rename(hostPath(oreal), hostPath(nreal)); err != nil {
		return pathErr("rename", newPath, mapErr(err))
	}
	fsys.touch(oreal[:len(oreal)-1])
	fsys.touch(ndir)
	if ofi.IsDir() { // deleted files inside move along
		prefix := oldKey + "/"
		for k, d := range fsys.bin {
			if !strings.HasPrefix(k, prefix) {
				continue
			}
			names := append(slices.Clip(nreal), d.names[len(oreal):]...)
			if err := fsys.writeBinPath(d.id, names); err != nil {
				return pathErr("rename", newPath, err)
			}
			delete(fsys.bin, k)
			d.names = names
			fsys.bin[pathKey(names)] = d
		}
	}
	return nil
}

func (fsys *diskFS) Copy(src, dst string) error {
	dstNames, err := fsys.split(dst)
	if err != nil {
		return pathErr("copy", dst, err)
	}
	in, err := fsys.Open(src)
	if err != nil {
		return pathErr("copy", src, cause(err))
	}
	defer in.Close()
	w, _, err := fsys.create(dstNames, 0)
	if err != nil {
		return pathErr("copy", dst, err)
	}
	w.path = dst
	if _, err := io.Copy(w, in); err != nil {
		w.Abort()
		return pathErr("copy", dst, cause(err))
	}
	if err := w.Commit(); err != nil {
		return pathErr("copy", dst, cause(err))
	}
	return nil
}

// reserve claims n bytes for a writer, counting the files again before it
// refuses: some may have been removed behind the device's back. The caller
// does not hold fsys.mu.
func (fsys *diskFS) reserve(n int64) bool {
	if fsys.space.reserve(n) {
		return true
	}
	fsys.mu.RLock()
	defer fsys.mu.RUnlock()
	return fsys.count() == nil && fsys.space.reserve(n)
}

// reserveUpTo claims up to n bytes for a writer, as reserve does.
func (fsys *diskFS) reserveUpTo(n int64) int64 {
	got := fsys.space.reserveUpTo(n)
	if got == n {
		return got
	}
	fsys.mu.RLock()
	defer fsys.mu.RUnlock()
	if fsys.count() != nil {
		return got
	}
	return got + fsys.space.reserveUpTo(n-got)
}

// Usage counts the files first: some may have been added, changed or removed
// behind the device's back.
func (fsys *diskFS) Usage() (total, free int64) {
	fsys.mu.RLock()
	fsys.count() // on failure (the directory unreadable), the last count stands
	fsys.mu.RUnlock()
	return fsys.space.usage()
}

// cause returns the error a *PathError wraps, or err itself.
func cause(err error) error {
	var pe *PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
