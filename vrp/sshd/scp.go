package sshd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/gliderlabs/ssh"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp"
)

// SCP's legacy protocol (OpenSSH's "scp -O", the rcp protocol over an exec
// request): the client runs "scp -t TARGET" on the server to send files to
// it, "scp -f SOURCE..." to fetch files from it. Each file is a control line
// ("C0644 SIZE NAME", "D0755 0 NAME" to enter a directory, "E" to leave it,
// "T MTIME 0 ATIME 0" before either with -p) acknowledged by a zero byte,
// then, for a file, its bytes and a zero byte. A warning is "\x01MESSAGE\n",
// a fatal error "\x02MESSAGE\n".

// Limits of the SCP protocol's control lines and directory depth.
const (
	maxSCPLine  = 4096
	maxSCPDepth = 32
)

// scpRequest is the server side of an scp command line.
type scpRequest struct {
	sink      bool // -t: the client sends files to paths[0]
	recursive bool // -r
	preserve  bool // -p: times precede each file
	targetDir bool // -d: the target must be a directory
	paths     []string
}

// parseSCPCommand parses an exec request's command line. It reports
// ok=false when the line is not scp's server side ("scp" with -t or -f), so
// that the line runs as a CLI command; an scp line with bad options or
// arguments is an error. Words are split as a POSIX shell splits them
// (blanks, '...', "...", backslash), since OpenSSH's scp passes paths for
// the remote shell.
func parseSCPCommand(line string) (req scpRequest, ok bool, err error) {
	words, err := splitShellWords(line)
	if err != nil || len(words) == 0 || path.Base(words[0]) != "scp" {
		return scpRequest{}, false, nil
	}
	var to, from bool
	i := 1
	for ; i < len(words); i++ {
		w := words[i]
		if w == "--" {
			i++
			break
		}
		if len(w) < 2 || w[0] != '-' {
			break
		}
		for _, c := range w[1:] {
			switch c {
			case 't':
				to = true
			case 'f':
				from = true
			case 'r':
				req.recursive = true
			case 'p':
				req.preserve = true
			case 'd':
				req.targetDir = true
			case 'v', 'q':
			default:
				if !to && !from {
					return scpRequest{}, false, nil
				}
				return scpRequest{}, true, fmt.Errorf("unknown option -%c", c)
			}
		}
	}
	if !to && !from {
		return scpRequest{}, false, nil
	}
	req.sink, req.paths = to, words[i:]
	switch {
	case to && from:
		return scpRequest{}, true, errors.New("-t and -f together")
	case len(req.paths) == 0:
		return scpRequest{}, true, errors.New("no path")
	case to && len(req.paths) > 1:
		return scpRequest{}, true, errors.New("more than one target")
	}
	for _, p := range req.paths {
		if p == "" {
			return scpRequest{}, true, errors.New("empty path")
		}
	}
	return req, true, nil
}

// splitShellWords splits a command line as a POSIX shell does, without
// expansions: words separated by blanks, quotes '...' and "..." (where \
// escapes only \ " $ ` and newline), and \ escaping one character.
func splitShellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == '\\':
			inWord = true
			if i+1 >= len(s) {
				return nil, errors.New("line ends with a backslash")
			}
			i++
			if s[i] != '\n' {
				w.WriteByte(s[i])
			}
		case c == '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			inWord = true
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\\"$`\n", s[i+1]) >= 0 {
					i++
					if s[i] == '\n' {
						continue
					}
				}
				w.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
		default:
			inWord = true
			w.WriteByte(c)
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// serveSCP runs scp's server side for an exec request.
func (srv *Server) serveSCP(ss ssh.Session, req scpRequest, parseErr error) {
	remote := addrPort(ss.RemoteAddr())
	if parseErr != nil {
		fmt.Fprintf(ss, "\x02scp: %v\n", parseErr)
		ss.Exit(1)
		return
	}
	login, err := srv.Device.OpenFileService(ss.User(), vrp.ServiceSCP, remote)
	if err != nil {
		srv.log.Info("scp session refused", "user", ss.User(), "remote", remote.String(), "err", err)
		fmt.Fprintf(ss, "\x02scp: %s", msgRefused)
		ss.Exit(1)
		return
	}
	defer login.Release()
	defer endWith(ss, login.Done)()
	x := &scpSession{
		files: &flashFiles{fs: srv.Device.Flash(), root: login.Root, log: func(ev vrp.FileEvent) {
			ev.Service, ev.User, ev.Remote = vrp.ServiceSCP, ss.User(), remote
			srv.Device.LogFileEvent(ev)
		}},
		in:  bufio.NewReader(ss),
		out: ss,
		req: req,
	}
	if req.sink {
		err = x.sink()
	} else {
		err = x.source()
	}
	status := 0
	if err != nil || x.warned {
		status = 1
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		srv.log.Info("scp session ended", "user", ss.User(), "remote", remote.String(), "err", err)
	}
	ss.CloseWrite()
	ss.Exit(status)
}

