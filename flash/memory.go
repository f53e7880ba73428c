package flash

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"time"
)

// NewMemory returns an empty file system kept in memory. Its contents are lost
// when it is dropped; it suits tests and throwaway labs.
func NewMemory(opts Options) FS {
	return &memFS{
		opts:  opts,
		space: space{total: opts.capacity()},
		root:  &memNode{dir: true, mod: opts.now(), children: map[string]*memNode{}},
		bin:   map[string]*memDeleted{},
	}
}

type memFS struct {
	opts  Options
	space space

	mu   sync.RWMutex // guards the tree, the bin and the nodes' fields
	root *memNode
	bin  map[string]*memDeleted // by pathKey of the original path
}

// memNode is a file or a directory. A file's data is never modified in place:
// a replacement installs a new slice, so open readers keep the old contents.
type memNode struct {
	name     string
	dir      bool
	data     []byte
	mod      time.Time
	children map[string]*memNode // by foldKey(name); directories only
}

// memDeleted is a file in the recycle bin.
type memDeleted struct {
	names []string // original path, with the case it had
	data  []byte
	mod   time.Time
}

func pathErr(op, path string, err error) error {
	return &PathError{Op: op, Path: path, Err: err}
}

// walk finds the node at names. It returns the node's canonical names (with
// their stored case) and ErrNotExist or ErrNotDir when there is no such node.
// The caller holds fs.mu.
func (fs *memFS) walk(names []string) (*memNode, []string, error) {
	n := fs.root
	real := make([]string, 0, len(names))
	for _, name := range names {
		if !n.dir {
			return nil, nil, ErrNotDir
		}
		c, ok := n.children[foldKey(name)]
		if !ok {
			return nil, nil, ErrNotExist
		}
		n = c
		real = append(real, c.name)
	}
	return n, real, nil
}

// parent finds the directory that holds names. The caller holds fs.mu.
func (fs *memFS) parent(names []string) (*memNode, []string, error) {
	if len(names) == 0 {
		return nil, nil, ErrInvalidPath
	}
	dir, real, err := fs.walk(names[:len(names)-1])
	if err != nil {
		return nil, nil, err
	}
	if !dir.dir {
		return nil, nil, ErrNotDir
	}
	return dir, real, nil
}

func (n *memNode) info(names []string, deleted bool) FileInfo {
	fi := FileInfo{Name: n.name, Path: joinNames(names), ModTime: n.mod, IsDir: n.dir, Deleted: deleted}
	if !n.dir {
		fi.Size = int64(len(n.data))
	}
	return fi
}

func (fs *memFS) Stat(path string) (FileInfo, error) {
	names, err := splitPath(path)
	if err != nil {
		return FileInfo{}, pathErr("stat", path, err)
	}
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	n, real, err := fs.walk(names)
	if err != nil {
		return FileInfo{}, pathErr("stat", path, err)
	}
	return n.info(real, false), nil
}

func (fs *memFS) ReadDir(path string) ([]FileInfo, error) {
	names, err := splitPath(path)
	if err != nil {
		return nil, pathErr("readdir", path, err)
	}
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	n, real, err := fs.walk(names)
	if err != nil {
		return nil, pathErr("readdir", path, err)
	}
	if !n.dir {
		return nil, pathErr("readdir", path, ErrNotDir)
	}
	list := make([]FileInfo, 0, len(n.children))
	for _, c := range n.children {
		list = append(list, c.info(append(slices.Clip(real), c.name), false))
	}
	sortInfos(list)
	return list, nil
}

// sortInfos sorts by name, case-insensitively (then by path, for the bin).
func sortInfos(list []FileInfo) {
	slices.SortFunc(list, func(a, b FileInfo) int {
		if c := strings.Compare(foldKey(a.Name), foldKey(b.Name)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
}

func (fs *memFS) Open(path string) (ReadFile, error) {
	names, err := splitPath(path)
	if err != nil {
		return nil, pathErr("open", path, err)
	}
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	n, _, err := fs.walk(names)
	if err != nil {
		return nil, pathErr("open", path, err)
	}
	if n.dir {
		return nil, pathErr("open", path, ErrIsDir)
	}
	return &memReader{Reader: bytes.NewReader(n.data)}, nil
}

type memReader struct{ *bytes.Reader }

func (*memReader) Close() error { return nil }

func (fs *memFS) Create(path string, offset int64) (WriteFile, error) {
	names, err := splitPath(path)
	if err != nil {
		return nil, pathErr("create", path, err)
	}
	if offset < 0 {
		return nil, pathErr("create", path, ErrInvalidOffset)
	}
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	dir, _, err := fs.parent(names)
	if err != nil {
		return nil, pathErr("create", path, err)
	}
	w := &memWriter{fs: fs, path: path, names: names}
	old, ok := dir.children[foldKey(names[len(names)-1])]
	switch {
	case ok && old.dir:
		return nil, pathErr("create", path, ErrIsDir)
	case offset == 0:
	case !ok:
		return nil, pathErr("create", path, ErrNotExist)
	case offset > int64(len(old.data)):
		return nil, pathErr("create", path, ErrInvalidOffset)
	default:
		if !fs.space.reserve(offset) {
			return nil, pathErr("create", path, ErrNoSpace)
		}
		w.reserved = offset
		w.data = append([]byte(nil), old.data[:offset]...)
	}
	return w, nil
}

// memWriter collects the new contents of a file until Commit.
type memWriter struct {
	fs       *memFS
	path     string
	names    []string
	mu       sync.Mutex
	data     []byte
	reserved int64
	done     bool
}

func (w *memWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return 0, pathErr("write", w.path, ErrClosed)
	}
	if !w.fs.space.reserve(int64(len(p))) {
		w.abort()
		return 0, pathErr("write", w.path, ErrNoSpace)
	}
	w.reserved += int64(len(p))
	w.data = append(w.data, p...)
	return len(p), nil
}

func (w *memWriter) Commit() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return pathErr("commit", w.path, ErrClosed)
	}
	fs := w.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.install(w.names, w.data); err != nil {
		w.abort()
		return pathErr("commit", w.path, err)
	}
	w.done, w.data = true, nil
	return nil
}

