package ftpd

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vrpsim/vrpsim/flash"
)

// memFS is a small flash.FS for the tests of this package: case-insensitive
// names, a capacity and atomic replacement, no recycle bin.
type memFS struct {
	mu       sync.Mutex
	capacity int64
	nodes    map[string]*memNode // key: lower-case clean path below the device ("/", "/a/b")
	now      func() time.Time
}

type memNode struct {
	name  string
	dir   bool
	data  []byte
	mtime time.Time
}

func newMemFS(capacity int64) *memFS {
	fs := &memFS{capacity: capacity, nodes: map[string]*memNode{}, now: time.Now}
	fs.nodes["/"] = &memNode{name: "flash:", dir: true, mtime: fs.now()}
	return fs
}

func (fs *memFS) key(p string) (string, error) {
	if !strings.HasPrefix(strings.ToLower(p), flash.Device) {
		return "", &flashPathError{p, flash.ErrInvalidPath}
	}
	rest := p[len(flash.Device):]
	if rest == "" {
		rest = "/"
	}
	if !strings.HasPrefix(rest, "/") || strings.ContainsAny(rest, `\:*"'~`) {
		return "", &flashPathError{p, flash.ErrInvalidPath}
	}
	return strings.ToLower(path.Clean(rest)), nil
}

type flashPathError struct {
	path string
	err  error
}

func (e *flashPathError) Error() string { return e.path + ": " + e.err.Error() }
func (e *flashPathError) Unwrap() error { return e.err }

func (fs *memFS) info(k string, n *memNode) flash.FileInfo {
	return flash.FileInfo{Name: n.name, Path: flash.Device + k, Size: int64(len(n.data)), ModTime: n.mtime, IsDir: n.dir}
}

func (fs *memFS) Stat(p string) (flash.FileInfo, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	k, err := fs.key(p)
	if err != nil {
		return flash.FileInfo{}, err
	}
	n := fs.nodes[k]
	if n == nil {
		return flash.FileInfo{}, &flashPathError{p, flash.ErrNotExist}
	}
	return fs.info(k, n), nil
}

func (fs *memFS) ReadDir(p string) ([]flash.FileInfo, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	k, err := fs.key(p)
	if err != nil {
		return nil, err
	}
	n := fs.nodes[k]
	if n == nil {
		return nil, &flashPathError{p, flash.ErrNotExist}
	}
	if !n.dir {
		return nil, &flashPathError{p, flash.ErrNotDir}
	}
	var list []flash.FileInfo
	for ck, cn := range fs.nodes {
		if ck != "/" && path.Dir(ck) == k {
			list = append(list, fs.info(ck, cn))
		}
	}
	sort.Slice(list, func(i, j int) bool { return strings.ToLower(list[i].Name) < strings.ToLower(list[j].Name) })
	return list, nil
}

type memReader struct{ *bytes.Reader }

func (memReader) Close() error { return nil }

func (fs *memFS) Open(p string) (flash.ReadFile, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	k, err := fs.key(p)
	if err != nil {
		return nil, err
	}
	n := fs.nodes[k]
	if n == nil {
		return nil, &flashPathError{p, flash.ErrNotExist}
	}
	if n.dir {
		return nil, &flashPathError{p, flash.ErrIsDir}
	}
	return memReader{bytes.NewReader(n.data)}, nil
}

func (fs *memFS) used() int64 {
	var u int64
	for _, n := range fs.nodes {
		u += int64(len(n.data))
	}
	return u
}

type memWriter struct {
	fs   *memFS
	key  string
	name string
	buf  []byte
	done bool
}

