package vrp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp/cli"
)

// Messages of the file commands. Where the device's text is not known they
// follow its style ("Error: Directory already exists.") and are used
// consistently.
const (
	msgInvalidPath  = "Error: Invalid path or file name."
	msgNoFile       = "Error: File can't be found."
	msgNoDir        = "Error: Directory does not exist."
	msgFileExists   = "Error: File already exists."
	msgDirExists    = "Error: Directory already exists."
	msgNotEmpty     = "Error: Directory is not empty."
	msgNoSpace      = "Error: The space of the flash is insufficient."
	msgIsDir        = "Error: The file is a directory."
	msgSameFile     = "Error: The source file and the destination file are the same."
	msgOtherDir     = "Error: A file can only be renamed in its own directory."
	msgEmptyDir     = "Info: File can't be found in the directory"
	msgEmptyBin     = "Error: File can't be found"
	msgRemoveRoot   = "Error: The root directory can't be removed."
	msgRemoveCwd    = "Error: The current directory can't be removed."
	msgDeleteDir    = "Error: A directory can't be deleted. Use rmdir to remove it."
	msgPatternInDir = "Error: Wildcards are allowed only in the file name."
)

func fileCommands() []*command {
	params := map[string]*cli.Param{
		"path":        cli.String(1, 160, "[drive][path][file name]"),
		"offset":      cli.Integer(0, 2147483647, "Offset in the file, in bytes"),
		"file-path":   cli.String(1, 160, "[drive][path][file name]"),
		"source":      cli.String(1, 160, "[drive][path][file name] Source file"),
		"destination": cli.String(1, 160, "[drive][path][file name] Destination file"),
		"old-name":    cli.String(1, 160, "[drive][path][file name] Old name"),
		"new-name":    cli.String(1, 160, "[drive][path][file name] New name"),
		"dir-path":    cli.String(1, 160, "[drive][path][directory name]"),
	}
	words := map[string]string{
		"dir":              "List files on a file system",
		"/all":             "List all files, including those in the recycle bin",
		"/all-filesystems": "List files on all file systems",
		"cd":               "Change current directory",
		"pwd":              "Display current working directory",
		"more":             "Display the contents of a file",
		"all":              "Display the whole file without pausing",
		"copy":             "Copy from one file to another",
		"move":             "Move the file",
		"rename":           "Rename a file or directory",
		"delete":           "Delete a file",
		"/unreserved":      "Delete the file permanently",
		"/force":           "Delete the file without confirmation",
		"/quiet":           "Delete the file without confirmation",
		"undelete":         "Recover a deleted file",
		"recycle-bin":      "Clear the recycle bin",
		"mkdir":            "Create a new directory",
		"rmdir":            "Remove an existing directory",
		"reset":            "Reset operation",
	}
	cmd := func(syntax, help string, run cli.Handler[*callEnv]) *command {
		return &command{Views: userView, Syntax: syntax, Level: 3, Help: help, Run: run, Params: params, Words: words}
	}
	return []*command{
		cmd("dir [ /all ] [ { <path> | /all-filesystems } ]", "List the files of a directory, or those matching a name with * wildcards", runDir),
		cmd("cd [ <dir-path> ]", "Change the current directory (the root without a path)", runCd),
		cmd("pwd", "Display the current directory", runPwd),
		cmd("more <file-path> [ <offset> ] [ all ]", "Display a file through the pager, from an offset", runMore),
		cmd("copy <source> <destination>", "Copy a file; into a directory it keeps its name", runCopy),
		cmd("move <source> <destination>", "Move a file; into a directory it keeps its name", runMove),
		cmd("rename <old-name> <new-name>", "Rename a file or directory in its directory", runRename),
		cmd("delete [ /unreserved ] [ { /force | /quiet } ] <file-path>", "Delete files (* wildcards) into the recycle bin, or for good with /unreserved", runDelete),
		cmd("undelete <file-path>", "Restore a file from the recycle bin", runUndelete),
		cmd("reset recycle-bin [ <file-path> ]", "Free files in the recycle bin for good (all without a name; * wildcards)", runResetRecycleBin),
		cmd("mkdir <dir-path>", "Create a directory", runMkdir),
		cmd("rmdir <dir-path>", "Remove an empty directory", runRmdir),
	}
}

