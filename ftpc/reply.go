package ftpc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// Limits on what a server may send in one reply. They keep a hostile or broken
// server from making the client buffer without bound.
const (
	maxLineLength = 8 << 10 // bytes in one reply line
	maxReplyLines = 10000   // lines in one multi-line reply
	maxReplyBytes = 1 << 20 // bytes in one multi-line reply
)

// ErrMalformedReply is wrapped by the errors returned for replies that do not
// follow RFC 959's reply syntax.
var ErrMalformedReply = errors.New("malformed reply")

// Reply is one FTP reply: its three-digit code and every line of it exactly as
// received, without the line terminator. A single-line reply has one line; a
// multi-line reply ("123-First" ... "123 Last") has all of its lines.
type Reply struct {
	Code  int
	Lines []string
}

// String returns the reply's lines joined with "\n", as a client would print
// them.
func (r Reply) String() string { return strings.Join(r.Lines, "\n") }

// Message returns the text of the reply's last line after the code and its
// separator, e.g. "Entering Passive Mode (127,0,0,1,4,1)." for a 227 reply.
func (r Reply) Message() string {
	if len(r.Lines) == 0 {
		return ""
	}
	last := r.Lines[len(r.Lines)-1]
	if len(last) <= 4 {
		return ""
	}
	return last[4:]
}

// Class returns the reply's first digit: 1 preliminary, 2 completion,
// 3 intermediate, 4 transient failure, 5 permanent failure.
func (r Reply) Class() int { return r.Code / 100 }

// replyReader reads replies from the control connection. It is resumable: when
// a read fails with a timeout (a deadline set to abort a wait), the bytes of the
// line and the lines of the reply read so far are kept, and the next call goes
// on where the last one stopped. This keeps the connection in step with the
// server after a cancelled wait.
type replyReader struct {
	br      *bufio.Reader
	onLine  func(string) // called with each line as it completes
	partial []byte       // bytes of the current line read so far
	lines   []string     // completed lines of the current reply
	size    int          // bytes in lines
	code    int          // code of the current multi-line reply, 0 if none
}

// readLine returns the next line without its terminator (CRLF or bare LF).
func (r *replyReader) readLine() (string, error) {
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(r.partial)+len(chunk) > maxLineLength+2 {
			r.partial = r.partial[:0]
			return "", fmt.Errorf("%w: line longer than %d bytes", ErrMalformedReply, maxLineLength)
		}
		r.partial = append(r.partial, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) && len(r.partial) > 0 {
				return "", fmt.Errorf("reading reply: connection closed in the middle of a line: %w", io.ErrUnexpectedEOF)
			}
			return "", err
		}
		line := strings.TrimSuffix(strings.TrimSuffix(string(r.partial), "\n"), "\r")
		r.partial = r.partial[:0]
		return line, nil
	}
}

// parseCode returns the code of a reply's first or last line and its
// separator: ' ' for a last line (or a bare code), '-' for the first line of a
// multi-line reply.
func parseCode(line string) (code int, sep byte, ok bool) {
	if len(line) < 3 {
		return 0, 0, false
	}
	for i := 0; i < 3; i++ {
		if line[i] < '0' || line[i] > '9' {
			return 0, 0, false
		}
	}
	if line[0] < '1' || line[0] > '5' {
		return 0, 0, false
	}
	code = int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	if len(line) == 3 {
		return code, ' ', true
	}
	switch line[3] {
	case ' ', '-':
		return code, line[3], true
	}
	return 0, 0, false
}

