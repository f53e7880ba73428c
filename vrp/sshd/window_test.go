package sshd

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vrpsim/vrpsim/flash"
	gossh "golang.org/x/crypto/ssh"
)

// fakeWindow is a send window as golang.org/x/crypto/ssh keeps it, driven
// by the test: send takes bytes from it, adjust gives them back.
type fakeWindow struct {
	mu     sync.Mutex
	cond   *sync.Cond
	win    uint32
	closed bool
}

func newFakeWindow(size uint32) *fakeWindow {
	w := &fakeWindow{win: size}
	w.cond = sync.NewCond(&w.mu)
	return w
}

func (w *fakeWindow) view() sendWindow {
	return sendWindow{cond: w.cond, win: &w.win, closed: &w.closed}
}

func (w *fakeWindow) send(n uint32) {
	w.mu.Lock()
	w.win -= n
	w.mu.Unlock()
}

func (w *fakeWindow) adjust(n uint32) {
	w.mu.Lock()
	w.win += n
	w.cond.Broadcast()
	w.mu.Unlock()
}

func (w *fakeWindow) close() {
	w.mu.Lock()
	w.closed = true
	w.cond.Broadcast()
	w.mu.Unlock()
}

// startWait calls p.wait(n) in a goroutine; the channel is closed when it
// returns.
func startWait(p *pacer, n int) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		p.wait(n)
		close(done)
	}()
	return done
}

func returned(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

const kib = 1 << 10

// TestPacer: writes go at once while the bytes in flight stay within the
// limit, wait beyond it until the peer's adjustments bring them back, and
// go when the channel closes.
func TestPacer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newFakeWindow(2048 * kib)
		p := newPacer(w.view(), 512*kib, time.Minute)

		p.wait(256 * kib) // nothing in flight
		w.send(256 * kib)
		p.wait(256 * kib) // 512 KiB with this one
		w.send(256 * kib)

		done := startWait(p, 32*kib)
		synctest.Wait()
		if returned(done) {
			t.Fatal("a write beyond 512 KiB in flight went at once")
		}
		w.adjust(16 * kib) // 496 + 32 > 512: still waiting
		synctest.Wait()
		if returned(done) {
			t.Fatal("a write went before the bytes in flight came back within the limit")
		}
		w.adjust(16 * kib) // 480 + 32 = 512
		synctest.Wait()
		if !returned(done) {
			t.Fatal("the write still waits after the window came back within the limit")
		}

		w.send(32 * kib)
		done = startWait(p, 32*kib)
		synctest.Wait()
		w.close()
		synctest.Wait()
		if !returned(done) {
			t.Fatal("the write still waits on a closed channel")
		}
	})
}

// TestPacerStall: a peer that sends no adjustment for the stall time gets
// the channel unpaced from then on; an adjustment starts the stall again.
func TestPacerStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const stall = 50 * time.Millisecond
		w := newFakeWindow(2048 * kib)
		p := newPacer(w.view(), 512*kib, stall)
		p.wait(600 * kib) // nothing in flight yet
		w.send(600 * kib)

		done := startWait(p, 32*kib)
		time.Sleep(stall - time.Millisecond)
		w.adjust(8 * kib) // not enough to go, but the peer is alive
		time.Sleep(stall - time.Millisecond)
		synctest.Wait()
		if returned(done) {
			t.Fatalf("the write went %v after an adjustment, before the stall time", stall-time.Millisecond)
		}
		time.Sleep(2 * time.Millisecond)
		synctest.Wait()
		if !returned(done) {
			t.Fatal("the write still waits after a stall")
		}
		done = startWait(p, 1024*kib) // unpaced now: goes at once
		synctest.Wait()
		if !returned(done) {
			t.Fatal("the channel is still paced after a stall")
		}
	})
}

// TestPacerSmallWindow: a peer whose window is within the limit is never
// held: the window paces it.
func TestPacerSmallWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newFakeWindow(256 * kib)
		p := newPacer(w.view(), 512*kib, time.Minute)
		p.wait(255 * kib)
		w.send(255 * kib)
		done := startWait(p, 256*kib)
		synctest.Wait()
		if !returned(done) {
			t.Fatal("a peer with a 256 KiB window was held")
		}
	})
}

