package tftpc_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/tftpc"
	"github.com/vrpsim/vrpsim/tftpc/tftptest"
)

func randomData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func sum(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

// TestInteropTFTPDHPA puts files to Debian's tftpd-hpa and gets them back:
// the server's copy and the copy read back have the SHA-256 of the original.
// The sizes cover an empty file, the block boundaries and the blksize
// option; TestInteropBlockWrap a download whose block numbers wrap.
func TestInteropTFTPDHPA(t *testing.T) {
	srv := tftptest.Start(t)
	cases := []struct {
		size  int
		block int
	}{{0, 0}, {1, 0}, {511, 0}, {512, 0}, {513, 0}, {2263, 0}, {1536, 0}, {300_007, 0}, {300_007, 1428}}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d-bytes-block-%d", c.size, c.block), func(t *testing.T) {
			data := randomData(c.size, uint64(i+1))
			name := fmt.Sprintf("f%d.bin", i)
			var progress []int64
			o := tftpc.Options{BlockSize: c.block, Timeout: time.Second, Progress: func(done, total int64) {
				if total != int64(c.size) {
					t.Errorf("progress total %d, want %d", total, c.size)
				}
				progress = append(progress, done)
			}}
			n, err := tftpc.Put(context.Background(), srv.Addr, name, bytes.NewReader(data), int64(len(data)), o)
			if err != nil || n != int64(len(data)) {
				t.Fatalf("Put: %d bytes, %v", n, err)
			}
			if len(progress) == 0 || progress[len(progress)-1] != int64(c.size) {
				t.Errorf("put progress ends at %v, want %d", progress[max(0, len(progress)-1):], c.size)
			}
			onServer, err := os.ReadFile(filepath.Join(srv.Dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if sum(onServer) != sum(data) {
				t.Fatalf("server copy: sha256 %s, want %s", sum(onServer), sum(data))
			}
			var told int64 = -2
			o.Size = func(n int64) error { told = n; return nil }
			progress = nil
			var got bytes.Buffer
			n, err = tftpc.Get(context.Background(), srv.Addr, name, &got, o)
			if err != nil || n != int64(len(data)) {
				t.Fatalf("Get: %d bytes, %v", n, err)
			}
			if sum(got.Bytes()) != sum(data) {
				t.Fatalf("downloaded: sha256 %s, want %s", sum(got.Bytes()), sum(data))
			}
			if told != int64(c.size) {
				t.Errorf("tsize told %d, want %d", told, c.size)
			}
		})
	}
}

// TestInteropBlockWrap downloads a file of more than 65535 blocks (8-byte
// blocks, to keep it small): block numbers wrap to 0 as tftpd-hpa sends them.
func TestInteropBlockWrap(t *testing.T) {
	srv := tftptest.Start(t)
	data := randomData(65536*8+100, 77)
	if err := os.WriteFile(filepath.Join(srv.Dir, "wrap.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	n, err := tftpc.Get(context.Background(), srv.Addr, "wrap.bin", &got, tftpc.Options{BlockSize: 8, Timeout: time.Second})
	if err != nil || n != int64(len(data)) || sum(got.Bytes()) != sum(data) {
		t.Fatalf("Get: %d bytes, %v; sha256 %s, want %s", n, err, sum(got.Bytes()), sum(data))
	}
}

func TestInteropErrors(t *testing.T) {
	srv := tftptest.Start(t)
	_, err := tftpc.Get(context.Background(), srv.Addr, "missing.bin", &bytes.Buffer{}, tftpc.Options{})
	var re *tftpc.RemoteError
	if !errors.As(err, &re) || re.Code != tftpc.ErrCodeNotFound || re.Message != "File not found" {
		t.Fatalf("Get of a missing file: %v, want server error 1 File not found", err)
	}
	// the size check refuses before any data lands
	os.WriteFile(filepath.Join(srv.Dir, "big.bin"), randomData(5000, 9), 0o644)
	errFull := errors.New("no room")
	var w bytes.Buffer
	_, err = tftpc.Get(context.Background(), srv.Addr, "big.bin", &w, tftpc.Options{Size: func(n int64) error { return errFull }})
	if !errors.Is(err, errFull) || w.Len() != 0 {
		t.Fatalf("Get with a refused size: %v, %d bytes written; want %v and none", err, w.Len(), errFull)
	}
	_, err = tftpc.Get(context.Background(), srv.Addr, "big.bin", &w, tftpc.Options{MaxSize: 1000})
	if !errors.Is(err, tftpc.ErrTooLarge) {
		t.Fatalf("Get over MaxSize: %v, want ErrTooLarge", err)
	}
}

// fakeServer is a scripted TFTP server on a loopback port: handle gets every
// packet the client sends (after the request) on the transfer's own socket.
type fakeServer struct {
	t       *testing.T
	listen  *net.UDPConn
	mu      sync.Mutex
	packets []tftpc.Packet // every packet received, in order
}

func startFake(t *testing.T, handle func(f *fakeServer, conn *net.UDPConn, client netip.AddrPort, req tftpc.Packet)) *fakeServer {
	t.Helper()
	l, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{t: t, listen: l}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 70000)
		for {
			n, from, err := l.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			p, err := tftpc.Parse(append([]byte(nil), buf[:n]...))
			if err != nil {
				continue
			}
			f.record(p)
			conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				return
			}
			handle(f, conn, from, p)
			conn.Close()
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return f
}

func (f *fakeServer) addr() netip.AddrPort { return f.listen.LocalAddr().(*net.UDPAddr).AddrPort() }

func (f *fakeServer) record(p tftpc.Packet) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p.Data = nil
	f.packets = append(f.packets, p)
}