// read returns the next complete reply.
func (r *replyReader) read() (Reply, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return Reply{}, err
		}
		if r.onLine != nil {
			r.onLine(line)
		}
		if r.code == 0 {
			code, sep, ok := parseCode(line)
			if !ok {
				return Reply{}, fmt.Errorf("%w: %q", ErrMalformedReply, truncate(line))
			}
			if sep == ' ' {
				return Reply{Code: code, Lines: []string{line}}, nil
			}
			r.code = code
			r.lines = append(r.lines[:0], line)
			r.size = len(line)
			continue
		}
		r.lines = append(r.lines, line)
		r.size += len(line)
		if code, sep, ok := parseCode(line); ok && code == r.code && sep == ' ' {
			reply := Reply{Code: code, Lines: r.lines}
			r.lines, r.code, r.size = nil, 0, 0
			return reply, nil
		}
		if len(r.lines) > maxReplyLines || r.size > maxReplyBytes {
			r.lines, r.code, r.size = nil, 0, 0
			return Reply{}, fmt.Errorf("%w: multi-line reply too long", ErrMalformedReply)
		}
	}
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// parsePASV extracts the address from a 227 reply's text, which carries six
// decimal numbers h1,h2,h3,h4,p1,p2 (usually in parentheses; RFC 1123 tells
// clients to scan for the numbers rather than rely on the punctuation).
func parsePASV(msg string) (*net.TCPAddr, error) {
	for start := 0; start < len(msg); start++ {
		if msg[start] < '0' || msg[start] > '9' {
			continue
		}
		if start > 0 && msg[start-1] >= '0' && msg[start-1] <= '9' {
			continue
		}
		var nums [6]int
		pos, ok := start, true
		for i := 0; i < 6 && ok; i++ {
			end := pos
			for end < len(msg) && end-pos < 4 && msg[end] >= '0' && msg[end] <= '9' {
				end++
			}
			n, err := strconv.Atoi(msg[pos:end])
			if err != nil || n > 255 {
				ok = false
				break
			}
			nums[i] = n
			pos = end
			if i < 5 {
				if pos >= len(msg) || msg[pos] != ',' {
					ok = false
					break
				}
				pos++
			}
		}
		if !ok {
			continue
		}
		if pos < len(msg) && msg[pos] >= '0' && msg[pos] <= '9' {
			continue
		}
		ip := net.IPv4(byte(nums[0]), byte(nums[1]), byte(nums[2]), byte(nums[3]))
		return &net.TCPAddr{IP: ip, Port: nums[4]<<8 | nums[5]}, nil
	}
	return nil, fmt.Errorf("%w: no address in PASV reply %q", ErrMalformedReply, truncate(msg))
}

// parseEPSV extracts the port from a 229 reply's text, "(|||port|)" where '|'
// may be any printable delimiter (RFC 2428).
func parseEPSV(msg string) (int, error) {
	open := strings.IndexByte(msg, '(')
	end := strings.LastIndexByte(msg, ')')
	if open < 0 || end < open+5 {
		return 0, fmt.Errorf("%w: no port in EPSV reply %q", ErrMalformedReply, truncate(msg))
	}
	field := msg[open+1 : end]
	d := field[0]
	if d < 33 || d > 126 || field[1] != d || field[2] != d || field[len(field)-1] != d {
		return 0, fmt.Errorf("%w: bad delimiters in EPSV reply %q", ErrMalformedReply, truncate(msg))
	}
	digits := field[3 : len(field)-1]
	if len(digits) == 0 || len(digits) > 5 {
		return 0, fmt.Errorf("%w: bad port in EPSV reply %q", ErrMalformedReply, truncate(msg))
	}
	port := 0
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, fmt.Errorf("%w: bad port in EPSV reply %q", ErrMalformedReply, truncate(msg))
		}
		port = port*10 + int(digits[i]-'0')
	}
	if port < 1 || port > 65535 {
		return 0, fmt.Errorf("%w: port %d out of range in EPSV reply", ErrMalformedReply, port)
	}
	return port, nil
}

// portArgument formats an IPv4 address for PORT: "h1,h2,h3,h4,p1,p2".
func portArgument(addr *net.TCPAddr) (string, error) {
	ip4 := addr.IP.To4()
	if ip4 == nil {
		return "", fmt.Errorf("PORT needs an IPv4 address, have %s", addr.IP)
	}
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d", ip4[0], ip4[1], ip4[2], ip4[3], addr.Port>>8, addr.Port&0xff), nil
}

// eprtArgument formats an address for EPRT: "|1|127.0.0.1|2049|" or
// "|2|::1|2049|".
func eprtArgument(addr *net.TCPAddr) string {
	if ip4 := addr.IP.To4(); ip4 != nil {
		return fmt.Sprintf("|1|%s|%d|", ip4, addr.Port)
	}
	return fmt.Sprintf("|2|%s|%d|", addr.IP, addr.Port)
}

// parsePWD extracts the directory from a 257 reply's text: the first quoted
// string, with doubled quotes standing for one (RFC 959 appendix II).
func parsePWD(msg string) (string, bool) {
	open := strings.IndexByte(msg, '"')
	if open < 0 {
		return "", false
	}
	var b strings.Builder
	for i := open + 1; i < len(msg); i++ {
		if msg[i] != '"' {
			b.WriteByte(msg[i])
			continue
		}
		if i+1 < len(msg) && msg[i+1] == '"' {
			b.WriteByte('"')
			i++
			continue
		}
		return b.String(), true
	}
	return "", false
}
