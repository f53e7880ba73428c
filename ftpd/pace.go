package ftpd

import "time"

// A pacer sizes the chunks of a copy that runs under one deadline per chunk
// (a deadline covers a whole ReadFrom, which may be a sendfile or a splice,
// and so cannot be extended as bytes move). The deadline is meant to catch a
// stalled peer, not a slow one: a chunk that runs out of time after moving
// some bytes does not end the transfer (see movedInTime); the next chunk gets
// a new deadline and half the size. Chunks grow while they finish well within
// the timeout and shrink when they take a good part of it. When sending, no
// chunk is larger than a peer at slowRate moves in the timeout, because socket
// buffers can swallow a few fast chunks before the peer's real pace shows.
type pacer struct {
	timeout time.Duration
	size    int64
	limit   int64
	start   time.Time
}

const (
	minChunk = 64 << 10
	maxChunk = 16 << 20
	slowRate = 16 << 10 // bytes per second a peer may be down to without timing out
)

// newSendPacer paces sending: chunks stay within what a peer at slowRate
// takes in the timeout.
func newSendPacer(timeout time.Duration) *pacer {
	limit := min(max(int64(timeout.Seconds()*slowRate), minChunk), maxChunk)
	return &pacer{timeout: timeout, size: minChunk, limit: limit}
}

// newReceivePacer paces receiving, where nothing hides the peer's pace: a
// chunk's time is the peer's, so chunks may grow to maxChunk.
func newReceivePacer(timeout time.Duration) *pacer {
	return &pacer{timeout: timeout, size: minChunk, limit: maxChunk}
}

// next starts a chunk and returns its size and deadline.
func (p *pacer) next() (int64, time.Time) {
	p.start = time.Now()
	return p.size, p.start.Add(p.timeout)
}

// done sizes the next chunk from how long this one took.
func (p *pacer) done() {
	took := time.Since(p.start)
	switch {
	case took < p.timeout/16:
		p.size = min(p.size*2, p.limit)
	case took > p.timeout/4:
		p.size = max(p.size/2, minChunk)
	}
}
