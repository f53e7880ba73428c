package sshd

import (
	"encoding/binary"
	"errors"
	"io"
	"sync"
)

// The limits@openssh.com extension (OpenSSH's PROTOCOL file, section 4.8):
// the server tells the client the largest packet, read and write it takes.
// OpenSSH's sftp (8.7 and later) asks for it and, without it, reads and
// writes 32 KiB at a time; with it, it uses the sizes given. The request
// server of github.com/pkg/sftp neither advertises nor answers it, so
// sftpLimits, between the channel and the request server, does both.
const (
	limitsExtension = "limits@openssh.com"

	// sftpMaxPacket is the request server's largest packet (pkg/sftp's
	// maxMsgLength, 256 KiB); reads and writes leave 1 KiB of it for the
	// packet's other fields, as OpenSSH's sftp-server does.
	sftpMaxPacket = 256 << 10
	sftpMaxData   = sftpMaxPacket - 1024

	fxpVersion       = 2
	fxpExtended      = 200
	fxpExtendedReply = 201

	// maxExtendedPeek bounds the extended requests sftpLimits reads ahead
	// to see their name: longer ones go to the request server unread.
	maxExtendedPeek = 1024
)

// sftpLimits is the SFTP stream of a session as the request server sees it:
// it adds limitsExtension to the server's version packet and answers the
// client's limits requests itself; every other packet passes unchanged.
//
// One goroutine reads (the request server's receive loop); writes may come
// from several, each packet as one or more consecutive Writes (pkg/sftp
// holds a lock around a packet). The replies of sftpLimits go between the
// server's packets, never inside one.
type sftpLimits struct {
	rw io.ReadWriteCloser

	// Read side.
	hdr   [maxExtendedPeek + 5]byte
	ahead []byte // bytes of the current packet read but not yet handed out
	left  uint32 // bytes of the current packet still in rw

	// Write side.
	wmu      sync.Mutex
	version  []byte   // the server's first packet, held until complete (nil when sent)
	lenBuf   [4]byte  // the length of the packet being written, as far as seen
	lenHave  int      // bytes of lenBuf seen
	wleft    uint32   // bytes of the packet being written still to come
	queued   [][]byte // replies waiting for the end of the packet being written
	werr     error    // the first write error
	versDone bool     // the server's first packet went out
}

func newSFTPLimits(rw io.ReadWriteCloser) *sftpLimits { return &sftpLimits{rw: rw} }

func (s *sftpLimits) Close() error { return s.rw.Close() }

