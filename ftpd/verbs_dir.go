package ftpd

// Directories and listings: CWD, CDUP, PWD, MKD, RMD, LIST, NLST, MLSD, MLST.

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/vrpsim/vrpsim/flash"
)

func (s *session) changeDir(arg string) (int, string, bool) {
	vpath, fpath := s.resolve(arg)
	fi, err := s.srv.cfg.FS.Stat(fpath)
	if err == nil && !fi.IsDir {
		err = flash.ErrNotDir
	}
	if err != nil {
		code, text := fsError(arg, err)
		return code, text, false
	}
	s.mu.Lock()
	s.cwd = vpath
	s.mu.Unlock()
	return 0, "", true
}

func cmdCWD(s *session, arg string) bool {
	if arg == "" {
		arg = "/"
	}
	if code, text, ok := s.changeDir(arg); !ok {
		s.reply(code, text)
		return false
	}
	s.reply(250, "CWD command successfully.")
	return false
}

func cmdCDUP(s *session, _ string) bool {
	if code, text, ok := s.changeDir(".."); !ok {
		s.reply(code, text)
		return false
	}
	s.reply(200, "CDUP command successfully.")
	return false
}

func cmdRMD(s *session, arg string) bool {
	if !s.writable() {
		return false
	}
	vpath, fpath := s.resolve(arg)
	if vpath == "/" || vpath == s.cwdPath() || strings.HasPrefix(s.cwdPath(), vpath+"/") {
		s.reply(550, fmt.Sprintf("%s: Permission denied.", arg))
		return false
	}
	if err := s.srv.cfg.FS.Rmdir(fpath); err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	s.event(Event{Kind: EventDelete, Path: fpath})
	s.reply(250, "RMD command successfully.")
	return false
}

func cmdMKD(s *session, arg string) bool {
	if !s.writable() {
		return false
	}
	_, fpath := s.resolve(arg)
	if err := s.srv.cfg.FS.Mkdir(fpath); err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	s.event(Event{Kind: EventMkdir, Path: fpath})
	s.reply(257, quotePath(arg)+" new directory created.")
	return false
}

func cmdPWD(s *session, _ string) bool {
	s.reply(257, quotePath(s.cwdPath())+" is current directory.")
	return false
}

func cmdMLST(s *session, arg string) bool {
	if arg == "" {
		arg = "."
	}
	vpath, fpath := s.resolve(arg)
	fi, err := s.srv.cfg.FS.Stat(fpath)
	if err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	typ := "file"
	if fi.IsDir {
		typ = "dir"
	}
	s.replyLines(250, "Listing "+vpath,
		" "+mlsxFacts(fi, typ, s.mlstFacts, s.readOnly)+" "+vpath,
		"End.")
	return false
}

// buildListing collects what LIST, NLST, MLSD and STAT show for arg. It strips
// ls options ("-la") and expands a wildcard in the last path element. On failure
// it returns nil and the reply.
func (s *session) buildListing(arg string) (*listing, int, string) {
	arg = stripListOptions(arg)
	shown := arg
	if arg == "" {
		arg = "."
	}
	fs := s.srv.cfg.FS
	vpath, fpath := s.resolve(arg)
	fi, err := fs.Stat(fpath)
	glob := ""
	if err != nil && hasGlob(path.Base(vpath)) && vpath != "/" {
		glob = strings.ToLower(path.Base(vpath))
		if _, perr := path.Match(glob, ""); perr != nil {
			return nil, 501, "Syntax error in parameters or arguments."
		}
		vpath = path.Dir(vpath)
		fpath = flashPath(s.root, vpath)
		fi, err = fs.Stat(fpath)
	}
	if err != nil {
		code, text := fsError(shown, err)
		return nil, code, text
	}
	if !fi.IsDir {
		return &listing{entries: []flash.FileInfo{fi}, display: shown}, 0, ""
	}
	entries, err := fs.ReadDir(fpath)
	if err != nil {
		code, text := fsError(shown, err)
		return nil, code, text
	}
	if glob != "" {
		kept := entries[:0]
		for _, e := range entries {
			if ok, _ := path.Match(glob, strings.ToLower(e.Name)); ok {
				kept = append(kept, e)
			}
		}
		entries = kept
	}
	parent := fi
	if vpath != "/" {
		if p, err := fs.Stat(flashPath(s.root, path.Dir(vpath))); err == nil {
			parent = p
		}
	}
	return &listing{self: fi, parent: parent, entries: entries, isDir: true, noDots: glob != ""}, 0, ""
}

// stripListOptions removes the ls options ("-la") clients put before a LIST path.
func stripListOptions(arg string) string {
	for strings.HasPrefix(arg, "-") {
		_, rest, _ := strings.Cut(arg, " ")
		arg = strings.TrimLeft(rest, " ")
	}
	return arg
}

func listTransfer(verb string) func(s *session, arg string) *transfer {
	return func(s *session, arg string) *transfer {
		if !s.dataReady() {
			s.reply(425, "Use PORT or PASV first.")
			return nil
		}
		l, code, text := s.buildListing(arg)
		if l == nil {
			s.reply(code, text)
			return nil
		}
		if verb == "MLSD" && !l.isDir {
			s.reply(501, fmt.Sprintf("%s: Not a directory.", arg))
			return nil
		}
		shown := stripListOptions(arg)
		if shown == "" {
			shown = "*"
		}
		now, loc, facts, ro := s.srv.cfg.Now(), s.srv.cfg.Location, s.mlstFacts, s.readOnly
		return &transfer{run: func(ctx context.Context, t *transfer) (int, string) {
			c, code, text := s.startData(ctx, fmt.Sprintf("Opening ASCII mode data connection for %s.", shown))
			if c == nil {
				return code, text
			}
			defer c.Close()
			w := countingWriter{deadlineConn{c, s.srv.cfg.DataTimeout}, &t.bytes}
			var err error
			switch verb {
			case "LIST":
				err = l.writeLIST(w, now, loc)
			case "NLST":
				err = l.writeNLST(w)
			default:
				err = l.writeMLSD(w, facts, ro)
			}
			if err != nil {
				return 426, "Connection closed; transfer aborted."
			}
			return 226, "Transfer complete."
		}}
	}
}

var (
	cmdLIST = listTransfer("LIST")
	cmdNLST = listTransfer("NLST")
	cmdMLSD = listTransfer("MLSD")
)
