// Package tftpc is a TFTP client (RFC 1350) in octet mode, as the device's
// tftp command uses it: Get reads a remote file into a writer, Put sends a
// reader's bytes. It asks for the transfer size (tsize, RFC 2349) so the
// caller can show percentages and check its capacity before the data comes,
// and for a block size (blksize, RFC 2348) when one is set; a server that
// knows no options answers as RFC 1350 says and the transfer goes on with
// 512-byte blocks.
//
// Each packet is sent again when no answer comes within Options.Timeout, at
// most Options.Retries times; a duplicate ACK never makes the client send
// data again (the "Sorcerer's Apprentice" bug of RFC 1123 4.2.3.1). Packets
// from another port than the server's transfer ID are answered with error 5
// and ignored. Parse decodes every packet type and has a fuzz target.
package tftpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// Defaults of Options.
const (
	DefaultTimeout = 5 * time.Second
	DefaultRetries = 5
	defaultBlock   = 512
)

// Options configure one transfer.
type Options struct {
	// LocalAddr is the source address (any when invalid).
	LocalAddr netip.Addr
	// Timeout is how long the client waits for an answer before sending its
	// last packet again (DefaultTimeout when zero).
	Timeout time.Duration
	// Retries is how many times a packet is sent again before the transfer
	// fails with ErrTimeout (DefaultRetries when zero, none when negative).
	Retries int
	// BlockSize, when not zero, is asked for with the blksize option
	// (8-65464); the server may grant less.
	BlockSize int
	// NoOptions sends a plain RFC 1350 request (no tsize, no blksize).
	NoOptions bool
	// Size is called on a download when the server tells the file's size
	// (tsize); an error aborts the transfer (the server is told the disk is
	// full) and is returned.
	Size func(n int64) error
	// Progress is called after each block with the bytes moved so far and
	// the total (-1 when unknown).
	Progress func(done, total int64)
	// MaxSize aborts a download that grows beyond it (0: no limit).
	MaxSize int64
}

// ErrTimeout is returned when the server stopped answering.
var ErrTimeout = errors.New("tftp: the server did not answer")

// ErrTooLarge is returned when a download exceeds Options.MaxSize.
var ErrTooLarge = errors.New("tftp: the file is larger than allowed")

// RemoteError is an ERROR packet from the server.
type RemoteError struct {
	Code    uint16
	Message string
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("tftp: server error %d: %s", e.Code, e.Message)
}

// session is one transfer's socket and retransmission state.
type session struct {
	conn    *net.UDPConn
	server  netip.AddrPort
	peer    netip.AddrPort // the server's transfer ID once known
	o       Options
	buf     []byte
	last    []byte // the packet sent last, sent again on a timeout
	lastDst netip.AddrPort
}

