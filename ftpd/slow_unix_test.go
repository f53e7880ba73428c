//go:build unix

package ftpd

import (
	"bytes"
	"context"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestSendFileResumesAfterSlowChunk: sendFile through the poller, with a
// source that is not a file (the memory backend's) and buffers small enough
// that every chunk runs out of time while the peer still reads. Each such
// chunk read more from the source than it wrote, so sendFile must put the
// source back before going on, or bytes go missing.
func TestSendFileResumesAfterSlowChunk(t *testing.T) {
	// Buffer sizes go on before the connection exists: the window scale is
	// chosen at the handshake.
	bufSize := func(opt, size int) func(string, string, syscall.RawConn) error {
		return func(_, _ string, rc syscall.RawConn) error {
			var serr error
			if err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, size)
			}); err != nil {
				return err
			}
			return serr
		}
	}
	lc := net.ListenConfig{Control: bufSize(syscall.SO_SNDBUF, 8<<10)}
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dialer := net.Dialer{Control: bufSize(syscall.SO_RCVBUF, 4<<10)}
	peer, err := dialer.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	conn, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := conn.(*net.TCPConn)
	defer c.Close()

	data := randomBytes(t, 256<<10)
	got := make(chan []byte, 1)
	go func() {
		var b bytes.Buffer
		// 2 KiB per 25 ms: a 64 KiB chunk takes 800 ms, far more than the
		// timeout, while a peer that moves no byte in a whole timeout
		// (250 ms) takes a scheduler stall ten times its pause.
		buf := make([]byte, 2<<10)
		for {
			n, err := peer.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				got <- b.Bytes()
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
	}()
	var count atomic.Int64
	n, err := sendFile(context.Background(), c, bytes.NewReader(data), 250*time.Millisecond, &count)
	c.Close()
	if err != nil {
		t.Fatalf("sendFile: %v after %d bytes", err, n)
	}
	if back := <-got; sha(back) != sha(data) || n != int64(len(data)) || count.Load() != n {
		t.Errorf("peer got %d bytes (sendFile said %d, counted %d), want %d identical", len(back), n, count.Load(), len(data))
	}
}
