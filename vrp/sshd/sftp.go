package sshd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gliderlabs/ssh"
	"github.com/pkg/sftp"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp"
)

// maxPendingWrite bounds the bytes of an SFTP upload that arrived ahead of
// a gap (the server's workers may take the writes of one file out of
// order); a client that leaves a larger gap is refused.
const maxPendingWrite = 16 << 20

// handleSFTP serves the "sftp" subsystem: the user's directory on the
// device's flash (see vrp.Device.OpenFileService), through
// github.com/pkg/sftp's request server.
func (srv *Server) handleSFTP(ss ssh.Session) {
	end, ok := srv.startSession(ss)
	if !ok {
		return
	}
	defer end()
	remote := addrPort(ss.RemoteAddr())
	login, err := srv.Device.OpenFileService(ss.User(), vrp.ServiceSFTP, remote)
	if err != nil {
		srv.log.Info("sftp session refused", "user", ss.User(), "remote", remote.String(), "err", err)
		io.WriteString(ss.Stderr(), msgRefused)
		ss.Exit(1)
		return
	}
	defer login.Release()
	defer endWith(ss, login.Done)()
	fsys := &flashFiles{
		fs: srv.Device.Flash(), root: login.Root,
		log: func(ev vrp.FileEvent) {
			ev.Service, ev.User, ev.Remote = vrp.ServiceSFTP, ss.User(), remote
			srv.Device.LogFileEvent(ev)
		},
	}
	h := sftp.Handlers{FileGet: fsys, FilePut: fsys, FileCmd: fsys, FileList: fsys}
	// sftpLimits tells OpenSSH's sftp to read and write up to sftpMaxData
	// at a time (32 KiB without it): the request server reads that much.
	// Its allocator reuses the buffers of packets (256 KiB each) instead
	// of allocating them for every packet: the garbage collector and the
	// page faults of fresh memory cost more than the transfer itself. The
	// pages, as many as requests in flight, are kept until the session
	// ends; upload.WriteAt copies what it keeps.
	rs := sftp.NewRequestServer(newSFTPLimits(ss), h, sftp.WithRSMaxTxPacket(sftpMaxData), sftp.WithRSAllocator())
	err = rs.Serve()
	// Not rs.Close: it would close the channel before the exit status.
	if err != nil && !errors.Is(err, io.EOF) {
		srv.log.Info("sftp session ended", "user", ss.User(), "remote", remote.String(), "err", err)
	}
	ss.Exit(0)
}

// flashFiles serves one user's directory of the flash to SFTP requests.
// Request paths are clean absolute paths of the user's view ("/" is root);
// flashPath maps them into root, which they cannot leave.
type flashFiles struct {
	fs   flash.FS
	root string // canonical flash directory
	log  func(vrp.FileEvent)

	mu      sync.Mutex
	uploads map[string]int // open uploads by flash path (fsetstat finds a new file there)
}

// writing reports whether an upload to fp is open.
func (f *flashFiles) writing(fp string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.uploads[strings.ToLower(fp)] > 0
}

// track counts an open upload to fp (+1) or its end (-1).
func (f *flashFiles) track(fp string, delta int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.uploads == nil {
		f.uploads = map[string]int{}
	}
	k := strings.ToLower(fp)
	if f.uploads[k] += delta; f.uploads[k] <= 0 {
		delete(f.uploads, k)
	}
}

// flashPath maps a clean client path ("/a/b") to the flash path under the
// root. Names the flash refuses (with ":" or "\", say) fail here, and the
// result never lies outside the root.
func (f *flashFiles) flashPath(p string) (string, error) {
	rel := strings.TrimLeft(path.Clean("/"+p), "/")
	if rel == "" {
		return f.root, nil
	}
	fp, err := flash.Resolve(f.root, rel)
	if err != nil {
		return "", sftpError(err)
	}
	prefix := strings.TrimSuffix(f.root, "/") + "/"
	if !strings.HasPrefix(fp, prefix) {
		return "", permissionDenied("path outside the directory")
	}
	return fp, nil
}

