package ftpd

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/flash"
)

// listLine formats one LIST line the way a VRP device does:
//
//	-rwxrwxrwx   1 noone    nogroup      2263 Sep 19 13:34 statemach.efs
//
// The day has two digits ("Dec 03"), as the device writes it. Files of
// another year show the year instead of the time ("Jan 19 2012").
func listLine(fi flash.FileInfo, name string, now time.Time, loc *time.Location) string {
	perm := "-rwxrwxrwx"
	size := fi.Size
	if fi.IsDir {
		perm, size = "drwxrwxrwx", 0
	}
	t := fi.ModTime.In(loc)
	stamp := t.Format("Jan 02 15:04")
	if t.Year() != now.In(loc).Year() {
		stamp = t.Format("Jan 02 2006")
	}
	return fmt.Sprintf("%s   1 noone    nogroup %9d %s %s\r\n", perm, size, stamp, name)
}

// mlsxFacts formats the RFC 3659 facts of fi, in the order type, size, modify,
// perm, restricted to the selected ones. cdir and pdir mark "." and "..".
func mlsxFacts(fi flash.FileInfo, typ string, selected map[string]bool, readOnly bool) string {
	var b strings.Builder
	if selected["type"] {
		fmt.Fprintf(&b, "type=%s;", typ)
	}
	if selected["size"] && !fi.IsDir {
		fmt.Fprintf(&b, "size=%d;", fi.Size)
	}
	if selected["modify"] {
		fmt.Fprintf(&b, "modify=%s;", fi.ModTime.UTC().Format("20060102150405"))
	}
	if selected["perm"] {
		switch {
		case fi.IsDir && readOnly:
			b.WriteString("perm=el;")
		case fi.IsDir:
			b.WriteString("perm=cdeflmp;")
		case readOnly:
			b.WriteString("perm=r;")
		default:
			b.WriteString("perm=adfrw;")
		}
	}
	return b.String()
}

// supportedFacts lists the MLST facts, for FEAT and OPTS MLST.
var supportedFacts = []string{"type", "size", "modify", "perm"}

// listing is what LIST, NLST and MLSD send: either a directory's entries (with
// "." and "..") or a single file.
type listing struct {
	self, parent flash.FileInfo // the directory and its parent (dir listings)
	entries      []flash.FileInfo
	isDir        bool
	noDots       bool   // a wildcard listing: no "." and ".."
	display      string // for a single file: the name as the client gave it
}

// writeLIST writes the listing in the device's LIST format: ".." first, then the
// entries, then ".".
func (l *listing) writeLIST(w io.Writer, now time.Time, loc *time.Location) error {
	var b strings.Builder
	if !l.isDir {
		b.WriteString(listLine(l.entries[0], l.display, now, loc))
	} else {
		if !l.noDots {
			b.WriteString(listLine(l.parent, "..", now, loc))
		}
		for _, fi := range l.entries {
			b.WriteString(listLine(fi, fi.Name, now, loc))
		}
		if !l.noDots {
			b.WriteString(listLine(l.self, ".", now, loc))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeNLST writes names only, one a line, "." and ".." included as on the device.
func (l *listing) writeNLST(w io.Writer) error {
	var b strings.Builder
	if !l.isDir {
		b.WriteString(l.display + "\r\n")
	} else {
		if !l.noDots {
			b.WriteString("..\r\n")
		}
		for _, fi := range l.entries {
			b.WriteString(fi.Name + "\r\n")
		}
		if !l.noDots {
			b.WriteString(".\r\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMLSD writes RFC 3659 entries: cdir, pdir, then the directory's entries.
func (l *listing) writeMLSD(w io.Writer, facts map[string]bool, readOnly bool) error {
	var b strings.Builder
	if !l.noDots {
		b.WriteString(mlsxFacts(l.self, "cdir", facts, readOnly) + " .\r\n")
		b.WriteString(mlsxFacts(l.parent, "pdir", facts, readOnly) + " ..\r\n")
	}
	for _, fi := range l.entries {
		typ := "file"
		if fi.IsDir {
			typ = "dir"
		}
		b.WriteString(mlsxFacts(fi, typ, facts, readOnly) + " " + fi.Name + "\r\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// hasGlob reports whether a name contains shell wildcards.
func hasGlob(name string) bool { return strings.ContainsAny(name, "*?[") }