// install puts data at names, replacing a file there. The caller holds fs.mu and
// has reserved the space of data.
func (fs *memFS) install(names []string, data []byte) error {
	dir, _, err := fs.parent(names)
	if err != nil {
		return err
	}
	key := foldKey(names[len(names)-1])
	name := names[len(names)-1]
	var replaced int64
	if old, ok := dir.children[key]; ok {
		if old.dir {
			return ErrIsDir
		}
		replaced = int64(len(old.data))
		name = old.name // a replaced file keeps the case of its name
	}
	fs.space.store(int64(len(data)), replaced)
	dir.children[key] = &memNode{name: name, data: data, mod: fs.opts.now()}
	dir.mod = fs.opts.now()
	return nil
}

func (w *memWriter) Abort() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.abort()
}

// abort discards the write. The caller holds w.mu.
func (w *memWriter) abort() {
	if w.done {
		return
	}
	w.done = true
	w.fs.space.unreserve(w.reserved)
	w.data = nil
}

func (fs *memFS) Mkdir(path string) error {
	names, err := splitPath(path)
	if err != nil {
		return pathErr("mkdir", path, err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	dir, _, err := fs.parent(names)
	if err != nil {
		if len(names) == 0 {
			err = ErrExist
		}
		return pathErr("mkdir", path, err)
	}
	key := foldKey(names[len(names)-1])
	if _, ok := dir.children[key]; ok {
		return pathErr("mkdir", path, ErrExist)
	}
	now := fs.opts.now()
	dir.children[key] = &memNode{name: names[len(names)-1], dir: true, mod: now, children: map[string]*memNode{}}
	dir.mod = now
	return nil
}

func (fs *memFS) Rmdir(path string) error {
	names, err := splitPath(path)
	if err != nil {
		return pathErr("rmdir", path, err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	dir, _, err := fs.parent(names)
	if err != nil {
		return pathErr("rmdir", path, err)
	}
	key := foldKey(names[len(names)-1])
	n, ok := dir.children[key]
	switch {
	case !ok:
		return pathErr("rmdir", path, ErrNotExist)
	case !n.dir:
		return pathErr("rmdir", path, ErrNotDir)
	case len(n.children) > 0:
		return pathErr("rmdir", path, ErrNotEmpty)
	}
	delete(dir.children, key)
	dir.mod = fs.opts.now()
	// Deleted files of a removed directory cannot be recovered.
	prefix := pathKey(names) + "/"
	for k, d := range fs.bin {
		if strings.HasPrefix(k, prefix) {
			delete(fs.bin, k)
			fs.space.free(int64(len(d.data)))
		}
	}
	return nil
}

func (fs *memFS) Remove(path string, unreserved bool) error {
	names, err := splitPath(path)
	if err != nil {
		return pathErr("remove", path, err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	dir, real, err := fs.parent(names)
	if err != nil {
		return pathErr("remove", path, err)
	}
	key := foldKey(names[len(names)-1])
	n, ok := dir.children[key]
	switch {
	case !ok:
		return pathErr("remove", path, ErrNotExist)
	case n.dir:
		return pathErr("remove", path, ErrIsDir)
	}
	delete(dir.children, key)
	dir.mod = fs.opts.now()
	if unreserved {
		fs.space.free(int64(len(n.data)))
		return nil
	}
	real = append(real, n.name)
	bk := pathKey(real)
	if old, ok := fs.bin[bk]; ok { // a newer deletion replaces an older one
		fs.space.free(int64(len(old.data)))
	}
	fs.bin[bk] = &memDeleted{names: real, data: n.data, mod: n.mod}
	return nil
}

func (fs *memFS) Undelete(path string) error {
	names, err := splitPath(path)
	if err != nil {
		return pathErr("undelete", path, err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	bk := pathKey(names)
	d, ok := fs.bin[bk]
	if !ok {
		return pathErr("undelete", path, ErrNotExist)
	}
	dir, _, err := fs.parent(names)
	if err != nil {
		return pathErr("undelete", path, err)
	}
	key := foldKey(names[len(names)-1])
	if _, ok := dir.children[key]; ok {
		return pathErr("undelete", path, ErrExist)
	}
	delete(fs.bin, bk)
	dir.children[key] = &memNode{name: d.names[len(d.names)-1], data: d.data, mod: d.mod}
	dir.mod = fs.opts.now()
	return nil
}

func (fs *memFS) RecycleBin(dirPath string) ([]FileInfo, error) {
	names, err := splitPath(dirPath)
	if err != nil {
		return nil, pathErr("recyclebin", dirPath, err)
	}
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	n, _, err := fs.walk(names)
	if err != nil {
		return nil, pathErr("recyclebin", dirPath, err)
	}
	if !n.dir {
		return nil, pathErr("recyclebin", dirPath, ErrNotDir)
	}
	dk := pathKey(names)
	var list []FileInfo
	for _, d := range fs.bin {
		if len(names) == 0 || pathKey(d.names[:len(d.names)-1]) == dk {
			list = append(list, FileInfo{
				Name: d.names[len(d.names)-1], Path: joinNames(d.names),
				Size: int64(len(d.data)), ModTime: d.mod, Deleted: true,
			})
		}
	}
	sortBin(list)
	return list, nil
}

// sortBin sorts deleted files by path, case-insensitively.
func sortBin(list []FileInfo) {
	slices.SortFunc(list, func(a, b FileInfo) int {
		if c := strings.Compare(foldKey(a.Path), foldKey(b.Path)); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
}

func (fs *memFS) Purge(path string) error {
	names, err := splitPath(path)
	if err != nil {
		return pathErr("purge", path, err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	bk := pathKey(names)
	d, ok := fs.bin[bk]
	if !ok {
		return pathErr("purge", path, ErrNotExist)
	}
	delete(fs.bin, bk)
	fs.space.free(int64(len(d.data)))
	return nil
}

func (fs *memFS) Rename(oldPath, newPath string) error {
	oldNames, err := splitPath(oldPath)
	if err != nil {
		return pathErr("rename", oldPath, err)
	}
	newNames, err := splitPath(newPath)
	if err != nil {
		return pathErr("rename", newPath, err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	odir, oreal, err := fs.parent(oldNames)
	if err != nil {
		return pathErr("rename", oldPath, err)
	}
	okey := foldKey(oldNames[len(oldNames)-1])
	n, ok := odir.children[okey]
	if !ok {
		return pathErr("rename", oldPath, ErrNotExist)
	}
	ndir, _, err := fs.parent(newNames)
	if err != nil {
		return pathErr("rename", newPath, err)
	}
	nkey := foldKey(newNames[len(newNames)-1])
	if other, ok := ndir.children[nkey]; ok && other != n {
		return pathErr("rename", newPath, ErrExist)
	}
	oldKey, newKey := pathKey(oldNames), pathKey(newNames)
	if n.dir && strings.HasPrefix(newKey+"/", oldKey+"/") && newKey != oldKey {
		return pathErr("rename", newPath, ErrInvalidPath) // into itself
	}
	now := fs.opts.now()
	delete(odir.children, okey)
	n.name = newNames[len(newNames)-1]
	ndir.children[nkey] = n
	odir.mod, ndir.mod = now, now
	if n.dir { // deleted files inside move along
		_, nreal, _ := fs.walk(newNames)
		prefix := oldKey + "/"
		for k, d := range fs.bin {
			if strings.HasPrefix(k, prefix) {
				delete(fs.bin, k)
				d.names = append(slices.Clip(nreal), d.names[len(oreal)+1:]...)
				fs.bin[pathKey(d.names)] = d
			}
		}
	}
	return nil
}

func (fs *memFS) Copy(src, dst string) error {
	srcNames, err := splitPath(src)
	if err != nil {
		return pathErr("copy", src, err)
	}
	dstNames, err := splitPath(dst)
	if err != nil {
		return pathErr("copy", dst, err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, _, err := fs.walk(srcNames)
	if err != nil {
		return pathErr("copy", src, err)
	}
	if n.dir {
		return pathErr("copy", src, ErrIsDir)
	}
	dir, _, err := fs.parent(dstNames)
	if err != nil {
		return pathErr("copy", dst, err)
	}
	if d, ok := dir.children[foldKey(dstNames[len(dstNames)-1])]; ok && d.dir {
		return pathErr("copy", dst, ErrIsDir)
	}
	if !fs.space.reserve(int64(len(n.data))) {
		return pathErr("copy", dst, ErrNoSpace)
	}
	if err := fs.install(dstNames, n.data); err != nil { // data is never modified: share it
		fs.space.unreserve(int64(len(n.data)))
		return pathErr("copy", dst, err)
	}
	return nil
}

func (fs *memFS) Usage() (total, free int64) { return fs.space.usage() }