// scpSession is one scp transfer.
type scpSession struct {
	files  *flashFiles
	in     *bufio.Reader
	out    io.Writer
	req    scpRequest
	warned bool // a warning was sent: the exit status is 1
}

// scpError is a refusal of one file that the transfer survives.
type scpError struct{ msg string }

func (e *scpError) Error() string { return e.msg }

func (x *scpSession) ack() error {
	_, err := x.out.Write([]byte{0})
	return err
}

// warn sends a warning about one file (the transfer goes on).
func (x *scpSession) warn(name string, err error) error {
	x.warned = true
	_, werr := fmt.Fprintf(x.out, "\x01scp: %s: %s\n", name, scpReason(err))
	return werr
}

// fatal sends a fatal error and returns it.
func (x *scpSession) fatal(format string, a ...any) error {
	msg := fmt.Sprintf(format, a...)
	fmt.Fprintf(x.out, "\x02scp: %s\n", msg)
	return errors.New(msg)
}

// scpReason is the text of a flash error in a warning, as scp prints it.
func scpReason(err error) string {
	var se *scpError
	switch {
	case errors.As(err, &se):
		return se.msg
	case errors.Is(err, flash.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, flash.ErrNoSpace):
		return "The space of the flash is insufficient"
	case errors.Is(err, flash.ErrIsDir):
		return "Is a directory"
	case errors.Is(err, flash.ErrNotDir):
		return "Not a directory"
	case errors.Is(err, flash.ErrExist):
		return "File exists"
	case errors.Is(err, flash.ErrInvalidPath):
		return "File name not allowed"
	}
	var st *statusError
	if errors.As(err, &st) {
		return st.msg
	}
	return "Failure"
}

