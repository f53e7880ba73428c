package sshd

import (
	"net"
	"sync"
	"time"
)

// batchConn sends what is written to it from a goroutine of its own, many
// SSH packets in one write to the socket, and reads many at a time.
//
// golang.org/x/crypto/ssh writes every packet (at most 32 KiB of channel
// data with OpenSSH's client) with a write system call of its own, and
// encrypts the next one only when that call returns. On loopback
// the kernel's cost is per call more than per byte, and a download spent
// more time in those calls than in everything else. batchConn copies each
// packet into a buffer and returns; its sender writes what has gathered
// while the previous write was in the kernel, so that encryption and
// sending overlap and the calls carry up to batchMax bytes each.
//
// A write error is returned by the next Write and every one after it.
// Close sends what is buffered (waiting at most batchCloseWait for a
// client that does not read) before closing the connection.
//
// Reads go the same way: x/crypto/ssh reads a packet in two or three calls
// (its buffer holds 4 KiB); while the client streams, batchConn reads up to
// readBufSize at a time into a buffer of reads, which it holds only while
// part of it is left to hand out, so that an idle connection holds none.
type batchConn struct {
	net.Conn

	// Read side: one reader at a time (x/crypto/ssh's read loop).
	reads *readBufs
	rbuf  *[]byte // the buffer holding ahead, nil when none is left
	ahead []byte  // bytes read and not yet handed out
	rerr  error   // the error of the read that filled rbuf, for after ahead
	// streaming is set while reads fill their buffers: the client sends
	// faster than the server reads.
	streaming bool

	mu      sync.Mutex
	cond    sync.Cond // signals a change of buf, err or closing
	buf     []byte    // bytes written and not yet handed to the sender
	spare   []byte    // the sender's previous buffer, for reuse
	closing bool
	err     error // the first error of Conn.Write
	done    chan struct{}

	closeWait time.Duration // batchCloseWait; tests shorten it
}

const (
	// batchMax bounds the bytes buffered: a Write that would pass it
	// waits for the sender (unless the buffer is empty).
	batchMax = 256 << 10
	// batchCloseWait bounds how long Close waits for buffered bytes to go.
	batchCloseWait = 5 * time.Second
)

// readBufSize is the size of the buffers of reads: two packets of
// 32 KiB of data.
const readBufSize = 64 << 10

// readBufs are the buffers of reads of a server's connections.
type readBufs struct{ pool sync.Pool }

func (r *readBufs) get() *[]byte {
	if b, ok := r.pool.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, readBufSize)
	return &b
}

func (r *readBufs) put(b *[]byte) { r.pool.Put(b) }

func newBatchConn(c net.Conn, reads *readBufs) *batchConn {
	b := &batchConn{Conn: c, reads: reads, done: make(chan struct{}), closeWait: batchCloseWait}
	b.cond.L = &b.mu
	go b.send()
	return b
}

// Read hands out what an earlier read left, else reads: into a buffer of
// reads while the reads before filled theirs (more is waiting), else
// straight into p. An idle connection waits in a read into p, holding no
// buffer of reads.
func (b *batchConn) Read(p []byte) (int, error) {
	if len(b.ahead) == 0 {
		if !b.streaming || len(p) >= readBufSize {
			n, err := b.Conn.Read(p)
			b.streaming = n == len(p)
			return n, err
		}
		b.rbuf = b.reads.get()
		n, err := b.Conn.Read(*b.rbuf)
		b.ahead, b.rerr = (*b.rbuf)[:n], err
		b.streaming = n == len(*b.rbuf)
	}
	n := copy(p, b.ahead)
	b.ahead = b.ahead[n:]
	if len(b.ahead) > 0 {
		return n, nil
	}
	b.reads.put(b.rbuf)
	err := b.rerr
	b.rbuf, b.ahead, b.rerr = nil, nil, nil
	return n, err
}

// Write buffers p and returns at once, unless batchMax bytes wait.
func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.err == nil && !b.closing && len(b.buf) > 0 && len(b.buf)+len(p) > batchMax {
		b.cond.Wait()
	}
	switch {
	case b.err != nil:
		return 0, b.err
	case b.closing:
		return 0, net.ErrClosed
	}
	b.buf = append(b.buf, p...)
	b.cond.Broadcast()
	return len(p), nil
}

// send writes the buffer to the connection until an error or Close.
func (b *batchConn) send() {
	defer close(b.done)
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		for len(b.buf) == 0 && !b.closing && b.err == nil {
			b.cond.Wait()
		}
		if len(b.buf) == 0 || b.err != nil {
			return
		}
		out := b.buf
		b.buf, b.spare = b.spare[:0], nil
		b.cond.Broadcast() // room for waiting writers
		b.mu.Unlock()
		_, err := b.Conn.Write(out)
		b.mu.Lock()
		if err != nil && b.err == nil {
			b.err = err
		}
		b.spare = out[:0]
		b.cond.Broadcast()
	}
}

// Close sends what is buffered, then closes the connection.
func (b *batchConn) Close() error {
	b.mu.Lock()
	if !b.closing {
		b.closing = true
		b.cond.Broadcast()
	}
	b.mu.Unlock()
	b.Conn.SetWriteDeadline(time.Now().Add(b.closeWait))
	select {
	case <-b.done:
	case <-time.After(b.closeWait):
	}
	return b.Conn.Close()
}