func (w *memWriter) Write(p []byte) (int, error) {
	w.fs.mu.Lock()
	defer w.fs.mu.Unlock()
	if w.done {
		return 0, io.ErrClosedPipe
	}
	if w.fs.used()+int64(len(w.buf))+int64(len(p)) > w.fs.capacity {
		return 0, &flashPathError{w.name, flash.ErrNoSpace}
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

func (w *memWriter) Commit() error {
	w.fs.mu.Lock()
	defer w.fs.mu.Unlock()
	if w.done {
		return io.ErrClosedPipe
	}
	w.done = true
	w.fs.nodes[w.key] = &memNode{name: path.Base(w.name), data: w.buf, mtime: w.fs.now()}
	return nil
}

func (w *memWriter) Abort() {
	w.fs.mu.Lock()
	w.done = true
	w.fs.mu.Unlock()
}

func (fs *memFS) Create(p string, offset int64) (flash.WriteFile, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	k, err := fs.key(p)
	if err != nil {
		return nil, err
	}
	if parent := fs.nodes[path.Dir(k)]; parent == nil || !parent.dir {
		return nil, &flashPathError{p, flash.ErrNotExist}
	}
	w := &memWriter{fs: fs, key: k, name: p}
	if n := fs.nodes[k]; n != nil {
		if n.dir {
			return nil, &flashPathError{p, flash.ErrIsDir}
		}
		if offset > int64(len(n.data)) {
			return nil, &flashPathError{p, flash.ErrInvalidPath}
		}
		w.buf = append([]byte(nil), n.data[:offset]...)
		w.name = path.Dir(p) + "/" + n.name
	} else if offset > 0 {
		return nil, &flashPathError{p, flash.ErrInvalidPath}
	}
	return w, nil
}

func (fs *memFS) Mkdir(p string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	k, err := fs.key(p)
	if err != nil {
		return err
	}
	if fs.nodes[k] != nil {
		return &flashPathError{p, flash.ErrExist}
	}
	if parent := fs.nodes[path.Dir(k)]; parent == nil || !parent.dir {
		return &flashPathError{p, flash.ErrNotExist}
	}
	fs.nodes[k] = &memNode{name: path.Base(p), dir: true, mtime: fs.now()}
	return nil
}

func (fs *memFS) Rmdir(p string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	k, err := fs.key(p)
	if err != nil {
		return err
	}
	n := fs.nodes[k]
	switch {
	case n == nil:
		return &flashPathError{p, flash.ErrNotExist}
	case !n.dir:
		return &flashPathError{p, flash.ErrNotDir}
	}
	for ck := range fs.nodes {
		if ck != "/" && path.Dir(ck) == k {
			return &flashPathError{p, flash.ErrNotEmpty}
		}
	}
	delete(fs.nodes, k)
	return nil
}

func (fs *memFS) Remove(p string, unreserved bool) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	k, err := fs.key(p)
	if err != nil {
		return err
	}
	n := fs.nodes[k]
	switch {
	case n == nil:
		return &flashPathError{p, flash.ErrNotExist}
	case n.dir:
		return &flashPathError{p, flash.ErrIsDir}
	}
	delete(fs.nodes, k)
	return nil
}

func (fs *memFS) Undelete(p string) error                         { return fmt.Errorf("undelete: not supported") }
func (fs *memFS) RecycleBin(dir string) ([]flash.FileInfo, error) { return nil, nil }
func (fs *memFS) Purge(p string) error                            { return fmt.Errorf("purge: not supported") }
func (fs *memFS) Copy(src, dst string) error                      { return fmt.Errorf("copy: not supported") }

func (fs *memFS) Rename(oldPath, newPath string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	ok, err := fs.key(oldPath)
	if err != nil {
		return err
	}
	nk, err := fs.key(newPath)
	if err != nil {
		return err
	}
	n := fs.nodes[ok]
	if n == nil {
		return &flashPathError{oldPath, flash.ErrNotExist}
	}
	if fs.nodes[nk] != nil {
		return &flashPathError{newPath, flash.ErrExist}
	}
	if parent := fs.nodes[path.Dir(nk)]; parent == nil || !parent.dir {
		return &flashPathError{newPath, flash.ErrNotExist}
	}
	moved := map[string]*memNode{}
	for ck, cn := range fs.nodes {
		if ck == ok || strings.HasPrefix(ck, ok+"/") {
			moved[nk+ck[len(ok):]] = cn
			delete(fs.nodes, ck)
		}
	}
	for ck, cn := range moved {
		fs.nodes[ck] = cn
	}
	n.name = path.Base(newPath)
	return nil
}

func (fs *memFS) Usage() (int64, int64) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.capacity, fs.capacity - fs.used()
}

// put stores a file directly (test setup).
func (fs *memFS) put(p string, data []byte) {
	w, err := fs.Create(p, 0)
	if err != nil {
		panic(err)
	}
	if _, err := w.Write(data); err != nil {
		panic(err)
	}
	if err := w.Commit(); err != nil {
		panic(err)
	}
}

// get reads a file directly (test checks); ok is false when it does not exist.
func (fs *memFS) get(p string) ([]byte, bool) {
	f, err := fs.Open(p)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return b, true
}