// readLine reads a control line without its newline.
func (x *scpSession) readLine() (string, error) {
	var b strings.Builder
	for {
		c, err := x.in.ReadByte()
		if err != nil {
			if b.Len() > 0 {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
		if c == '\n' {
			return b.String(), nil
		}
		if b.Len() >= maxSCPLine {
			return "", errors.New("control line too long")
		}
		b.WriteByte(c)
	}
}

// scpControl is a parsed control line of the sink side.
type scpControl struct {
	kind byte // 'C', 'D', 'E' or 'T'
	size int64
	name string
}

// parseSCPControl parses a "C", "D", "E" or "T" control line (without its
// newline). A name must be a single path element, not "." or "..".
func parseSCPControl(line string) (scpControl, error) {
	if line == "" {
		return scpControl{}, errors.New("empty control line")
	}
	c := scpControl{kind: line[0]}
	switch c.kind {
	case 'E':
		if line != "E" {
			return scpControl{}, fmt.Errorf("bad control line %q", line)
		}
		return c, nil
	case 'T':
		f := strings.Fields(line[1:])
		if len(f) != 4 {
			return scpControl{}, fmt.Errorf("bad time line %q", line)
		}
		for _, n := range f {
			if _, err := strconv.ParseUint(n, 10, 63); err != nil {
				return scpControl{}, fmt.Errorf("bad time line %q", line)
			}
		}
		return c, nil
	case 'C', 'D':
	default:
		return scpControl{}, fmt.Errorf("bad control line %q", line)
	}
	mode, rest, ok1 := strings.Cut(line[1:], " ")
	size, name, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || len(mode) != 4 || strings.Trim(mode, "01234567") != "" {
		return scpControl{}, fmt.Errorf("bad control line %q", line)
	}
	n, err := strconv.ParseInt(size, 10, 64)
	if err != nil || n < 0 || strings.Trim(size, "0123456789") != "" {
		return scpControl{}, fmt.Errorf("bad size in %q", line)
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return scpControl{}, fmt.Errorf("unexpected file name %q", name)
	}
	c.size, c.name = n, name
	return c, nil
}

// sink receives files into the target (scp -t).
func (x *scpSession) sink() error {
	target, err := x.files.flashPath(x.req.paths[0])
	if err != nil {
		x.fatal("%s: %s", x.req.paths[0], scpReason(err))
		return err
	}
	fi, statErr := x.files.fs.Stat(target)
	targetIsDir := statErr == nil && fi.IsDir
	if x.req.targetDir && !targetIsDir {
		return x.fatal("%s: Not a directory", x.req.paths[0])
	}
	if err := x.ack(); err != nil {
		return err
	}
	// dirs is the stack of directories entered; the first is where names
	// go, unless the target is a file name (then dirs is empty at the top).
	var dirs []string
	if targetIsDir {
		dirs = append(dirs, target)
	}
	depth := 0 // directories entered with D
	for {
		first, err := x.in.ReadByte()
		if errors.Is(err, io.EOF) {
			if depth > 0 {
				return io.ErrUnexpectedEOF
			}
			return nil
		}
		if err != nil {
			return err
		}
		if first == 1 || first == 2 { // the client's own error
			msg, _ := x.readLine()
			if first == 2 {
				return fmt.Errorf("client: %s", msg)
			}
			continue
		}
		x.in.UnreadByte()
		line, err := x.readLine()
		if err != nil {
			return err
		}
		c, err := parseSCPControl(line)
		if err != nil {
			return x.fatal("protocol error: %v", err)
		}
		// dest is where a C or D line's name goes.
		dest := target
		if len(dirs) > 0 {
			dest = strings.TrimSuffix(dirs[len(dirs)-1], "/") + "/" + c.name
		}
		switch c.kind {
		case 'T':
			if err := x.ack(); err != nil {
				return err
			}
		case 'E':
			if depth == 0 {
				return x.fatal("protocol error: unexpected E")
			}
			depth--
			dirs = dirs[:len(dirs)-1]
			if err := x.ack(); err != nil {
				return err
			}
		case 'D':
			if !x.req.recursive {
				return x.fatal("received directory without -r")
			}
			if depth >= maxSCPDepth {
				return x.fatal("%s: directories nested too deep", c.name)
			}
			if _, err := flash.Resolve(flash.Root, dest); err != nil {
				return x.fatal("%s: %s", c.name, scpReason(err))
			}
			if fi, err := x.files.fs.Stat(dest); err != nil || !fi.IsDir {
				err = x.files.fs.Mkdir(dest)
				x.files.log(vrp.FileEvent{Op: "mkdir", Path: dest, Err: err})
				if err != nil {
					return x.fatal("%s: %s", c.name, scpReason(err))
				}
			}
			depth++
			dirs = append(dirs, dest)
			if err := x.ack(); err != nil {
				return err
			}
		case 'C':
			if err := x.receiveFile(dest, c); err != nil {
				return err
			}
		}
	}
}

// receiveFile receives one file's bytes into dest, atomically: a transfer
// cut short leaves the old file. A file the flash refuses (no space, bad
// name) is read to its end and refused with a warning.
func (x *scpSession) receiveFile(dest string, c scpControl) error {
	var wf flash.WriteFile
	_, err := flash.Resolve(flash.Root, dest)
	if err == nil {
		wf, err = x.files.fs.Create(dest, 0)
	}
	if aerr := x.ack(); aerr != nil {
		if wf != nil {
			wf.Abort()
		}
		return aerr
	}
	var n int64
	body := &io.LimitedReader{R: x.in, N: c.size} // N: what is left to read
	if err == nil {
		n, err = io.Copy(wf, body)
		if err == nil && body.N > 0 {
			err = io.ErrUnexpectedEOF
		}
		if err != nil && !isFlashError(err) {
			wf.Abort() // the connection ended mid-file
			x.files.log(vrp.FileEvent{Op: "upload", Path: dest, Bytes: n, Err: err})
			return io.ErrUnexpectedEOF
		}
	}
	if body.N > 0 { // refused: skip the rest
		if _, cerr := io.Copy(io.Discard, body); cerr != nil || body.N > 0 {
			if wf != nil {
				wf.Abort()
			}
			return io.ErrUnexpectedEOF
		}
	}
	status, rerr := x.in.ReadByte()
	if rerr != nil {
		if wf != nil {
			wf.Abort()
		}
		return io.ErrUnexpectedEOF
	}
	if status != 0 && err == nil {
		err = &scpError{msg: "the client reported an error"}
		wf.Abort()
	}
	if err == nil {
		err = wf.Commit()
	} else if wf != nil {
		wf.Abort()
	}
	x.files.log(vrp.FileEvent{Op: "upload", Path: dest, Bytes: n, Err: err})
	if err != nil {
		return x.warn(c.name, err)
	}
	return x.ack()
}

// isFlashError reports whether a write failed on the flash's side.
func isFlashError(err error) bool {
	var pe *flash.PathError
	return errors.As(err, &pe) || errors.Is(err, flash.ErrNoSpace) || errors.Is(err, flash.ErrClosed)
}

// response reads the client's answer to a line or a file: nil for a zero
// byte, a warning's text as an *scpError, a fatal error as an error.
func (x *scpSession) response() error {
	c, err := x.in.ReadByte()
	if err != nil {
		return err
	}
	switch c {
	case 0:
		return nil
	case 1, 2:
		msg, _ := x.readLine()
		if c == 1 {
			return &scpError{msg: msg}
		}
		return fmt.Errorf("client: %s", msg)
	}
	return fmt.Errorf("protocol error: response %q", c)
}

// source sends files (scp -f).
func (x *scpSession) source() error {
	if err := x.response(); err != nil {
		return err
	}
	for _, arg := range x.req.paths {
		matches, err := x.glob(arg)
		if err != nil {
			if err := x.warn(arg, err); err != nil {
				return err
			}
			continue
		}
		for _, fp := range matches {
			if err := x.send(fp, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// glob resolves a source argument to flash paths; its last element may be
// a pattern (*, ?, [...]), as the remote shell would have expanded it.
func (x *scpSession) glob(arg string) ([]string, error) {
	dir, pattern := path.Split(path.Clean("/" + arg))
	if !strings.ContainsAny(pattern, "*?[") {
		fp, err := x.files.flashPath(arg)
		if err != nil {
			return nil, err
		}
		return []string{fp}, nil
	}
	fdir, err := x.files.flashPath(dir)
	if err != nil {
		return nil, err
	}
	list, err := x.files.fs.ReadDir(fdir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, fi := range list {
		if ok, err := path.Match(pattern, fi.Name); err != nil {
			return nil, &scpError{msg: "bad pattern"}
		} else if ok {
			out = append(out, fi.Path)
		}
	}
	if len(out) == 0 {
		return nil, flash.ErrNotExist
	}
	return out, nil
}

// send sends one file, or with -r a directory and what it holds.
func (x *scpSession) send(fp string, depth int) error {
	fi, err := x.files.fs.Stat(fp)
	if err != nil {
		return x.warn(path.Base(fp), err)
	}
	name := fi.Name
	if x.req.preserve {
		t := fi.ModTime.Unix()
		if _, err := fmt.Fprintf(x.out, "T%d 0 %d 0\n", t, t); err != nil {
			return err
		}
		if skip, err := x.answer(); skip || err != nil {
			return err
		}
	}
	if fi.IsDir {
		if !x.req.recursive || depth >= maxSCPDepth {
			return x.warn(name, &scpError{msg: "not a regular file"})
		}
		list, err := x.files.fs.ReadDir(fp)
		if err != nil {
			return x.warn(name, err)
		}
		if _, err := fmt.Fprintf(x.out, "D0755 0 %s\n", name); err != nil {
			return err
		}
		if skip, err := x.answer(); skip || err != nil {
			return err
		}
		for _, e := range list {
			if err := x.send(e.Path, depth+1); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(x.out, "E\n"); err != nil {
			return err
		}
		return x.fileResponse()
	}
	f, err := x.files.fs.Open(fp)
	if err != nil {
		return x.warn(name, err)
	}
	defer f.Close()
	size, err := f.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		return x.warn(name, err)
	}
	if _, err := fmt.Fprintf(x.out, "C0644 %d %s\n", size, name); err != nil {
		return err
	}
	if skip, err := x.answer(); skip || err != nil {
		return err
	}
	n, err := io.CopyN(x.out, f, size)
	if err != nil {
		x.files.log(vrp.FileEvent{Op: "download", Path: fp, Bytes: n, Err: err})
		return err
	}
	if err := x.ack(); err != nil {
		return err
	}
	err = x.fileResponse()
	x.files.log(vrp.FileEvent{Op: "download", Path: fp, Bytes: n, Err: err})
	return err
}

// fileResponse is response where a warning ends only the current file.
func (x *scpSession) fileResponse() error {
	_, err := x.answer()
	return err
}

// answer reads the client's answer to a line: skip is true when the client
// refused it with a warning (the file is skipped, the transfer goes on).
func (x *scpSession) answer() (skip bool, err error) {
	err = x.response()
	var se *scpError
	if errors.As(err, &se) {
		x.warned = true
		return true, nil
	}
	return false, err
}
