package instructor

import (
	"fmt"
	"strconv"
	"strings"
)

// Decode explains the data address an FTP line carries, as a student
// learns it: a PORT command or a 227 reply "h1,h2,h3,h4,p1,p2" becomes
// "h1,h2,h3,h4,p1,p2 -> h1.h2.h3.h4 port p1*256+p2 = P"; an EPRT command or
// a 229 reply names the port directly. Any other line gives "".
func Decode(line string) string {
	verb, arg, _ := strings.Cut(line, " ")
	switch strings.ToUpper(verb) {
	case "PORT":
		return decodeSix(strings.TrimSpace(arg))
	case "227":
		open, close := strings.IndexByte(arg, '('), strings.LastIndexByte(arg, ')')
		if open < 0 || close < open {
			// RFC 959 allows the numbers without parentheses
			i := strings.IndexAny(arg, "0123456789")
			if i < 0 {
				return ""
			}
			return decodeSix(strings.TrimRight(arg[i:], ". "))
		}
		return decodeSix(arg[open+1 : close])
	case "EPRT":
		// |1|127.0.1.1|50000|
		f := strings.Split(strings.TrimSpace(arg), "|")
		if len(f) != 5 || f[0] != "" || f[4] != "" {
			return ""
		}
		if p, err := strconv.Atoi(f[3]); err == nil && p > 0 && p < 65536 {
			return fmt.Sprintf("%s port %d", f[2], p)
		}
	case "229":
		open, close := strings.Index(arg, "(|||"), strings.LastIndex(arg, "|)")
		if open < 0 || close < open+4 {
			return ""
		}
		if p, err := strconv.Atoi(arg[open+4 : close]); err == nil && p > 0 && p < 65536 {
			return fmt.Sprintf("port %d (the control connection's address)", p)
		}
	}
	return ""
}

// decodeSix decodes "h1,h2,h3,h4,p1,p2".
func decodeSix(s string) string {
	f := strings.Split(s, ",")
	if len(f) != 6 {
		return ""
	}
	var n [6]int
	for i, x := range f {
		v, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil || v < 0 || v > 255 {
			return ""
		}
		n[i] = v
	}
	return fmt.Sprintf("%s -> %d.%d.%d.%d port %d*256+%d = %d", strings.Join(f, ","), n[0], n[1], n[2], n[3], n[4], n[5], n[4]*256+n[5])
}