// statusError is an SFTP status: the code the client gets and a message.
type statusError struct {
	msg  string
	code error // one of sftp's ErrSSHFx* values
}

func (e *statusError) Error() string { return e.msg }
func (e *statusError) Unwrap() error { return e.code }

func permissionDenied(msg string) error {
	return &statusError{msg: msg, code: sftp.ErrSSHFxPermissionDenied}
}

// sftpError turns a flash error into the SFTP status the client sees.
func sftpError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flash.ErrNotExist):
		return &statusError{msg: "No such file or directory", code: sftp.ErrSSHFxNoSuchFile}
	case errors.Is(err, flash.ErrNoSpace):
		return &statusError{msg: "The space of the flash is insufficient", code: sftp.ErrSSHFxFailure}
	case errors.Is(err, flash.ErrExist):
		return &statusError{msg: "File exists", code: sftp.ErrSSHFxFailure}
	case errors.Is(err, flash.ErrIsDir):
		return &statusError{msg: "Is a directory", code: sftp.ErrSSHFxFailure}
	case errors.Is(err, flash.ErrNotDir):
		return &statusError{msg: "Not a directory", code: sftp.ErrSSHFxFailure}
	case errors.Is(err, flash.ErrNotEmpty):
		return &statusError{msg: "Directory not empty", code: sftp.ErrSSHFxFailure}
	case errors.Is(err, flash.ErrInvalidPath):
		return permissionDenied("File name not allowed")
	}
	var se *statusError
	if errors.As(err, &se) {
		return se
	}
	return &statusError{msg: "Failure", code: sftp.ErrSSHFxFailure}
}

// Fileread opens a file for a download.
func (f *flashFiles) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	fp, err := f.flashPath(r.Filepath)
	if err != nil {
		return nil, err
	}
	rf, err := f.fs.Open(fp)
	if err != nil {
		return nil, sftpError(err)
	}
	ra, ok := rf.(io.ReaderAt)
	if !ok {
		rf.Close()
		return nil, &statusError{msg: "Failure", code: sftp.ErrSSHFxFailure}
	}
	return &download{f: f, path: fp, file: rf, ra: ra}, nil
}

// download is a file open for reading; its close logs the transfer.
type download struct {
	f      *flashFiles
	path   string
	file   flash.ReadFile
	ra     io.ReaderAt
	n      atomic.Int64
	failed atomic.Bool
}

func (d *download) ReadAt(p []byte, off int64) (int, error) {
	n, err := d.ra.ReadAt(p, off)
	d.n.Add(int64(n))
	return n, err
}

// TransferError notes that the session ended with the file open.
func (d *download) TransferError(error) { d.failed.Store(true) }

func (d *download) Close() error {
	d.file.Close()
	var logErr error
	if d.failed.Load() {
		logErr = io.ErrUnexpectedEOF
	}
	d.f.log(vrp.FileEvent{Op: "download", Path: d.path, Bytes: d.n.Load(), Err: logErr})
	return nil
}

// Filewrite opens a file for an upload. The upload goes to a temporary
// file (flash.FS.Create) that replaces the file only when the client closes
// it after a complete, sequential write: a transfer cut short leaves the old
// file, if any, as it was.
func (f *flashFiles) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	fp, err := f.flashPath(r.Filepath)
	if err != nil {
		return nil, err
	}
	flags := r.Pflags()
	fi, statErr := f.fs.Stat(fp)
	switch {
	case statErr == nil && fi.IsDir:
		return nil, sftpError(flash.ErrIsDir)
	case statErr == nil && flags.Excl:
		return nil, sftpError(flash.ErrExist)
	case statErr != nil && !errors.Is(statErr, flash.ErrNotExist):
		return nil, sftpError(statErr)
	case statErr != nil && !flags.Creat:
		return nil, sftpError(statErr)
	}
	u := &upload{f: f, path: fp, pending: map[int64][]byte{}}
	if statErr != nil || flags.Trunc {
		if err := u.start(0); err != nil {
			return nil, err
		}
		f.track(fp, 1)
		u.tracked = true
	} else {
		// The file stays as it is unless the client writes: from offset 0
		// (a new content) or from its end (a resumed upload).
		u.oldSize = fi.Size
	}
	return u, nil
}