// Read hands out the client's packets but limits requests.
func (s *sftpLimits) Read(p []byte) (int, error) {
	for {
		switch {
		case len(p) == 0:
			return 0, nil
		case len(s.ahead) > 0:
			n := copy(p, s.ahead)
			s.ahead = s.ahead[n:]
			return n, nil
		case s.left > 0:
			if uint32(len(p)) > s.left {
				p = p[:s.left]
			}
			n, err := s.rw.Read(p)
			s.left -= uint32(n)
			if err == io.EOF && s.left > 0 {
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
		if err := s.nextPacket(); err != nil {
			return 0, err
		}
	}
}

// nextPacket reads the start of the client's next packet into s.ahead,
// or all of it when it is a short extended request; a limits request is
// answered and dropped.
func (s *sftpLimits) nextPacket() error {
	if _, err := io.ReadFull(s.rw, s.hdr[:4]); err != nil {
		return err
	}
	length := binary.BigEndian.Uint32(s.hdr[:4])
	if length == 0 { // the request server refuses it
		s.ahead = s.hdr[:4]
		return nil
	}
	if _, err := io.ReadFull(s.rw, s.hdr[4:5]); err != nil {
		return noEOF(err)
	}
	if s.hdr[4] != fxpExtended || length-1 > maxExtendedPeek {
		s.ahead, s.left = s.hdr[:5], length-1
		return nil
	}
	body := s.hdr[5 : 4+length]
	if _, err := io.ReadFull(s.rw, body); err != nil {
		return noEOF(err)
	}
	id, name, ok := parseExtended(body)
	if !ok || name != limitsExtension {
		s.ahead = s.hdr[:4+length]
		return nil
	}
	return s.reply(limitsReply(id))
}

// noEOF turns the end of the stream inside a packet into an error.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseExtended returns the id and the request name of an extended
// request's body (after its type).
func parseExtended(body []byte) (id uint32, name string, ok bool) {
	if len(body) < 8 {
		return 0, "", false
	}
	id = binary.BigEndian.Uint32(body)
	n := binary.BigEndian.Uint32(body[4:])
	if uint64(n) > uint64(len(body)-8) {
		return 0, "", false
	}
	return id, string(body[8 : 8+n]), true
}

// limitsReply is the answer to a limits request: the largest packet, read
// and write, and no limit on open handles (0: the client keeps its own).
func limitsReply(id uint32) []byte {
	b := make([]byte, 0, 4+1+4+4*8)
	b = binary.BigEndian.AppendUint32(b, 1+4+4*8)
	b = append(b, fxpExtendedReply)
	b = binary.BigEndian.AppendUint32(b, id)
	b = binary.BigEndian.AppendUint64(b, sftpMaxPacket)
	b = binary.BigEndian.AppendUint64(b, sftpMaxData)
	b = binary.BigEndian.AppendUint64(b, sftpMaxData)
	b = binary.BigEndian.AppendUint64(b, 0)
	return b
}

// reply sends a packet of sftpLimits' own, at once when no packet of the
// server is half written, else after it.
func (s *sftpLimits) reply(pkt []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.werr != nil {
		return s.werr
	}
	if !s.versDone || s.wleft > 0 || s.lenHave > 0 {
		s.queued = append(s.queued, pkt)
		return nil
	}
	return s.write(pkt)
}

// write writes b, keeping the first error. The caller holds s.wmu.
func (s *sftpLimits) write(b []byte) error {
	if _, err := s.rw.Write(b); err != nil {
		s.werr = err
	}
	return s.werr
}

// Write passes the server's packets on: the first (the version) when it is
// complete, with limitsExtension added; the others at once.
func (s *sftpLimits) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.werr != nil {
		return 0, s.werr
	}
	n := len(p)
	if !s.versDone {
		rest, err := s.writeVersion(p)
		if err != nil {
			return 0, err
		}
		p = rest
	}
	if len(p) > 0 {
		s.track(p)
		if err := s.write(p); err != nil {
			return 0, err
		}
	}
	s.flushQueued()
	return n, nil
}

// flushQueued sends the replies of sftpLimits that wait, if the server is
// between packets. An error is kept for the next call. The caller holds
// s.wmu.
func (s *sftpLimits) flushQueued() {
	for s.versDone && s.wleft == 0 && s.lenHave == 0 && len(s.queued) > 0 && s.werr == nil {
		pkt := s.queued[0]
		s.queued = s.queued[1:]
		s.write(pkt)
	}
}

// track follows the packet boundaries in p, the next bytes of the
// server's stream. The caller holds s.wmu.
func (s *sftpLimits) track(p []byte) {
	for len(p) > 0 {
		if s.wleft > 0 {
			n := min(uint32(len(p)), s.wleft)
			s.wleft -= n
			p = p[n:]
			continue
		}
		n := copy(s.lenBuf[s.lenHave:], p)
		s.lenHave += n
		p = p[n:]
		if s.lenHave == 4 {
			s.wleft, s.lenHave = binary.BigEndian.Uint32(s.lenBuf[:]), 0
		}
	}
}

// writeVersion holds the server's first packet until it is complete, then
// sends it, with limitsExtension added when it is the version packet, and
// returns the bytes of p after it. The caller holds s.wmu.
func (s *sftpLimits) writeVersion(p []byte) (rest []byte, err error) {
	s.version = append(s.version, p...)
	if len(s.version) < 4 {
		return nil, nil
	}
	length := binary.BigEndian.Uint32(s.version)
	if length > sftpMaxPacket {
		return nil, errors.New("sftp: the server's first packet is too long")
	}
	if uint64(len(s.version)) < 4+uint64(length) {
		return nil, nil
	}
	pkt := s.version[: 4+length : 4+length] // appending copies: rest stays
	rest = s.version[4+length:]
	if length >= 5 && pkt[4] == fxpVersion {
		pkt = appendString(pkt, limitsExtension)
		pkt = appendString(pkt, "1")
		binary.BigEndian.PutUint32(pkt, uint32(len(pkt)-4))
	}
	s.versDone, s.version = true, nil
	if err := s.write(pkt); err != nil {
		return nil, err
	}
	return rest, nil
}

// appendString appends an SFTP string (length, bytes).
func appendString(b []byte, str string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(str)))
	return append(b, str...)
}
