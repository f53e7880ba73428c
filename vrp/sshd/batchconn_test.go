package sshd

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	client, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.FailNow()
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// TestBatchConn: writes of every size, from one writer as from
// golang.org/x/crypto/ssh, arrive whole and in order, and Close sends what
// is still buffered before it closes.
func TestBatchConn(t *testing.T) {
	client, server := tcpPair(t)
	b := newBatchConn(server, new(readBufs))
	got := make(chan []byte)
	go func() {
		all, err := io.ReadAll(client)
		if err != nil {
			t.Error(err)
		}
		got <- all
	}()
	want := make([]byte, 4<<20)
	rand.NewChaCha8([32]byte{1}).Read(want)
	rng := rand.New(rand.NewPCG(1, 2))
	for rest := want; len(rest) > 0; {
		p := rest[:min(len(rest), rng.IntN(70000)+1)]
		rest = rest[len(p):]
		if n, err := b.Write(p); n != len(p) || err != nil {
			t.Fatalf("Write of %d bytes: %d, %v", len(p), n, err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if g := <-got; !bytes.Equal(g, want) {
		t.Errorf("received %d bytes, not the %d written", len(g), len(want))
	}
	if _, err := b.Write([]byte("late")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Close: %v, want net.ErrClosed", err)
	}
}

// TestBatchConnUnreadPeer: Close returns after its wait when the peer reads
// nothing, and closes the connection.
func TestBatchConnUnreadPeer(t *testing.T) {
	server, peer := net.Pipe() // a pipe takes nothing until read
	defer peer.Close()
	b := newBatchConn(server, new(readBufs))
	b.closeWait = 20 * time.Millisecond
	if _, err := b.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- b.Close() }()
	select {
	case <-closed:
	case <-time.After(time.Minute):
		t.Fatal("Close still waits for a peer that reads nothing")
	}
	if _, err := peer.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("the peer reads %v, want EOF: the connection is not closed", err)
	}
}

// TestBatchConnWriteError: once the connection fails, Write returns the
// error, now and after.
func TestBatchConnWriteError(t *testing.T) {
	client, server := tcpPair(t)
	b := newBatchConn(server, new(readBufs))
	defer b.Close()
	client.Close()
	var err error
	for range 1 << 12 { // 256 MiB at most: the peer's reset comes far sooner
		if _, err = b.Write(make([]byte, 64<<10)); err != nil {
			break
		}
	}
	if err == nil {
		t.Fatal("writes to a closed peer keep succeeding")
	}
	if _, again := b.Write([]byte("x")); !errors.Is(again, err) {
		t.Errorf("the next Write: %v, want the first error %v", again, err)
	}
}

// TestBatchConnRead: reads of every size, smaller and larger than a buffer
// of reads, get the peer's bytes whole and in order, and the connection
// holds a buffer of reads only while part of one is left.
func TestBatchConnRead(t *testing.T) {
	client, server := tcpPair(t)
	b := newBatchConn(server, new(readBufs))
	defer b.Close()
	want := make([]byte, 4<<20)
	rand.NewChaCha8([32]byte{2}).Read(want)
	go func() {
		rng := rand.New(rand.NewPCG(3, 4))
		for rest := want; len(rest) > 0; {
			p := rest[:min(len(rest), rng.IntN(100000)+1)]
			rest = rest[len(p):]
			if _, err := client.Write(p); err != nil {
				t.Error(err)
				return
			}
		}
		client.Close()
	}()
	rng := rand.New(rand.NewPCG(5, 6))
	sizes := []int{1, 5, 4096, readBufSize - 1, readBufSize, 100000}
	var got []byte
	for {
		p := make([]byte, sizes[rng.IntN(len(sizes))])
		n, err := b.Read(p)
		got = append(got, p[:n]...)
		if (len(b.ahead) > 0) != (b.rbuf != nil) {
			t.Fatalf("after a read: %d bytes ahead, buffer held %v", len(b.ahead), b.rbuf != nil)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, want) {
		t.Errorf("read %d bytes, not the %d sent", len(got), len(want))
	}
	if b.rbuf != nil {
		t.Error("a buffer of reads is held at the end of the stream")
	}
}
