package sshd

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	gossh "golang.org/x/crypto/ssh"
)

// sftpPacket is an SFTP packet: its type and the bytes after the type.
type sftpPacket struct {
	typ  byte
	body []byte
}

func (p sftpPacket) bytes() []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(1+len(p.body)))
	return append(append(b, p.typ), p.body...)
}

func readSFTPPacket(t *testing.T, r io.Reader) sftpPacket {
	t.Helper()
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		t.Fatalf("reading a packet: %v", err)
	}
	body := make([]byte, binary.BigEndian.Uint32(hdr[:4])-1)
	if _, err := io.ReadFull(r, body); err != nil {
		t.Fatalf("reading a packet: %v", err)
	}
	return sftpPacket{hdr[4], body}
}

// fields builds a packet body of uint32s, uint64s, strings and bytes.
func fields(vals ...any) []byte {
	var b []byte
	for _, v := range vals {
		switch v := v.(type) {
		case uint32:
			b = binary.BigEndian.AppendUint32(b, v)
		case uint64:
			b = binary.BigEndian.AppendUint64(b, v)
		case string:
			b = appendString(b, v)
		case []byte:
			b = appendString(b, string(v))
		default:
			panic(fmt.Sprintf("fields: %T", v))
		}
	}
	return b
}

// TestSFTPLimits: the server advertises limits@openssh.com in its version
// packet and answers it with 256 KiB packets and reads and writes of
// 255 KiB; it answers a read of that size in full and takes such a write.
// Other extended requests still reach the request server.
func TestSFTPLimits(t *testing.T) {
	d, addr := sftpDevice(t, nil)
	data := randomBytes(t, 300<<10)
	writeFlash(t, d.Flash(), "flash:/backup/big.bin", data)
	c, err := dial(t, addr, backupUser, backupPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send, out := sftpStream(t, c)
	exchange := func(p sftpPacket) sftpPacket {
		t.Helper()
		send(p)
		return readSFTPPacket(t, out)
	}

	version := exchange(sftpPacket{1, fields(uint32(3))})
	var exts []string
	for b := version.body[4:]; len(b) > 0; {
		var name, value string
		var ok bool
		if name, b, ok = cutString(b); ok {
			value, b, ok = cutString(b)
		}
		if !ok {
			t.Fatalf("version packet %x: bad extensions", version.body)
		}
		exts = append(exts, name+" "+value)
	}
	want := []string{"hardlink@openssh.com 1", "posix-rename@openssh.com 1", "statvfs@openssh.com 2", "limits@openssh.com 1"}
	if diff := cmp.Diff(want, exts); diff != "" || version.typ != 2 {
		t.Errorf("version packet (type %d) extensions (-want +got):\n%s", version.typ, diff)
	}

	limits := exchange(sftpPacket{200, fields(uint32(7), "limits@openssh.com")})
	if got, want := hex.EncodeToString(limits.bytes()),
		"00000025"+"c9"+"00000007"+"0000000000040000"+"000000000003fc00"+"000000000003fc00"+"0000000000000000"; got != want {
		t.Errorf("limits reply %s, want %s", got, want)
	}
	if got := exchange(sftpPacket{200, fields(uint32(8), "nosuch@example.com")}); got.typ != 101 || !bytes.HasPrefix(got.body, fields(uint32(8), uint32(8))) {
		t.Errorf("unknown extension: reply type %d %x, want status 8 (unsupported) for id 8", got.typ, got.body)
	}

	// a read of the limit, then a write of the limit
	open := func(id, pflags uint32) []byte {
		t.Helper()
		handle := exchange(sftpPacket{3, fields(id, "/big.bin", pflags, uint32(0))})
		if handle.typ != 102 {
			t.Fatalf("open: reply type %d %x, want a handle", handle.typ, handle.body)
		}
		h, _, _ := cutString(handle.body[4:])
		return []byte(h)
	}
	closeHandle := func(id uint32, h []byte) {
		t.Helper()
		if got := exchange(sftpPacket{4, fields(id, h)}); got.typ != 101 || !bytes.HasPrefix(got.body, fields(id, uint32(0))) {
			t.Errorf("close: reply type %d %x, want status 0", got.typ, got.body)
		}
	}
	h := open(9, 0x1) // READ
	read := exchange(sftpPacket{5, fields(uint32(10), h, uint64(0), uint32(sftpMaxData))})
	if read.typ != 103 || !bytes.Equal(read.body[8:], data[:sftpMaxData]) {
		t.Errorf("read of %d bytes: reply type %d with %d bytes, want them all", sftpMaxData, read.typ, len(read.body)-8)
	}
	closeHandle(11, h)
	h = open(12, 0x2|0x10) // WRITE|TRUNC
	up := randomBytes(t, sftpMaxData)
	if got := exchange(sftpPacket{6, fields(uint32(13), h, uint64(0), up)}); got.typ != 101 || !bytes.HasPrefix(got.body, fields(uint32(13), uint32(0))) {
		t.Errorf("write of %d bytes: reply type %d %x, want status 0", sftpMaxData, got.typ, got.body)
	}
	closeHandle(14, h)
	if got := readFlash(t, d.Flash(), "flash:/backup/big.bin"); !bytes.Equal(got, up) {
		t.Errorf("flash:/backup/big.bin has %d bytes, not the %d written", len(got), len(up))
	}
}

// sftpStream opens the sftp subsystem on c: send writes a packet to the
// server, out is what the server sends. The session ends with the test.
func sftpStream(t *testing.T, c *gossh.Client) (send func(sftpPacket), out io.Reader) {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	in, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if out, err = s.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	if err := s.RequestSubsystem("sftp"); err != nil {
		t.Fatal(err)
	}
	return func(p sftpPacket) {
		t.Helper()
		if _, err := in.Write(p.bytes()); err != nil {
			t.Fatal(err)
		}
	}, out
}

// cutString splits an SFTP string off b.
func cutString(b []byte) (string, []byte, bool) {
	if len(b) < 4 || uint64(binary.BigEndian.Uint32(b)) > uint64(len(b)-4) {
		return "", nil, false
	}
	n := binary.BigEndian.Uint32(b)
	return string(b[4 : 4+n]), b[4+n:], true
}

// TestOpenSSHSFTPLimits: OpenSSH's sftp reads and writes 255 KiB at a time.
func TestOpenSSHSFTPLimits(t *testing.T) {
	sshpass := tool(t, "/usr/bin/sshpass")
	tool(t, "/usr/bin/sftp")
	_, addr := sftpDevice(t, nil)
	out, errOut, status := command(t, "pwd\n", sshpass, sshpassArgs("sftp", portOf(t, addr), "-vvv", "-b", "-", "backup@127.0.0.1")...)
	if status != 0 {
		t.Fatalf("sftp: status %d\n%s\n%s", status, out, errOut)
	}
	if want := "server upload/download buffer sizes 261120 / 261120; using 261120 / 261120"; !strings.Contains(errOut, want) {
		t.Errorf("sftp -vvv did not say %q:\n%s", want, errOut)
	}
}

// stream is the channel side of an sftpLimits in a test: the client's
// bytes to read and what was written.
type stream struct {
	io.Reader
	bytes.Buffer
}

func (s *stream) Read(p []byte) (int, error) { return s.Reader.Read(p) }
func (s *stream) Close() error               { return nil }

// TestSFTPLimitsWrite: the version packet, written in pieces, goes out
// whole with the extension; a reply that comes while a packet is half
// written goes after it.
func TestSFTPLimitsWrite(t *testing.T) {
	limitsReq := sftpPacket{200, fields(uint32(5), "limits@openssh.com")}.bytes()
	ch := &stream{Reader: bytes.NewReader(limitsReq)}
	s := newSFTPLimits(ch)
	version := sftpPacket{2, fields(uint32(3), "a@b", "1")}.bytes()
	data := sftpPacket{103, fields(uint32(4), "xyz")}.bytes()
	for _, w := range [][]byte{version[:3], version[3:9], append(version[9:], data[:6]...)} {
		if n, err := s.Write(w); n != len(w) || err != nil {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}
	if n, err := s.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read: %d, %v; want 0, EOF", n, err)
	}
	if _, err := s.Write(data[6:]); err != nil {
		t.Fatal(err)
	}
	want := sftpPacket{2, fields(uint32(3), "a@b", "1", "limits@openssh.com", "1")}.bytes()
	want = append(append(want, data...), limitsReply(5)...)
	if got := ch.Buffer.Bytes(); !bytes.Equal(got, want) {
		t.Errorf("written\n%x\nwant\n%x", got, want)
	}
}

// FuzzSFTPLimitsRead: read in chunks of any size, the client's stream is
// what the client sent, but for whole limits requests, each answered once.
func FuzzSFTPLimitsRead(f *testing.F) {
	f.Add([]byte{3}, append(sftpPacket{200, fields(uint32(1), "limits@openssh.com")}.bytes(),
		sftpPacket{5, fields(uint32(2), "h", uint64(0), uint32(10))}.bytes()...))
	f.Add([]byte{1, 7}, append(sftpPacket{200, fields(uint32(1), "statvfs@openssh.com", "/")}.bytes(), 0, 0, 0, 0, 0, 0, 0, 9, 200))
	f.Add([]byte{100}, sftpPacket{200, append(fields(uint32(1), "limits@openssh.com"), make([]byte, 2000)...)}.bytes())
	f.Fuzz(func(t *testing.T, sizes, data []byte) {
		// What should come through: each whole packet, but limits requests.
		var want, replies []byte
		rest := data
		for len(rest) >= 4 {
			n := uint64(binary.BigEndian.Uint32(rest))
			if uint64(len(rest)) < 4+n {
				break
			}
			pkt := rest[:4+n]
			rest = rest[4+n:]
			if n >= 1 && n-1 <= maxExtendedPeek && pkt[4] == fxpExtended {
				if id, name, ok := parseExtended(pkt[5:]); ok && name == limitsExtension {
					replies = append(replies, limitsReply(id)...)
					continue
				}
			}
			want = append(want, pkt...)
		}
		ch := &stream{Reader: bytes.NewReader(data)}
		s := newSFTPLimits(ch)
		s.Write(sftpPacket{2, fields(uint32(3))}.bytes())
		ch.Buffer.Reset()
		var got []byte
		for i := 0; ; i++ {
			size := 1
			if len(sizes) > 0 {
				size = int(sizes[i%len(sizes)])%600 + 1
			}
			buf := make([]byte, size)
			n, err := s.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
			if n == 0 {
				t.Fatal("Read returned 0 bytes and no error")
			}
		}
		if !bytes.HasPrefix(got, want) || len(got) > len(want)+len(rest) {
			t.Errorf("read %x\nwant %x (and up to %d bytes of a partial packet)", got, want, len(rest))
		}
		if !bytes.Equal(ch.Buffer.Bytes(), replies) {
			t.Errorf("replies %x\nwant %x", ch.Buffer.Bytes(), replies)
		}
	})
}