// upload is a file being written by a client. The request server's workers
// may call WriteAt out of order: writes ahead of the next offset wait in
// pending until the gap is filled.
type upload struct {
	f       *flashFiles
	path    string
	oldSize int64 // size of the file kept until the first write, when not truncated

	mu           sync.Mutex
	wf           flash.WriteFile // nil until the upload starts
	base, next   int64           // first offset written, next offset expected
	pending      map[int64][]byte
	pendingBytes int
	err          error
	closed       bool
	tracked      bool // counted in f.uploads
}

// start begins the replacement of the file, keeping its first off bytes.
// Called with u.mu held or before the upload is shared.
func (u *upload) start(off int64) error {
	wf, err := u.f.fs.Create(u.path, off)
	if err != nil {
		return sftpError(err)
	}
	u.wf, u.base, u.next = wf, off, off
	return nil
}

func (u *upload) fail(err error) error {
	if u.err == nil {
		u.err = err
		if u.wf != nil {
			u.wf.Abort()
		}
		u.pending, u.pendingBytes = nil, 0
	}
	return u.err
}

func (u *upload) WriteAt(p []byte, off int64) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case u.err != nil:
		return 0, u.err
	case u.closed:
		return 0, os.ErrClosed
	case u.wf == nil && (off == 0 || off == u.oldSize):
		if err := u.start(off); err != nil {
			return 0, u.fail(err)
		}
	}
	if u.wf == nil || off > u.next {
		if _, dup := u.pending[off]; dup || u.pendingBytes+len(p) > maxPendingWrite {
			return 0, u.fail(&statusError{msg: "Only sequential writes are supported", code: sftp.ErrSSHFxOpUnsupported})
		}
		u.pending[off] = append([]byte(nil), p...)
		u.pendingBytes += len(p)
		return len(p), nil
	}
	if off < u.next {
		return 0, u.fail(&statusError{msg: "Only sequential writes are supported", code: sftp.ErrSSHFxOpUnsupported})
	}
	if err := u.write(p); err != nil {
		return 0, err
	}
	for len(u.pending) > 0 {
		q, ok := u.pending[u.next]
		if !ok {
			break
		}
		delete(u.pending, u.next)
		u.pendingBytes -= len(q)
		if err := u.write(q); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// write appends p at u.next. Called with u.mu held.
func (u *upload) write(p []byte) error {
	n, err := u.wf.Write(p)
	u.next += int64(n)
	if err != nil {
		return u.fail(sftpError(err))
	}
	return nil
}

// TransferError notes that the session ended with the file open: the
// upload is discarded.
func (u *upload) TransferError(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.fail(fmt.Errorf("transfer cut short: %w", err))
}

// Close commits a complete upload, or discards an incomplete one.
func (u *upload) Close() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return nil
	}
	u.closed = true
	if u.tracked {
		defer u.f.track(u.path, -1)
	}
	if u.err == nil && len(u.pending) > 0 {
		u.fail(&statusError{msg: "The file has a gap: only sequential writes are supported", code: sftp.ErrSSHFxFailure})
	}
	if u.err == nil && u.wf != nil {
		if err := u.wf.Commit(); err != nil {
			u.fail(sftpError(err))
		}
	}
	if u.wf == nil && u.err == nil {
		return nil // opened, nothing written: the file is unchanged
	}
	u.f.log(vrp.FileEvent{Op: "upload", Path: u.path, Bytes: u.next - u.base, Err: u.err})
	return sftpError(u.err)
}

