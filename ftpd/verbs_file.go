package ftpd

// Files: RETR, STOR, APPE, STOU, DELE, RNFR, RNTO, SIZE, MDTM.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"

	"github.com/vrpsim/vrpsim/flash"
)

// writable replies 550 and reports false for a read-only user.
func (s *session) writable() bool {
	if s.readOnly {
		s.reply(550, "Permission denied.")
		return false
	}
	return true
}

func cmdRNFR(s *session, arg string) bool {
	if !s.writable() {
		return false
	}
	vpath, fpath := s.resolve(arg)
	if vpath == "/" {
		s.reply(550, "Permission denied.")
		return false
	}
	if _, err := s.srv.cfg.FS.Stat(fpath); err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	s.renameFrom = fpath
	s.reply(350, "File exists, ready for destination name.")
	return false
}

func cmdRNTO(s *session, arg string) bool {
	from := s.renameFrom
	if from == "" {
		s.reply(503, "Bad sequence of commands.")
		return false
	}
	vpath, fpath := s.resolve(arg)
	if vpath == "/" {
		s.reply(550, "Permission denied.")
		return false
	}
	if err := s.srv.cfg.FS.Rename(from, fpath); err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	s.event(Event{Kind: EventRename, Path: from, Target: fpath})
	s.reply(250, "Rename successful.")
	return false
}

func cmdDELE(s *session, arg string) bool {
	if !s.writable() {
		return false
	}
	_, fpath := s.resolve(arg)
	if err := s.srv.cfg.FS.Remove(fpath, true); err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	s.event(Event{Kind: EventDelete, Path: fpath})
	s.reply(250, "DELE command successfully.")
	return false
}

func cmdSIZE(s *session, arg string) bool {
	_, fpath := s.resolve(arg)
	fi, err := s.srv.cfg.FS.Stat(fpath)
	if err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	if fi.IsDir {
		s.reply(550, fmt.Sprintf("%s: not a regular file.", arg))
		return false
	}
	s.reply(213, strconv.FormatInt(fi.Size, 10))
	return false
}

func cmdMDTM(s *session, arg string) bool {
	_, fpath := s.resolve(arg)
	fi, err := s.srv.cfg.FS.Stat(fpath)
	if err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	s.reply(213, fi.ModTime.UTC().Format("20060102150405"))
	return false
}

func cmdRETR(s *session, arg string) *transfer {
	_, fpath := s.resolve(arg)
	fs := s.srv.cfg.FS
	fi, err := fs.Stat(fpath)
	if err == nil && fi.IsDir {
		err = flash.ErrIsDir
	}
	if err != nil {
		s.reply(fsError(arg, err))
		return nil
	}
	offset := s.restOffset
	if offset > fi.Size {
		s.reply(554, "Requested action not taken: invalid REST parameter.")
		return nil
	}
	if !s.dataReady() {
		s.reply(425, "Use PORT or PASV first.")
		return nil
	}
	f, err := fs.Open(fpath)
	if err != nil {
		s.reply(fsError(arg, err))
		return nil
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			s.reply(451, "Requested action aborted: local error in processing.")
			return nil
		}
	}
	ascii := s.typ == 'A'
	opening := fmt.Sprintf("Opening %s mode data connection for %s.", s.typeName(), arg)
	return &transfer{run: func(ctx context.Context, t *transfer) (int, string) {
		defer f.Close()
		c, code, text := s.startData(ctx, opening)
		if c == nil {
			s.event(Event{Kind: EventDownload, Path: fpath, Err: fmt.Errorf("data connection: %d %s", code, text)})
			return code, text
		}
		defer c.Close()
		var n int64
		var err error
		if ascii {
			w := countingWriter{deadlineConn{c, s.srv.cfg.DataTimeout}, s.counter(&t.bytes, c)}
			n, err = toCRLF(w, f, make([]byte, transferBuffer))
		} else {
			n, err = sendFile(ctx, c, f, s.srv.cfg.DataTimeout, s.counter(&t.bytes, c))
		}
		if err == nil {
			err = c.Close()
		}
		s.event(Event{Kind: EventDownload, Path: fpath, Bytes: n, Err: err})
		if err != nil {
			return 426, "Connection closed; transfer aborted."
		}
		return 226, "Transfer complete."
	}}
}

