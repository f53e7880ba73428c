package ftpd

import (
	"bufio"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	errLineTooLong = errors.New("command line too long")
	errBadEncoding = errors.New("invalid character encoding")
	errBadCommand  = errors.New("malformed command verb")
)

// Telnet command bytes (RFC 854) that may appear on an FTP control connection,
// typically IAC IP IAC DM before ABOR.
const (
	telnetIAC  = 255
	telnetDONT = 254
	telnetWILL = 251
	telnetSE   = 240
)

// readCommandLine reads one command line, ending in CRLF (or a bare LF), and
// removes Telnet sequences from it. A line longer than the reader's buffer is
// discarded and reported as errLineTooLong; the next call reads the next line.
func readCommandLine(r *bufio.Reader) (string, error) {
	b, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.ReadSlice('\n')
		}
		if err != nil {
			return "", err
		}
		return "", errLineTooLong
	}
	if err != nil {
		return "", err
	}
	return stripTelnet(b[:len(b)-1]), nil
}

// stripTelnet removes Telnet command sequences and the trailing CR from a line.
func stripTelnet(b []byte) string {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != telnetIAC {
			sb.WriteByte(c)
			continue
		}
		if i+1 >= len(b) {
			break
		}
		i++
		switch next := b[i]; {
		case next == telnetIAC:
			sb.WriteByte(telnetIAC) // escaped 0xFF
		case next >= telnetWILL && next <= telnetDONT:
			i++ // option negotiation: skip the option byte too
		case next >= telnetSE:
			// IP, DM, AYT, ...: drop
		default:
			// A lone IAC (its partner went out of band): keep the byte.
			sb.WriteByte(next)
		}
	}
	return sb.String()
}

// parseCommand splits a command line into its verb (upper case) and argument.
// The verb is 3 or 4 ASCII letters; the argument follows one space and keeps its
// other spaces (file names may contain them). Lines with control characters or
// invalid UTF-8 are rejected with errBadEncoding.
func parseCommand(line string) (verb, arg string, err error) {
	if !utf8.ValidString(line) {
		return "", "", errBadEncoding
	}
	for i := 0; i < len(line); i++ {
		if c := line[i]; c < 0x20 || c == 0x7f {
			return "", "", errBadEncoding
		}
	}
	verb, arg, _ = strings.Cut(line, " ")
	if len(verb) < 3 || len(verb) > 4 {
		return "", "", errBadCommand
	}
	for i := 0; i < len(verb); i++ {
		c := verb[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return "", "", errBadCommand
		}
	}
	return strings.ToUpper(verb), arg, nil
}

// parsePORT parses the argument of PORT, "h1,h2,h3,h4,p1,p2" (RFC 959).
func parsePORT(arg string) (netip.AddrPort, error) {
	parts := strings.Split(strings.TrimSpace(arg), ",")
	if len(parts) != 6 {
		return netip.AddrPort{}, fmt.Errorf("PORT %q: want 6 numbers", arg)
	}
	var b [6]byte
	for i, p := range parts {
		n, err := parseDecimal(p, 255)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("PORT %q: %w", arg, err)
		}
		b[i] = byte(n)
	}
	port := uint16(b[4])<<8 | uint16(b[5])
	if port == 0 {
		return netip.AddrPort{}, fmt.Errorf("PORT %q: port 0", arg)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[:4])), port), nil
}

// parseDecimal parses 1-5 decimal digits no greater than max.
func parseDecimal(s string, max int) (int, error) {
	if s == "" || len(s) > 5 {
		return 0, fmt.Errorf("bad number %q", s)
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad number %q", s)
		}
		n = n*10 + int(c-'0')
	}
	if n > max {
		return 0, fmt.Errorf("number %d out of range", n)
	}
	return n, nil
}

// errEPRTProtocol reports an EPRT network protocol other than 1 (IPv4) or 2 (IPv6).
var errEPRTProtocol = errors.New("network protocol not supported")

// parseEPRT parses the argument of EPRT, "<d>proto<d>addr<d>port<d>" (RFC 2428)
// where <d> is any printable ASCII character other than a digit.
func parseEPRT(arg string) (netip.AddrPort, error) {
	if len(arg) < 7 {
		return netip.AddrPort{}, fmt.Errorf("EPRT %q: too short", arg)
	}
	d := arg[0]
	if d < 33 || d > 126 || '0' <= d && d <= '9' {
		return netip.AddrPort{}, fmt.Errorf("EPRT %q: bad delimiter", arg)
	}
	fields := strings.Split(arg[1:], string(d))
	if len(fields) != 4 || fields[3] != "" {
		return netip.AddrPort{}, fmt.Errorf("EPRT %q: want 3 fields", arg)
	}
	proto, addrText, portText := fields[0], fields[1], fields[2]
	if proto != "1" && proto != "2" {
		return netip.AddrPort{}, fmt.Errorf("EPRT %q: %w", arg, errEPRTProtocol)
	}
	addr, err := netip.ParseAddr(addrText)
	if err != nil || addr.Zone() != "" {
		return netip.AddrPort{}, fmt.Errorf("EPRT %q: bad address", arg)
	}
	if (proto == "1") != addr.Is4() {
		return netip.AddrPort{}, fmt.Errorf("EPRT %q: address does not match protocol %s", arg, proto)
	}
	port, err := parseDecimal(portText, 65535)
	if err != nil || port == 0 {
		return netip.AddrPort{}, fmt.Errorf("EPRT %q: bad port", arg)
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

// formatPASV formats the 227 reply argument for an IPv4 address and port.
func formatPASV(ap netip.AddrPort) string {
	a := ap.Addr().As4()
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d", a[0], a[1], a[2], a[3], ap.Port()>>8, ap.Port()&0xff)
}

// quotePath quotes a path for a 257 reply, doubling embedded quotes (RFC 959).
func quotePath(p string) string {
	return `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
}

// parseRest parses the REST argument, a non-negative byte offset.
func parseRest(arg string) (int64, error) {
	n, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || n < 0 || arg[0] == '+' {
		return 0, fmt.Errorf("REST %q: bad offset", arg)
	}
	return n, nil
}
