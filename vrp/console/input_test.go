package console

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// pipeInput returns an input reading what is written to the returned file.
func pipeInput(t *testing.T) (*input, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	in, err := newInput(int(r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.close()
		r.Close()
		w.Close()
	})
	return in, w
}

// TestReadKeys: a read returns the bytes typed, in order; the end of the
// terminal is errHangup.
func TestReadKeys(t *testing.T) {
	in, w := pipeInput(t)
	io.WriteString(w, "dis\x1b[A\r\n")
	w.Close()
	var got []byte
	buf := make([]byte, 4)
	for {
		n, err := in.Read(buf)
		if err != nil {
			if !errors.Is(err, errHangup) {
				t.Fatalf("error %v, want %v", err, errHangup)
			}
			break
		}
		got = append(got, buf[:n]...)
	}
	if diff := cmp.Diff("dis\x1b[A\r\n", string(got)); diff != "" {
		t.Errorf("bytes (-want +got):\n%s", diff)
	}
}

// TestStopEndsRead: stop ends a read that waits for the terminal, and every
// read after it.
func TestStopEndsRead(t *testing.T) {
	in, _ := pipeInput(t)
	done := make(chan error, 1)
	go func() {
		_, err := in.Read(make([]byte, 16))
		done <- err
	}()
	in.stop()
	if err := <-done; !errors.Is(err, errStopped) {
		t.Fatalf("read returned %v, want %v", err, errStopped)
	}
	if _, err := in.Read(make([]byte, 16)); !errors.Is(err, errStopped) {
		t.Fatalf("read after stop returned %v, want %v", err, errStopped)
	}
}

// TestSessionEndEndsRead: the end of the session being served ends a read
// that waits (once woken); the next session reads again.
func TestSessionEndEndsRead(t *testing.T) {
	in, w := pipeInput(t)
	done := make(chan struct{})
	in.serve(nil, done)
	result := make(chan error, 1)
	go func() {
		_, err := in.Read(make([]byte, 16))
		result <- err
	}()
	close(done)
	in.wake()
	if err := <-result; !errors.Is(err, errEnded) {
		t.Fatalf("read returned %v, want %v", err, errEnded)
	}
	in.endSession()
	io.WriteString(w, "x")
	buf := make([]byte, 16)
	if n, err := in.Read(buf); err != nil || string(buf[:n]) != "x" {
		t.Errorf("read after the session: %q, %v", buf[:n], err)
	}
}

// TestIdleTimeout: a read waits at most the session's idle timeout; then
// reads fail until the session ends.
func TestIdleTimeout(t *testing.T) {
	in, w := pipeInput(t)
	in.serve(func() time.Duration { return time.Millisecond }, nil)
	if _, err := in.Read(make([]byte, 16)); !errors.Is(err, errIdle) {
		t.Fatalf("read returned %v, want %v", err, errIdle)
	}
	io.WriteString(w, "x")
	if _, err := in.Read(make([]byte, 16)); !errors.Is(err, errIdle) {
		t.Fatalf("read after the time-out returned %v, want %v", err, errIdle)
	}
	in.endSession()
	buf := make([]byte, 16)
	if n, err := in.Read(buf); err != nil || string(buf[:n]) != "x" {
		t.Errorf("read after the session: %q, %v", buf[:n], err)
	}
}