// fileError turns a flash error into the device's message.
func fileError(err error) error {
	switch {
	case errors.Is(err, flash.ErrNoSpace):
		return refuse(msgNoSpace)
	case errors.Is(err, flash.ErrInvalidPath):
		return refuse(msgInvalidPath)
	case errors.Is(err, flash.ErrNotExist):
		return refuse(msgNoFile)
	case errors.Is(err, flash.ErrNotDir):
		return refuse(msgNoDir)
	case errors.Is(err, flash.ErrExist):
		return refuse(msgFileExists)
	case errors.Is(err, flash.ErrNotEmpty):
		return refuse(msgNotEmpty)
	case errors.Is(err, flash.ErrIsDir):
		return refuse(msgIsDir)
	default:
		return refuse("Error: The operation failed. (Reason=%s)", errReason(err))
	}
}

// printError prints a refusal in the middle of a command that goes on.
func (e *callEnv) printError(err error) {
	var msg deviceError
	if errors.As(fileError(err), &msg) {
		e.Print(string(msg))
	}
}

// resolve turns a path argument into a canonical path, relative to the
// session's current directory.
func (e *callEnv) resolve(arg string) (string, error) {
	p, err := flash.Resolve(e.cwd, arg)
	if err != nil {
		return "", refuse(msgInvalidPath)
	}
	return p, nil
}

// statDir returns the directory at path, or the device's error.
func (e *callEnv) statDir(path string) (flash.FileInfo, error) {
	fi, err := e.dev.fs.Stat(path)
	switch {
	case err == nil && fi.IsDir:
		return fi, nil
	case err == nil, errors.Is(err, flash.ErrNotExist), errors.Is(err, flash.ErrNotDir):
		return fi, refuse(msgNoDir)
	default:
		return fi, fileError(err)
	}
}

// parentPath returns the directory that holds a canonical path.
func parentPath(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < len(flash.Root) {
		return flash.Root
	}
	return p[:i]
}