// Filecmd runs the requests that change the file system. Links cannot be
// made; setstat is accepted and ignored (the flash keeps no modes, owners
// or times other than its own).
func (f *flashFiles) Filecmd(r *sftp.Request) error {
	fp, err := f.flashPath(r.Filepath)
	if err != nil {
		return err
	}
	op := strings.ToLower(r.Method)
	switch r.Method {
	case "Setstat":
		if _, err := f.fs.Stat(fp); err != nil && !f.writing(fp) {
			return sftpError(err)
		}
		return nil
	case "Rename":
		to, err := f.flashPath(r.Target)
		if err != nil {
			return err
		}
		err = f.fs.Rename(fp, to)
		f.log(vrp.FileEvent{Op: op, Path: fp + " -> " + to, Err: err})
		return sftpError(err)
	case "Rmdir":
		if fp == f.root {
			return permissionDenied("The directory cannot be removed")
		}
		err = f.fs.Rmdir(fp)
	case "Mkdir":
		err = f.fs.Mkdir(fp)
	case "Remove":
		err = f.fs.Remove(fp, true)
		op = "delete"
	case "Link", "Symlink":
		return permissionDenied("Links are not supported")
	default:
		return &statusError{msg: "Operation unsupported", code: sftp.ErrSSHFxOpUnsupported}
	}
	f.log(vrp.FileEvent{Op: op, Path: fp, Err: err})
	return sftpError(err)
}

// PosixRename is the posix-rename@openssh.com extension (OpenSSH's sftp
// "rename"): an existing file at the target is replaced.
func (f *flashFiles) PosixRename(r *sftp.Request) error {
	fp, err := f.flashPath(r.Filepath)
	if err != nil {
		return err
	}
	to, err := f.flashPath(r.Target)
	if err != nil {
		return err
	}
	if fi, err := f.fs.Stat(to); err == nil && !fi.IsDir && !strings.EqualFold(fp, to) {
		if err := f.fs.Remove(to, true); err != nil {
			return sftpError(err)
		}
	}
	err = f.fs.Rename(fp, to)
	f.log(vrp.FileEvent{Op: "rename", Path: fp + " -> " + to, Err: err})
	return sftpError(err)
}

// Filelist answers List, Stat and Readlink (there are no links).
func (f *flashFiles) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	fp, err := f.flashPath(r.Filepath)
	if err != nil {
		return nil, err
	}
	switch r.Method {
	case "List":
		list, err := f.fs.ReadDir(fp)
		if err != nil {
			return nil, sftpError(err)
		}
		infos := make(listerAt, len(list))
		for i, fi := range list {
			infos[i] = fileInfo{fi}
		}
		return infos, nil
	case "Stat":
		fi, err := f.fs.Stat(fp)
		if err != nil {
			return nil, sftpError(err)
		}
		if fp == f.root {
			fi.Name = "/"
		}
		return listerAt{fileInfo{fi}}, nil
	case "Readlink":
		return nil, &statusError{msg: "Not a link", code: sftp.ErrSSHFxFailure}
	}
	return nil, &statusError{msg: "Operation unsupported", code: sftp.ErrSSHFxOpUnsupported}
}

// listerAt lists a fixed set of entries.
type listerAt []os.FileInfo

func (l listerAt) ListAt(dst []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[off:])
	if n < len(dst) {
		return n, io.EOF
	}
	return n, nil
}

// fileInfo is a flash entry as an os.FileInfo: directories 0755, files 0644.
type fileInfo struct{ fi flash.FileInfo }

func (i fileInfo) Name() string       { return i.fi.Name }
func (i fileInfo) Size() int64        { return i.fi.Size }
func (i fileInfo) ModTime() time.Time { return i.fi.ModTime }
func (i fileInfo) IsDir() bool        { return i.fi.IsDir }
func (i fileInfo) Sys() any           { return nil }
func (i fileInfo) Mode() fs.FileMode {
	if i.fi.IsDir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}

// endWith closes the session's channel when done is closed (the device
// disabled the service), which ends its transfers: an upload in progress is
// discarded. The returned func stops the watch.
func endWith(ss ssh.Session, done <-chan struct{}) (stop func()) {
	finished := make(chan struct{})
	go func() {
		select {
		case <-done:
			ss.Close()
		case <-finished:
		}
	}()
	return func() { close(finished) }
}
