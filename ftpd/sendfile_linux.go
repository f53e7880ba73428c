package ftpd

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// kernelSendMin is the smallest rest of a file that sendFileBlocking sends.
// Smaller files go through the runtime's poller, which needs no thread of its
// own while the socket buffer is full: a crowd of small downloads then costs
// no threads.
const kernelSendMin = 8 << 20

// One sendfile(2) call sends between kernelChunkMin and kernelChunkMax bytes:
// the size doubles while a call takes less than kernelChunkFast and halves
// when one takes more than kernelChunkSlow. A fast transfer thus makes few
// calls, and the byte count of a slow one (STAT) stays fresh, since it moves
// only when a call returns.
const (
	kernelChunkMin  = 1 << 20
	kernelChunkMax  = 256 << 20
	kernelChunkFast = 50 * time.Millisecond
	kernelChunkSlow = 200 * time.Millisecond
)

// sendFileBlocking sends the rest of f to c with sendfile(2) on a socket put in
// blocking mode for the transfer, as vsftpd does: the kernel waits for room in
// the socket buffer itself, where the runtime's poller would wake the process
// each time some room appears. The goroutine holds an OS thread meanwhile.
//
// The transfer stays interruptible: SO_SNDTIMEO ends a send that makes no
// progress for timeout, and cancelling ctx shuts the socket down, which makes a
// blocked sendfile return at once. handled is false, and nothing was sent,
// when f is not a regular file or less than kernelSendMin remains of it.
func sendFileBlocking(ctx context.Context, c *net.TCPConn, f *os.File, timeout time.Duration, count interface{ Add(int64) int64 }) (sent int64, handled bool, err error) {
	offset, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, false, nil
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size()-offset < kernelSendMin {
		return 0, false, nil
	}
	src, err := f.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	dst, err := c.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	var sendErr error
	err = src.Control(func(sfd uintptr) {
		err := dst.Control(func(dfd uintptr) {
			sent, sendErr = sendfileLoop(ctx, int(dfd), int(sfd), offset, timeout, count)
		})
		if sendErr == nil {
			sendErr = err
		}
	})
	if sendErr == nil {
		sendErr = err
	}
	if _, err := f.Seek(offset+sent, io.SeekStart); err != nil && sendErr == nil {
		sendErr = err
	}
	return sent, true, sendErr
}

// sendfileLoop sends sfd from offset to its end to the socket dfd, in blocking
// mode; see sendFileBlocking. dfd must stay open while it runs (the caller
// holds it through RawConn.Control).
func sendfileLoop(ctx context.Context, dfd, sfd int, offset int64, timeout time.Duration, count interface{ Add(int64) int64 }) (int64, error) {
	if err := syscall.SetNonblock(dfd, false); err != nil {
		return 0, fmt.Errorf("sendfile: blocking mode: %w", err)
	}
	defer syscall.SetNonblock(dfd, true)
	tv := syscall.NsecToTimeval(timeout.Nanoseconds())
	if err := syscall.SetsockoptTimeval(dfd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &tv); err != nil {
		return 0, fmt.Errorf("sendfile: send timeout: %w", err)
	}
	defer func() {
		var none syscall.Timeval
		syscall.SetsockoptTimeval(dfd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &none)
	}()

	// Cancelling shuts the socket down. live keeps the shutdown from reaching
	// the descriptor's number once this function has returned (it may be
	// reused by then).
	var mu sync.Mutex
	live := true
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if live {
			syscall.Shutdown(dfd, syscall.SHUT_RDWR)
		}
	})
	defer func() {
		stop()
		mu.Lock()
		live = false
		mu.Unlock()
	}()

	var total int64
	off := offset
	chunk := kernelChunkMin
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		start := time.Now()
		n, err := syscall.Sendfile(dfd, sfd, &off, chunk)
		switch took := time.Since(start); {
		case took < kernelChunkFast && chunk < kernelChunkMax:
			chunk *= 2
		case took > kernelChunkSlow && chunk > kernelChunkMin:
			chunk /= 2
		}
		if n > 0 {
			total += int64(n)
			count.Add(int64(n))
		}
		switch {
		case err == syscall.EINTR:
		case err == syscall.EAGAIN:
			// SO_SNDTIMEO ran out: no byte left in all that time.
			return total, fmt.Errorf("sendfile: %w", os.ErrDeadlineExceeded)
		case err != nil:
			if ctx.Err() != nil {
				return total, ctx.Err()
			}
			return total, fmt.Errorf("sendfile: %w", err)
		case n == 0:
			return total, nil // the end of the file
		}
	}
}