// read returns the next packet on conn (zero Packet after a second).
func (f *fakeServer) read(conn *net.UDPConn) tftpc.Packet {
	buf := make([]byte, 70000)
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		return tftpc.Packet{}
	}
	p, err := tftpc.Parse(buf[:n])
	if err != nil {
		f.t.Errorf("client sent a malformed packet: %v", err)
	}
	f.record(p)
	return p
}

func (f *fakeServer) ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var s []string
	for _, p := range f.packets {
		s = append(s, fmt.Sprintf("%d/%d", p.Op, p.Block))
	}
	return s
}

func send(conn *net.UDPConn, to netip.AddrPort, p tftpc.Packet) {
	conn.WriteToUDPAddrPort(p.Marshal(), to)
}

// TestRetransmitAfterLoss: the server ignores the first request and the
// first ACK; the client sends each again after its timeout and the file
// arrives whole. The server sees exactly two requests and two ACKs of
// block 1.
func TestRetransmitAfterLoss(t *testing.T) {
	data := randomData(700, 3)
	requests := 0
	finished := make(chan struct{})
	f := startFake(t, func(f *fakeServer, conn *net.UDPConn, client netip.AddrPort, req tftpc.Packet) {
		requests++
		if requests == 1 {
			return // lost
		}
		send(conn, client, tftpc.Packet{Op: 3, Block: 1, Data: data[:512]})
		f.read(conn) // ACK 1, lost
		if p := f.read(conn); p.Op != 4 || p.Block != 1 {
			t.Errorf("after a lost ACK the client sent %d/%d, want ACK 1 again", p.Op, p.Block)
		}
		send(conn, client, tftpc.Packet{Op: 3, Block: 2, Data: data[512:]})
		f.read(conn) // ACK 2
		close(finished)
	})
	var got bytes.Buffer
	_, err := tftpc.Get(context.Background(), f.addr(), "x", &got, tftpc.Options{Timeout: 50 * time.Millisecond, NoOptions: true})
	if err != nil || sum(got.Bytes()) != sum(data) {
		t.Fatalf("Get: %v, sha256 %s want %s", err, sum(got.Bytes()), sum(data))
	}
	<-finished // the server has read the last ACK
	if diff := cmp.Diff([]string{"1/0", "1/0", "4/1", "4/1", "4/2"}, f.ops()); diff != "" {
		t.Errorf("packets the server saw (-want +got):\n%s", diff)
	}
}