// upload checks and starts STOR, APPE and STOU. unique is the name STOU chose.
func (s *session) upload(arg, fpath string, appendTo bool, unique string) *transfer {
	if !s.writable() {
		return nil
	}
	fs := s.srv.cfg.FS
	fi, err := fs.Stat(fpath)
	switch {
	case err == nil && fi.IsDir:
		s.reply(fsError(arg, flash.ErrIsDir))
		return nil
	case err != nil && !errors.Is(err, flash.ErrNotExist):
		s.reply(fsError(arg, err))
		return nil
	case err != nil:
		fi = flash.FileInfo{}
	}
	offset := s.restOffset
	if appendTo {
		offset = fi.Size
	}
	if offset > fi.Size {
		s.reply(554, "Requested action not taken: invalid REST parameter.")
		return nil
	}
	w, err := fs.Create(fpath, offset)
	if err != nil {
		s.reply(fsError(arg, err))
		return nil
	}
	if !s.dataReady() {
		w.Abort()
		s.reply(425, "Use PORT or PASV first.")
		return nil
	}
	ascii := s.typ == 'A'
	opening := fmt.Sprintf("Opening %s mode data connection for %s.", s.typeName(), arg)
	done := "Transfer complete."
	if unique != "" {
		opening = "FILE: " + unique
		done = fmt.Sprintf("Transfer complete (unique file name: %s).", unique)
	}
	return &transfer{run: func(ctx context.Context, t *transfer) (int, string) {
		c, code, text := s.startData(ctx, opening)
		if c == nil {
			w.Abort()
			s.event(Event{Kind: EventUpload, Path: fpath, Err: fmt.Errorf("data connection: %d %s", code, text)})
			return code, text
		}
		defer c.Close()
		src := deadlineConn{c, s.srv.cfg.DataTimeout}
		dst := &uploadWriter{w: w, count: s.counter(&t.bytes, c)}
		buf := make([]byte, transferBuffer)
		var err error
		switch rf, ok := w.(io.ReaderFrom); {
		case ascii:
			_, err = fromCRLF(dst, src, buf)
		case ok:
			// the disk backend: the kernel splices the data into the file
			err = receiveFile(c, rf, dst, s.srv.cfg.DataTimeout)
		default:
			_, err = io.CopyBuffer(dst, readerOnly{src}, buf)
		}
		if err == nil && ctx.Err() != nil {
			err = ctx.Err()
		}
		if err != nil {
			w.Abort()
			s.event(Event{Kind: EventUpload, Path: fpath, Bytes: dst.n, Err: err})
			if dst.err != nil {
				return fsError(arg, dst.err)
			}
			return 426, "Connection closed; transfer aborted."
		}
		if err := w.Commit(); err != nil {
			s.event(Event{Kind: EventUpload, Path: fpath, Bytes: dst.n, Err: err})
			return fsError(arg, err)
		}
		s.event(Event{Kind: EventUpload, Path: fpath, Bytes: dst.n})
		return 226, done
	}}
}

func cmdSTOR(s *session, arg string) *transfer {
	_, fpath := s.resolve(arg)
	return s.upload(arg, fpath, false, "")
}

func cmdAPPE(s *session, arg string) *transfer {
	_, fpath := s.resolve(arg)
	return s.upload(arg, fpath, true, "")
}

func cmdSTOU(s *session, arg string) *transfer {
	base := arg
	if base == "" {
		base = "ftp"
	}
	for i := 0; i < 1000; i++ {
		name := base
		if i > 0 || arg == "" {
			name = fmt.Sprintf("%s.%d", base, i)
		}
		vpath, fpath := s.resolve(name)
		if _, err := s.srv.cfg.FS.Stat(fpath); errors.Is(err, flash.ErrNotExist) {
			s.restOffset = 0
			return s.upload(name, fpath, false, path.Base(vpath))
		}
	}
	s.reply(450, "Requested file action not taken: no unique name available.")
	return nil
}