// TestWindowOf: windowOf reads the send window of a channel of
// golang.org/x/crypto/ssh: the client's window when it opens, less what the
// server sent, and larger again when the client has read it. It fails when a
// version of x/crypto/ssh changes the fields windowOf reads, and so leaves
// downloads unpaced.
func TestWindowOf(t *testing.T) {
	cc, sc := tcpPair(t)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &gossh.ServerConfig{NoClientAuth: true}
	cfg.AddHostKey(signer)
	accepted := make(chan gossh.Channel, 1)
	go func() {
		conn, chans, reqs, err := gossh.NewServerConn(sc, cfg)
		if err != nil {
			t.Error(err)
			close(accepted)
			return
		}
		defer conn.Close()
		go gossh.DiscardRequests(reqs)
		nc, ok := <-chans
		if !ok {
			close(accepted)
			return
		}
		ch, reqs2, err := nc.Accept()
		if err != nil {
			t.Error(err)
			close(accepted)
			return
		}
		go gossh.DiscardRequests(reqs2)
		accepted <- ch
		conn.Wait()
	}()
	conn, chans, reqs, err := gossh.NewClientConn(cc, "pipe", &gossh.ClientConfig{User: "u", HostKeyCallback: gossh.InsecureIgnoreHostKey()})
	if err != nil {
		t.Fatal(err)
	}
	client := gossh.NewClient(conn, chans, reqs)
	defer client.Close()
	clientCh, creqs, err := client.OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	go gossh.DiscardRequests(creqs)
	ch, ok := <-accepted
	if !ok {
		t.Fatal("no channel")
	}
	w, err := windowOf(ch)
	if err != nil {
		t.Fatal(err)
	}
	window := func() uint32 {
		w.cond.L.Lock()
		defer w.cond.L.Unlock()
		return *w.win
	}
	// x/crypto/ssh's client opens channels with a 2 MiB window
	const opened = 2 << 20
	if got := window(); got != opened {
		t.Fatalf("window of a new channel: %d, want %d", got, opened)
	}
	// more than the 96 KiB after which x/crypto/ssh's client adjusts
	const sent = 200 * kib
	if _, err := ch.Write(make([]byte, sent)); err != nil {
		t.Fatal(err)
	}
	if got := window(); got != opened-sent {
		t.Fatalf("window after sending %d bytes: %d, want %d", sent, got, opened-sent)
	}
	if _, err := io.ReadFull(clientCh, make([]byte, sent)); err != nil {
		t.Fatal(err)
	}
	// the client's adjustment (it keeps back less than 96 KiB)
	deadline := time.Now().Add(10 * time.Second)
	for window() < opened-96*kib {
		if time.Now().After(deadline) {
			t.Fatalf("window %d after the client read everything, want at least %d", window(), opened-96*kib)
		}
		time.Sleep(time.Millisecond)
	}
}

// countingConn counts the bytes read from a connection.
type countingConn struct {
	net.Conn
	n atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestPacedDownload: a client that asks for 4 MiB by SFTP and reads none of
// it receives about pacedInFlight bytes, not the 2 MiB of its window; once
// it reads, it gets every byte.
func TestPacedDownload(t *testing.T) {
	fs := flash.NewMemory(flash.Options{Clock: func() time.Time { return testClock }})
	d := newDeviceOn(t, fs)
	_, addr := startServer(t, d, func(s *Server) { s.paceStall = time.Hour })
	configure(t, addr, sftpSetup)
	const size = 4 << 20
	data := randomBytes(t, size)
	writeFlash(t, d.Flash(), "flash:/backup/big.bin", data)

	tcp, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingConn{Conn: tcp}
	conn, chans, reqs, err := gossh.NewClientConn(counted, addr, &gossh.ClientConfig{
		User: backupUser, Auth: []gossh.AuthMethod{gossh.Password(backupPassword)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := gossh.NewClient(conn, chans, reqs)
	defer c.Close()
	send, out := sftpStream(t, c)
	send(sftpPacket{1, fields(uint32(3))})
	readSFTPPacket(t, out)
	send(sftpPacket{3, fields(uint32(1), "/big.bin", uint32(1), uint32(0))})
	handle := readSFTPPacket(t, out)
	if handle.typ != 102 {
		t.Fatalf("open: reply type %d %x, want a handle", handle.typ, handle.body)
	}
	h, _, _ := cutString(handle.body[4:])
	const chunk = sftpMaxData
	var reads int
	for off := 0; off < size; off += chunk {
		reads++
		send(sftpPacket{5, fields(uint32(100+reads), h, uint64(off), uint32(chunk))})
	}

	// Wait until the server stops sending: then it waits for the client.
	before := counted.n.Load()
	for stable := 0; stable < 5; {
		time.Sleep(50 * time.Millisecond)
		now := counted.n.Load()
		if now == before {
			stable++
		} else {
			stable = 0
		}
		before = now
	}
	if before > pacedInFlight+256*kib {
		t.Errorf("the client received %d KiB without reading: more than the %d KiB in flight the server allows", before/kib, pacedInFlight/kib)
	}

	var got bytes.Buffer
	for i := range reads {
		p := readSFTPPacket(t, out)
		if p.typ != 103 {
			t.Fatalf("read %d: reply type %d %x, want data", i, p.typ, p.body)
		}
		b, _, _ := cutString(p.body[4:])
		got.WriteString(b)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Errorf("the download differs from the file (%d bytes, want %d)", got.Len(), size)
	}
}

// TestWindowOfOther: windowOf refuses, without panicking, channels it does
// not know.
func TestWindowOfOther(t *testing.T) {
	type noWindow struct{ gossh.Channel }
	type otherWindow struct {
		gossh.Channel
		remoteWin struct{ win uint32 }
	}
	for _, ch := range []gossh.Channel{nil, (*pacedChannel)(nil), &pacedChannel{}, &noWindow{}, &otherWindow{}} {
		if _, err := windowOf(ch); !errors.Is(err, errWindowLayout) {
			t.Errorf("windowOf(%T): %v, want errWindowLayout", ch, err)
		}
	}
}