// TestDuplicateACKSendsNoData: a duplicated ACK does not make the client
// send its next block twice (the Sorcerer's Apprentice bug); a packet from
// another port is answered with error 5 and the transfer goes on.
func TestDuplicateACKSendsNoData(t *testing.T) {
	data := randomData(1100, 4)
	var stranger []byte
	f := startFake(t, func(f *fakeServer, conn *net.UDPConn, client netip.AddrPort, req tftpc.Packet) {
		send(conn, client, tftpc.Packet{Op: 4, Block: 0})
		f.read(conn) // DATA 1
		send(conn, client, tftpc.Packet{Op: 4, Block: 1})
		send(conn, client, tftpc.Packet{Op: 4, Block: 1}) // duplicate
		// a stranger writes to the client's port
		other, _ := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		send(other, client, tftpc.Packet{Op: 4, Block: 2})
		buf := make([]byte, 100)
		other.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, _, err := other.ReadFromUDPAddrPort(buf); err == nil {
			f.mu.Lock()
			stranger = append([]byte(nil), buf[:n]...)
			f.mu.Unlock()
		}
		other.Close()
		f.read(conn) // DATA 2
		send(conn, client, tftpc.Packet{Op: 4, Block: 2})
		f.read(conn) // DATA 3 (76 bytes)
		send(conn, client, tftpc.Packet{Op: 4, Block: 3})
		// nothing more may come
		if p := f.read(conn); p.Op != 0 {
			t.Errorf("client sent %d/%d after the last ACK", p.Op, p.Block)
		}
	})
	n, err := tftpc.Put(context.Background(), f.addr(), "x", bytes.NewReader(data), int64(len(data)), tftpc.Options{Timeout: 5 * time.Second, NoOptions: true})
	if err != nil || n != int64(len(data)) {
		t.Fatalf("Put: %d, %v", n, err)
	}
	if diff := cmp.Diff([]string{"2/0", "3/1", "3/2", "3/3"}, f.ops()); diff != "" {
		t.Errorf("packets the server saw (-want +got):\n%s", diff)
	}
	want := tftpc.Packet{Op: 5, Code: tftpc.ErrCodeUnknownTID, Message: "Unknown transfer ID"}.Marshal()
	f.mu.Lock()
	defer f.mu.Unlock()
	if !bytes.Equal(stranger, want) {
		t.Errorf("the stranger got %q, want %q", stranger, want)
	}
}

// TestTimeout: a server that never answers gets the request 1+Retries times
// and the client reports ErrTimeout.
func TestTimeout(t *testing.T) {
	f := startFake(t, func(f *fakeServer, conn *net.UDPConn, client netip.AddrPort, req tftpc.Packet) {})
	_, err := tftpc.Get(context.Background(), f.addr(), "x", &bytes.Buffer{}, tftpc.Options{Timeout: 20 * time.Millisecond, Retries: 3})
	if !errors.Is(err, tftpc.ErrTimeout) {
		t.Fatalf("Get: %v, want ErrTimeout", err)
	}
	if got := len(f.ops()); got != 4 {
		t.Errorf("the server got %d requests, want 4", got)
	}
}

// TestOptionRefused: a server that refuses options (error 8) gets a plain
// request next.
func TestOptionRefused(t *testing.T) {
	var reqs []tftpc.Packet
	f := startFake(t, func(f *fakeServer, conn *net.UDPConn, client netip.AddrPort, req tftpc.Packet) {
		f.mu.Lock()
		reqs = append(reqs, req)
		f.mu.Unlock()
		if req.Options != nil {
			send(conn, client, tftpc.Packet{Op: 5, Code: 8, Message: "no options"})
			return
		}
		send(conn, client, tftpc.Packet{Op: 3, Block: 1, Data: []byte("hi")})
		f.read(conn)
	})
	var got bytes.Buffer
	if _, err := tftpc.Get(context.Background(), f.addr(), "x", &got, tftpc.Options{BlockSize: 1024, Timeout: time.Second}); err != nil || got.String() != "hi" {
		t.Fatalf("Get: %v, %q", err, got.String())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(reqs) != 2 || !cmp.Equal(reqs[0].Options, map[string]string{"blksize": "1024", "tsize": "0"}) || reqs[1].Options != nil {
		t.Errorf("requests: %+v", reqs)
	}
}

// TestCancel: a cancelled context ends a transfer that waits for an answer.
func TestCancel(t *testing.T) {
	f := startFake(t, func(f *fakeServer, conn *net.UDPConn, client netip.AddrPort, req tftpc.Packet) {})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := tftpc.Get(ctx, f.addr(), "x", &bytes.Buffer{}, tftpc.Options{Timeout: time.Hour})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Get: %v, want context.Canceled", err)
	}
}