// joinPath names an entry of a canonical directory.
func joinPath(dir, name string) string {
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

// dirTitle is how dir names a directory: "flash:/" or "flash:/dhcp/".
func dirTitle(dir string) string {
	if strings.HasSuffix(dir, "/") {
		return dir
	}
	return dir + "/"
}

// samePath reports whether two canonical paths name the same file (names
// are case-insensitive).
func samePath(a, b string) bool { return strings.EqualFold(a, b) }

// splitPattern reads a path argument that may hold * wildcards in its last
// name. It returns the canonical directory and the pattern, or the canonical
// path and "" when there is no wildcard.
func splitPattern(cwd, arg string) (dir, pattern string, err error) {
	head, last := "", arg
	if i := strings.LastIndexByte(arg, '/'); i >= 0 {
		head, last = arg[:i+1], arg[i+1:]
	} else if len(arg) >= len(flash.Device) && strings.EqualFold(arg[:len(flash.Device)], flash.Device) {
		head, last = arg[:len(flash.Device)], arg[len(flash.Device):]
	}
	if !strings.Contains(last, "*") {
		if strings.Contains(head, "*") {
			return "", "", refuse(msgPatternInDir)
		}
		p, err := flash.Resolve(cwd, arg)
		if err != nil {
			return "", "", refuse(msgInvalidPath)
		}
		return p, "", nil
	}
	if strings.Contains(head, "*") {
		return "", "", refuse(msgPatternInDir)
	}
	dir = cwd
	if head != "" {
		if dir, err = flash.Resolve(cwd, head); err != nil {
			return "", "", refuse(msgInvalidPath)
		}
	}
	// Apart from its wildcards, the pattern must be a valid name.
	if _, err := flash.Resolve(flash.Root, strings.ReplaceAll(last, "*", "a")); err != nil {
		return "", "", refuse(msgInvalidPath)
	}
	return dir, last, nil
}

// matchWild reports whether name matches pattern, where * stands for any run
// of characters. Case is ignored, as for every name on flash.
func matchWild(pattern, name string) bool {
	p := []rune(strings.ToLower(pattern))
	n := []rune(strings.ToLower(name))
	pi, ni := 0, 0
	star, mark := -1, 0
	for ni < len(n) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ni
			pi++
		case pi < len(p) && p[pi] == n[ni]:
			pi++
			ni++
		case star >= 0:
			pi, mark = star+1, mark+1
			ni = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// commas formats n with thousands separators: 1090732 -> "1,090,732".
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func runDir(e *callEnv, c *cli.Call) error {
	fsys := e.dev.fs
	dir, pattern, title := e.cwd, "", ""
	exact := false
	if c.Has("/all-filesystems") {
		dir = flash.Root // flash: is the only file system
	}
	if arg, ok := c.Lookup("path"); ok {
		var err error
		if dir, pattern, err = splitPattern(e.cwd, arg); err != nil {
			return err
		}
		if pattern != "" {
			title = joinPath(dir, pattern)
		} else {
			fi, err := fsys.Stat(dir)
			switch {
			case err == nil && fi.IsDir:
				dir = fi.Path
			case err == nil || errors.Is(err, flash.ErrNotExist):
				// a file name: list the file of that name
				if err == nil {
					dir = fi.Path
				}
				title, pattern, exact = dir, dir[strings.LastIndexByte(dir, '/')+1:], true
				dir = parentPath(dir)
			case errors.Is(err, flash.ErrNotDir):
				return refuse(msgNoDir)
			default:
				return fileError(err)
			}
		}
	}
	if _, err := e.statDir(dir); err != nil {
		return err
	}
	fi, _ := fsys.Stat(dir)
	dir = fi.Path
	if title == "" {
		title = dirTitle(dir)
	}
	keep := func(name string) bool {
		switch {
		case pattern == "":
			return true
		case exact:
			return strings.EqualFold(pattern, name)
		default:
			return matchWild(pattern, name)
		}
	}
	list, err := fsys.ReadDir(dir)
	if err != nil {
		return fileError(err)
	}
	var rows []flash.FileInfo
	for _, fi := range list {
		if keep(fi.Name) {
			rows = append(rows, fi)
		}
	}
	if c.Has("/all") {
		bin, err := fsys.RecycleBin(dir)
		if err != nil {
			return fileError(err)
		}
		for _, fi := range bin {
			if samePath(parentPath(fi.Path), dir) && keep(fi.Name) {
				rows = append(rows, fi)
			}
		}
	}
	if len(rows) == 0 {
		e.Print(msgEmptyDir + "\n")
		return nil
	}
	loc := e.dev.now().Location()
	var b strings.Builder
	fmt.Fprintf(&b, "Directory of %s\n\n", title)
	b.WriteString(e.dev.profile.dirHeader())
	for i, fi := range rows {
		attr, size, name := "-rw-", commas(fi.Size), fi.Name
		if fi.IsDir {
			attr, size = "drw-", "-"
		}
		if fi.Deleted {
			name = "[" + name + "]"
		}
		fmt.Fprintf(&b, "%5d  %s%15s  %s   %s\n", i, attr, size, fi.ModTime.In(loc).Format("Jan 02 2006 15:04:05"), name)
	}
	total, free := fsys.Usage()
	fmt.Fprintf(&b, "\n%s KB total (%s KB free)\n", commas(total/1024), commas(free/1024))
	e.Print(b.String())
	return nil
}

func runCd(e *callEnv, c *cli.Call) error {
	target := flash.Root
	if arg, ok := c.Lookup("dir-path"); ok {
		p, err := e.resolve(arg)
		if err != nil {
			return err
		}
		target = p
	}
	fi, err := e.statDir(target)
	if err != nil {
		return err
	}
	e.cwd = fi.Path
	return nil
}

func runPwd(e *callEnv, c *cli.Call) error {
	if e.cwd == flash.Root {
		e.Print(flash.Device + "\n")
		return nil
	}
	e.Print(e.cwd + "\n")
	return nil
}

// maxMoreLine is where more breaks a line that has no end (binary files).
const maxMoreLine = 4096

func runMore(e *callEnv, c *cli.Call) error {
	p, err := e.resolve(c.Value("file-path"))
	if err != nil {
		return err
	}
	f, err := e.dev.fs.Open(p)
	if err != nil {
		if errors.Is(err, flash.ErrIsDir) {
			return refuse(msgIsDir)
		}
		return fileError(err)
	}
	defer f.Close()
	if off := c.Int("offset"); off > 0 {
		if _, err := f.Seek(int64(off), io.SeekStart); err != nil {
			return fileError(err)
		}
	}
	if c.Has("all") {
		screen := e.screen
		e.screen = 0
		defer func() { e.screen = screen }()
	}
	r := bufio.NewReaderSize(f, maxMoreLine)
	for !e.out.stopped {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			e.Print(printable(line) + "\n")
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err != io.EOF {
				return fileError(err)
			}
			return nil
		}
	}
	return nil
}

// printable makes a line of a file safe for the terminal: the line end is
// dropped and control characters and invalid bytes become '.'.
func printable(line []byte) string {
	s := strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r")
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size <= 1, r != '\t' && unicode.IsControl(r):
			b.WriteByte('.')
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

// sourceFile checks the source of copy and move: an existing file.
func (e *callEnv) sourceFile(arg string) (flash.FileInfo, error) {
	p, err := e.resolve(arg)
	if err != nil {
		return flash.FileInfo{}, err
	}
	fi, err := e.dev.fs.Stat(p)
	switch {
	case err != nil:
		return fi, fileError(err)
	case fi.IsDir:
		return fi, refuse(msgIsDir)
	}
	return fi, nil
}

// destination resolves the target of copy and move: a directory keeps the
// source's name. It reports whether a file is there already.
func (e *callEnv) destination(src flash.FileInfo, arg string) (path string, exists bool, err error) {
	dst, err := e.resolve(arg)
	if err != nil {
		return "", false, err
	}
	fi, err := e.dev.fs.Stat(dst)
	if err == nil && fi.IsDir {
		dst = joinPath(fi.Path, src.Name)
		fi, err = e.dev.fs.Stat(dst)
	}
	if samePath(src.Path, dst) {
		return "", false, refuse(msgSameFile)
	}
	if _, err := e.statDir(parentPath(dst)); err != nil {
		return "", false, err
	}
	switch {
	case err == nil && fi.IsDir:
		return "", false, refuse(msgDirExists)
	case err == nil:
		return fi.Path, true, nil
	case errors.Is(err, flash.ErrNotExist):
		return dst, false, nil
	default:
		return "", false, fileError(err)
	}
}

func runCopy(e *callEnv, c *cli.Call) error {
	src, err := e.sourceFile(c.Value("source"))
	if err != nil {
		return err
	}
	dst, exists, err := e.destination(src, c.Value("destination"))
	if err != nil {
		return err
	}
	if ok, err := e.confirm(fmt.Sprintf("Copy %s to %s? (y/n)[n]:", src.Path, dst)); err != nil || !ok {
		return err
	}
	if exists {
		if ok, err := e.confirm(fmt.Sprintf("The file %s exists. Overwrite it? (y/n)[n]:", dst)); err != nil || !ok {
			return err
		}
	}
	if err := e.dev.fs.Copy(src.Path, dst); err != nil {
		return fileError(err)
	}
	e.Print("100%  complete\n")
	e.Print(fmt.Sprintf("Info: Copied file %s to %s...Done\n", src.Path, dst))
	e.logFileOp("FILE_COPY", "The file was copied. (SrcFile=%s, DstFile=%s", src.Path, dst)
	return nil
}

func runMove(e *callEnv, c *cli.Call) error {
	src, err := e.sourceFile(c.Value("source"))
	if err != nil {
		return err
	}
	dst, exists, err := e.destination(src, c.Value("destination"))
	if err != nil {
		return err
	}
	if ok, err := e.confirm(fmt.Sprintf("Move %s to %s? (y/n)[n]:", src.Path, dst)); err != nil || !ok {
		return err
	}
	if exists {
		if ok, err := e.confirm(fmt.Sprintf("The file %s exists. Overwrite it? (y/n)[n]:", dst)); err != nil || !ok {
			return err
		}
		// Replace the destination atomically, then drop the source.
		if err := e.dev.fs.Copy(src.Path, dst); err != nil {
			return fileError(err)
		}
		if err := e.dev.fs.Remove(src.Path, true); err != nil {
			return fileError(err)
		}
	} else if err := e.dev.fs.Rename(src.Path, dst); err != nil {
		return fileError(err)
	}
	e.Print(fmt.Sprintf("%%Moved file %s to %s.\n", src.Path, dst))
	e.logFileOp("FILE_MOVE", "The file was moved. (SrcFile=%s, DstFile=%s", src.Path, dst)
	return nil
}

func runRename(e *callEnv, c *cli.Call) error {
	old, err := e.resolve(c.Value("old-name"))
	if err != nil {
		return err
	}
	if old == flash.Root {
		return refuse(msgInvalidPath)
	}
	fi, err := e.dev.fs.Stat(old)
	if err != nil {
		return fileError(err)
	}
	// A bare new name is a sibling of the old one.
	arg := c.Value("new-name")
	base := e.cwd
	if !strings.ContainsAny(arg, "/:") {
		base = parentPath(fi.Path)
	}
	newPath, err := flash.Resolve(base, arg)
	if err != nil || newPath == flash.Root {
		return refuse(msgInvalidPath)
	}
	if !samePath(parentPath(newPath), parentPath(fi.Path)) {
		return refuse(msgOtherDir)
	}
	if other, err := e.dev.fs.Stat(newPath); err == nil && !samePath(other.Path, fi.Path) {
		if other.IsDir {
			return refuse(msgDirExists)
		}
		return refuse(msgFileExists)
	}
	if ok, err := e.confirm(fmt.Sprintf("Rename %s to %s? (y/n)[n]:", fi.Path, newPath)); err != nil || !ok {
		return err
	}
	if err := e.dev.fs.Rename(fi.Path, newPath); err != nil {
		return fileError(err)
	}
	// The current directory moves along with a renamed directory.
	if fi.IsDir && (samePath(e.cwd, fi.Path) || strings.HasPrefix(strings.ToLower(e.cwd), strings.ToLower(fi.Path)+"/")) {
		e.cwd = newPath + e.cwd[len(fi.Path):]
	}
	e.Print(fmt.Sprintf("Info: Rename file %s to %s ......Done\n", fi.Path, newPath))
	e.logFileOp("FILE_RENAME", "The file was renamed. (OldName=%s, NewName=%s", fi.Path, newPath)
	return nil
}

// matchFiles returns the files an argument names: the file itself, or with
// wildcards the files of its directory that match.
func (e *callEnv) matchFiles(arg string) ([]flash.FileInfo, error) {
	dir, pattern, err := splitPattern(e.cwd, arg)
	if err != nil {
		return nil, err
	}
	if pattern == "" {
		fi, err := e.dev.fs.Stat(dir)
		switch {
		case err != nil:
			return nil, fileError(err)
		case fi.IsDir:
			return nil, refuse(msgDeleteDir)
		}
		return []flash.FileInfo{fi}, nil
	}
	if _, err := e.statDir(dir); err != nil {
		return nil, err
	}
	list, err := e.dev.fs.ReadDir(dir)
	if err != nil {
		return nil, fileError(err)
	}
	var files []flash.FileInfo
	for _, fi := range list {
		if !fi.IsDir && matchWild(pattern, fi.Name) {
			files = append(files, fi)
		}
	}
	if len(files) == 0 {
		return nil, refuse(msgNoFile)
	}
	return files, nil
}

func runDelete(e *callEnv, c *cli.Call) error {
	files, err := e.matchFiles(c.Value("file-path"))
	if err != nil {
		return err
	}
	unreserved, force := c.Has("/unreserved"), c.Has("/force") || c.Has("/quiet")
	for _, fi := range files {
		if !force {
			q := fmt.Sprintf("Delete %s? (y/n)[n]:", fi.Path)
			if unreserved {
				q = fmt.Sprintf("Warning: The contents of file %s cannot be recycled. Continue? (y/n)[n]:", fi.Path)
			}
			ok, err := e.confirm(q)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		if err := e.dev.fs.Remove(fi.Path, unreserved); err != nil {
			e.printError(err)
			continue
		}
		e.Print(e.dev.profile.deleted(fi.Path))
		e.logFileOp("FILE_DELETE", "The file was deleted. (FileName=%s, Unreserved=%t", fi.Path, unreserved)
	}
	return nil
}

// binFiles returns the deleted files an argument names (with wildcards in
// its last name); with no argument every file in the recycle bin.
func (e *callEnv) binFiles(arg string, all bool) ([]flash.FileInfo, error) {
	if all {
		list, err := e.dev.fs.RecycleBin(flash.Root)
		if err != nil {
			return nil, fileError(err)
		}
		return list, nil
	}
	dir, pattern, err := splitPattern(e.cwd, arg)
	if err != nil {
		return nil, err
	}
	path := ""
	if pattern == "" {
		path, dir = dir, parentPath(dir)
	}
	list, err := e.dev.fs.RecycleBin(dir)
	if err != nil {
		if errors.Is(err, flash.ErrNotExist) || errors.Is(err, flash.ErrNotDir) {
			return nil, nil
		}
		return nil, fileError(err)
	}
	var out []flash.FileInfo
	for _, fi := range list {
		if !samePath(parentPath(fi.Path), dir) {
			continue
		}
		if pattern == "" && samePath(fi.Path, path) || pattern != "" && matchWild(pattern, fi.Name) {
			out = append(out, fi)
		}
	}
	return out, nil
}

func runUndelete(e *callEnv, c *cli.Call) error {
	arg := c.Value("file-path")
	if strings.Contains(arg, "*") {
		return refuse(msgInvalidPath)
	}
	files, err := e.binFiles(arg, false)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return refuse(msgNoFile)
	}
	fi := files[0]
	if _, err := e.dev.fs.Stat(fi.Path); err == nil {
		return refuse(msgFileExists)
	}
	if ok, err := e.confirm(fmt.Sprintf("Undelete %s? (y/n)[n]:", fi.Path)); err != nil || !ok {
		return err
	}
	if err := e.dev.fs.Undelete(fi.Path); err != nil {
		return fileError(err)
	}
	e.Print(fmt.Sprintf("%%Undeleted file %s.\n", fi.Path))
	e.logFileOp("FILE_UNDELETE", "The file was restored from the recycle bin. (FileName=%s", fi.Path)
	return nil
}

func runResetRecycleBin(e *callEnv, c *cli.Call) error {
	arg, ok := c.Lookup("file-path")
	files, err := e.binFiles(arg, !ok)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return refuse(msgEmptyBin)
	}
	for _, fi := range files {
		ok, err := e.confirm(fmt.Sprintf("Squeeze %s? (y/n)[n]:", fi.Path))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := e.dev.fs.Purge(fi.Path); err != nil {
			e.printError(err)
			continue
		}
		e.Print(fmt.Sprintf("%%Cleared file %s.\n", fi.Path))
		e.logFileOp("FILE_SQUEEZE", "The file was cleared from the recycle bin. (FileName=%s", fi.Path)
	}
	return nil
}

func runMkdir(e *callEnv, c *cli.Call) error {
	p, err := e.resolve(c.Value("dir-path"))
	if err != nil {
		return err
	}
	if err := e.dev.fs.Mkdir(p); err != nil {
		switch {
		case errors.Is(err, flash.ErrExist):
			if fi, err := e.dev.fs.Stat(p); err == nil && !fi.IsDir {
				return refuse(msgFileExists)
			}
			return refuse(msgDirExists)
		case errors.Is(err, flash.ErrNotExist), errors.Is(err, flash.ErrNotDir):
			return refuse(msgNoDir)
		}
		return fileError(err)
	}
	e.Print(fmt.Sprintf("Info: Create directory %s......Done\n", p))
	e.logFileOp("DIR_CREATE", "The directory was created. (DirName=%s", p)
	return nil
}

func runRmdir(e *callEnv, c *cli.Call) error {
	p, err := e.resolve(c.Value("dir-path"))
	if err != nil {
		return err
	}
	if p == flash.Root {
		return refuse(msgRemoveRoot)
	}
	fi, err := e.statDir(p)
	if err != nil {
		return err
	}
	if samePath(fi.Path, e.cwd) {
		return refuse(msgRemoveCwd)
	}
	if list, err := e.dev.fs.ReadDir(fi.Path); err != nil {
		return fileError(err)
	} else if len(list) > 0 {
		return refuse(msgNotEmpty)
	}
	if ok, err := e.confirm(fmt.Sprintf("Remove directory %s? (y/n)[n]:", fi.Path)); err != nil || !ok {
		return err
	}
	if err := e.dev.fs.Rmdir(fi.Path); err != nil {
		if errors.Is(err, flash.ErrNotExist) {
			return refuse(msgNoDir)
		}
		return fileError(err)
	}
	e.Print(fmt.Sprintf("%%Removing directory %s...Done!\n", fi.Path))
	e.logFileOp("DIR_DELETE", "The directory was removed. (DirName=%s", fi.Path)
	return nil
}

// logFileOp logs a file operation of the session's user. text is the
// description up to its open parameter list, which gets the user and address.
func (e *callEnv) logFileOp(brief, text string, a ...any) {
	user, ip := e.info.User, "-"
	if e.info.Remote.IsValid() {
		ip = e.info.Remote.Addr().String()
	}
	if user == "" {
		user = "-"
	}
	e.dev.logf("VFS", 5, brief, "%s, UserName=%s, IpAddress=%s)", fmt.Sprintf(text, a...), user, ip)
}