func open(server netip.AddrPort, o Options) (*session, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Retries == 0 {
		o.Retries = DefaultRetries
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	if o.BlockSize != 0 && (o.BlockSize < 8 || o.BlockSize > 65464) {
		return nil, fmt.Errorf("tftp: block size %d is out of range 8-65464", o.BlockSize)
	}
	server = netip.AddrPortFrom(server.Addr().Unmap(), server.Port())
	network := "udp4"
	if server.Addr().Is6() {
		network = "udp6"
	}
	var laddr *net.UDPAddr
	if o.LocalAddr.IsValid() {
		laddr = net.UDPAddrFromAddrPort(netip.AddrPortFrom(o.LocalAddr, 0))
	}
	conn, err := net.ListenUDP(network, laddr)
	if err != nil {
		return nil, fmt.Errorf("tftp: open a socket: %w", err)
	}
	return &session{conn: conn, server: server, o: o, buf: make([]byte, maxPacket+1)}, nil
}

// send sends b to the peer (the server's port 69 before it answered) and
// remembers it for retransmission.
func (s *session) send(b []byte) error {
	dst := s.peer
	if !dst.IsValid() {
		dst = s.server
	}
	s.last, s.lastDst = b, dst
	if _, err := s.conn.WriteToUDPAddrPort(b, dst); err != nil {
		return fmt.Errorf("tftp: send to %s: %w", dst, err)
	}
	return nil
}

// fail tells the peer why the transfer stops (best effort).
func (s *session) fail(code uint16, msg string) {
	dst := s.peer
	if !dst.IsValid() {
		return
	}
	s.conn.WriteToUDPAddrPort(Packet{Op: opERROR, Code: code, Message: msg}.Marshal(), dst)
}

// recv returns the next packet of the transfer, sending the last packet
// again on each timeout.
func (s *session) recv(ctx context.Context) (Packet, error) {
	tries := 0
	for {
		s.conn.SetReadDeadline(time.Now().Add(s.o.Timeout))
		if err := ctx.Err(); err != nil {
			return Packet{}, err
		}
		n, from, err := s.conn.ReadFromUDPAddrPort(s.buf)
		if err != nil {
			if ctx.Err() != nil {
				return Packet{}, ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				tries++
				if tries > s.o.Retries {
					return Packet{}, ErrTimeout
				}
				if _, err := s.conn.WriteToUDPAddrPort(s.last, s.lastDst); err != nil {
					return Packet{}, fmt.Errorf("tftp: send to %s: %w", s.lastDst, err)
				}
				continue
			}
			return Packet{}, fmt.Errorf("tftp: receive: %w", err)
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		if !s.peer.IsValid() {
			if from.Addr() != s.server.Addr() {
				continue // not from the server at all
			}
			s.peer = from
		} else if from != s.peer {
			s.conn.WriteToUDPAddrPort(Packet{Op: opERROR, Code: ErrCodeUnknownTID, Message: "Unknown transfer ID"}.Marshal(), from)
			continue
		}
		if n > maxPacket {
			s.fail(ErrCodeIllegalOp, "Packet too large")
			return Packet{}, fmt.Errorf("%w: more than %d bytes", errMalformed, maxPacket)
		}
		p, err := Parse(s.buf[:n])
		if err != nil {
			s.fail(ErrCodeIllegalOp, "Malformed packet")
			return Packet{}, err
		}
		if p.Op == opERROR {
			return Packet{}, &RemoteError{Code: p.Code, Message: p.Message}
		}
		return p, nil
	}
}

func (s *session) close() { s.conn.Close() }

// request builds an RRQ or WRQ with the options of o.
func (s *session) request(op uint16, file string, tsize int64, withOptions bool) []byte {
	p := Packet{Op: op, File: file, Mode: "octet"}
	if withOptions {
		p.Options = map[string]string{"tsize": strconv.FormatInt(tsize, 10)}
		if s.o.BlockSize != 0 {
			p.Options["blksize"] = strconv.Itoa(s.o.BlockSize)
		}
	}
	return p.Marshal()
}

// negotiated applies an OACK: the block size granted and the size told.
func (s *session) negotiated(p Packet) (block int, size int64, err error) {
	block, size = defaultBlock, -1
	max := int64(defaultBlock)
	if s.o.BlockSize != 0 {
		max = int64(s.o.BlockSize)
	}
	if n, ok, err := optionInt(p.Options, "blksize", 8, max); err != nil {
		return 0, 0, err
	} else if ok {
		block = int(n)
	}
	if n, ok, err := optionInt(p.Options, "tsize", 0, 1<<62); err != nil {
		return 0, 0, err
	} else if ok {
		size = n
	}
	return block, size, nil
}

// withContext makes a cancelled ctx end a blocked read at once.
func (s *session) withContext(ctx context.Context) func() bool {
	return context.AfterFunc(ctx, func() { s.conn.SetReadDeadline(time.Unix(1, 0)) })
}

// Get downloads file from server into w and returns the bytes written.
func Get(ctx context.Context, server netip.AddrPort, file string, w io.Writer, o Options) (int64, error) {
	n, err := get(ctx, server, file, w, o, !o.NoOptions)
	var re *RemoteError
	if errors.As(err, &re) && re.Code == ErrCodeOptionRefuse && !o.NoOptions && n == 0 {
		return get(ctx, server, file, w, o, false)
	}
	return n, err
}

func get(ctx context.Context, server netip.AddrPort, file string, w io.Writer, o Options, withOptions bool) (int64, error) {
	s, err := open(server, o)
	if err != nil {
		return 0, err
	}
	defer s.close()
	defer s.withContext(ctx)()
	if err := s.send(s.request(opRRQ, file, 0, withOptions)); err != nil {
		return 0, err
	}
	block, size := defaultBlock, int64(-1)
	var done int64
	want := uint16(1)
	for {
		p, err := s.recv(ctx)
		if err != nil {
			return done, err
		}
		switch {
		case p.Op == opOACK && want == 1 && withOptions:
			if block, size, err = s.negotiated(p); err != nil {
				s.fail(ErrCodeOptionRefuse, "Bad option")
				return 0, err
			}
			if size >= 0 && o.Size != nil {
				if err := o.Size(size); err != nil {
					s.fail(ErrCodeDiskFull, "Disk full or allocation exceeded")
					return 0, err
				}
			}
			if err := s.send(Packet{Op: opACK}.Marshal()); err != nil {
				return 0, err
			}
			withOptions = false // no second OACK
		case p.Op == opDATA && p.Block == want:
			if len(p.Data) > block {
				s.fail(ErrCodeIllegalOp, "Block too large")
				return done, fmt.Errorf("%w: DATA of %d bytes for a block size of %d", errMalformed, len(p.Data), block)
			}
			if o.MaxSize > 0 && done+int64(len(p.Data)) > o.MaxSize {
				s.fail(ErrCodeDiskFull, "Disk full or allocation exceeded")
				return done, ErrTooLarge
			}
			if _, err := w.Write(p.Data); err != nil {
				s.fail(ErrCodeDiskFull, "Disk full or allocation exceeded")
				return done, fmt.Errorf("tftp: write: %w", err)
			}
			done += int64(len(p.Data))
			if err := s.send(Packet{Op: opACK, Block: want}.Marshal()); err != nil {
				return done, err
			}
			if o.Progress != nil {
				o.Progress(done, size)
			}
			if len(p.Data) < block {
				return done, nil
			}
			want++
			withOptions = false
		case p.Op == opDATA && p.Block == want-1 && done > 0:
			// our ACK was lost: acknowledge the block again
			if err := s.send(Packet{Op: opACK, Block: p.Block}.Marshal()); err != nil {
				return done, err
			}
		}
	}
}

// Put uploads size bytes read from r to file on server and returns the bytes
// sent. size is told to the server (tsize); a reader that ends early ends the
// file there.
func Put(ctx context.Context, server netip.AddrPort, file string, r io.Reader, size int64, o Options) (int64, error) {
	n, err := put(ctx, server, file, r, size, o, !o.NoOptions)
	var re *RemoteError
	if errors.As(err, &re) && re.Code == ErrCodeOptionRefuse && !o.NoOptions && n == 0 {
		if seeker, ok := r.(io.Seeker); ok {
			if _, err := seeker.Seek(0, io.SeekStart); err == nil {
				return put(ctx, server, file, r, size, o, false)
			}
		}
	}
	return n, err
}

func put(ctx context.Context, server netip.AddrPort, file string, r io.Reader, size int64, o Options, withOptions bool) (int64, error) {
	s, err := open(server, o)
	if err != nil {
		return 0, err
	}
	defer s.close()
	defer s.withContext(ctx)()
	if err := s.send(s.request(opWRQ, file, size, withOptions)); err != nil {
		return 0, err
	}
	block := defaultBlock
	// the first answer: ACK 0, or OACK in its place
	for {
		p, err := s.recv(ctx)
		if err != nil {
			return 0, err
		}
		if p.Op == opACK && p.Block == 0 {
			break
		}
		if p.Op == opOACK && withOptions {
			if block, _, err = s.negotiated(p); err != nil {
				s.fail(ErrCodeOptionRefuse, "Bad option")
				return 0, err
			}
			break
		}
	}
	data := make([]byte, block)
	var done int64
	for n := uint16(1); ; n++ {
		k, err := io.ReadFull(r, data)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			s.fail(ErrCodeUndefined, "Read error")
			return done, fmt.Errorf("tftp: read: %w", err)
		}
		if err := s.send(Packet{Op: opDATA, Block: n, Data: data[:k]}.Marshal()); err != nil {
			return done, err
		}
		for {
			p, err := s.recv(ctx)
			if err != nil {
				return done, err
			}
			if p.Op == opACK && p.Block == n {
				break
			}
			// a duplicate ACK of the previous block is ignored: the block
			// is sent again only on a timeout
		}
		done += int64(k)
		if o.Progress != nil {
			o.Progress(done, size)
		}
		if k < block {
			return done, nil
		}
	}
}
