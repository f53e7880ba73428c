package tftpc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Opcodes of RFC 1350 and RFC 2347 (OACK).
const (
	opRRQ   = 1
	opWRQ   = 2
	opDATA  = 3
	opACK   = 4
	opERROR = 5
	opOACK  = 6
)

// Error codes of RFC 1350 and RFC 2347.
const (
	ErrCodeUndefined    = 0
	ErrCodeNotFound     = 1
	ErrCodeAccess       = 2
	ErrCodeDiskFull     = 3
	ErrCodeIllegalOp    = 4
	ErrCodeUnknownTID   = 5
	ErrCodeExists       = 6
	ErrCodeNoSuchUser   = 7
	ErrCodeOptionRefuse = 8
)

// maxPacket is the largest packet the client reads: a DATA packet of the
// largest block size RFC 2348 allows, plus its header.
const maxPacket = 65464 + 4

// Packet is one decoded TFTP packet. Which fields are set depends on Op:
// RRQ/WRQ use File, Mode and Options; DATA uses Block and Data; ACK uses
// Block; ERROR uses Code and Message; OACK uses Options.
type Packet struct {
	Op      uint16
	File    string
	Mode    string
	Options map[string]string
	Block   uint16
	Data    []byte
	Code    uint16
	Message string
}

// errMalformed is wrapped by every parse error.
var errMalformed = errors.New("tftp: malformed packet")

// Parse decodes a packet. Data aliases b.
func Parse(b []byte) (Packet, error) {
	if len(b) < 2 {
		return Packet{}, fmt.Errorf("%w: %d bytes", errMalformed, len(b))
	}
	p := Packet{Op: binary.BigEndian.Uint16(b)}
	rest := b[2:]
	switch p.Op {
	case opRRQ, opWRQ:
		fields, err := cstrings(rest)
		if err != nil {
			return Packet{}, err
		}
		if len(fields) < 2 || fields[0] == "" || len(fields)%2 != 0 {
			return Packet{}, fmt.Errorf("%w: request needs a file name and a mode", errMalformed)
		}
		p.File, p.Mode = fields[0], strings.ToLower(fields[1])
		if p.Options, err = options(fields[2:]); err != nil {
			return Packet{}, err
		}
	case opDATA:
		if len(rest) < 2 {
			return Packet{}, fmt.Errorf("%w: short DATA", errMalformed)
		}
		p.Block, p.Data = binary.BigEndian.Uint16(rest), rest[2:]
	case opACK:
		if len(rest) != 2 {
			return Packet{}, fmt.Errorf("%w: ACK of %d bytes", errMalformed, len(b))
		}
		p.Block = binary.BigEndian.Uint16(rest)
	case opERROR:
		if len(rest) < 2 {
			return Packet{}, fmt.Errorf("%w: short ERROR", errMalformed)
		}
		p.Code = binary.BigEndian.Uint16(rest)
		msg := rest[2:]
		// a message without its terminating zero is taken as it is
		if i := bytes.IndexByte(msg, 0); i >= 0 {
			msg = msg[:i]
		}
		p.Message = string(msg)
	case opOACK:
		fields, err := cstrings(rest)
		if err != nil {
			return Packet{}, err
		}
		if p.Options, err = options(fields); err != nil {
			return Packet{}, err
		}
	default:
		return Packet{}, fmt.Errorf("%w: opcode %d", errMalformed, p.Op)
	}
	return p, nil
}

// cstrings splits zero-terminated strings; the last must be terminated.
func cstrings(b []byte) ([]string, error) {
	if len(b) == 0 || b[len(b)-1] != 0 {
		return nil, fmt.Errorf("%w: unterminated string", errMalformed)
	}
	parts := bytes.Split(b[:len(b)-1], []byte{0})
	out := make([]string, len(parts))
	for i, s := range parts {
		out[i] = string(s)
	}
	return out, nil
}

// options pairs names (lower-cased) with values.
func options(fields []string) (map[string]string, error) {
	if len(fields)%2 != 0 {
		return nil, fmt.Errorf("%w: option %q without a value", errMalformed, fields[len(fields)-1])
	}
	if len(fields) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(fields)/2)
	for i := 0; i < len(fields); i += 2 {
		if fields[i] == "" {
			return nil, fmt.Errorf("%w: empty option name", errMalformed)
		}
		m[strings.ToLower(fields[i])] = fields[i+1]
	}
	return m, nil
}

// Marshal encodes the packet. Options are written in a fixed order
// (blksize, tsize, timeout, then the others sorted), so the bytes are
// reproducible.
func (p Packet) Marshal() []byte {
	b := binary.BigEndian.AppendUint16(nil, p.Op)
	switch p.Op {
	case opRRQ, opWRQ:
		b = append(append(b, p.File...), 0)
		b = append(append(b, p.Mode...), 0)
		b = appendOptions(b, p.Options)
	case opDATA:
		b = binary.BigEndian.AppendUint16(b, p.Block)
		b = append(b, p.Data...)
	case opACK:
		b = binary.BigEndian.AppendUint16(b, p.Block)
	case opERROR:
		b = binary.BigEndian.AppendUint16(b, p.Code)
		b = append(append(b, p.Message...), 0)
	case opOACK:
		b = appendOptions(b, p.Options)
	}
	return b
}

func appendOptions(b []byte, opts map[string]string) []byte {
	known := []string{"blksize", "tsize", "timeout"}
	var names []string
	for _, k := range known {
		if _, ok := opts[k]; ok {
			names = append(names, k)
		}
	}
	var others []string
	for k := range opts {
		if k != "blksize" && k != "tsize" && k != "timeout" {
			others = append(others, k)
		}
	}
	slices.Sort(others)
	for _, k := range append(names, others...) {
		b = append(append(b, k...), 0)
		b = append(append(b, opts[k]...), 0)
	}
	return b
}

// optionInt reads a numeric option value in [lo, hi].
func optionInt(opts map[string]string, name string, lo, hi int64) (int64, bool, error) {
	v, ok := opts[name]
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, true, fmt.Errorf("tftp: the server's %s option %q is out of range", name, v)
	}
	return n, true, nil
}
