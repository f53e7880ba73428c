package console

import (
	"bytes"
	"regexp"
)

// cursorRequest is what reeflective/readline writes to ask the terminal
// where the cursor is; a cursor report is the terminal's answer,
// ESC [ row ; column R.
var (
	cursorRequest = []byte("\x1b[6n")
	cursorReport  = regexp.MustCompile(`\x1b\[[0-9]+;[0-9]+R`)
	// reportPrefix matches the end of a chunk that may be the start of a
	// report cut by the transport.
	reportPrefix = regexp.MustCompile(`\x1b(\[([0-9]+(;[0-9]*)?)?)?$`)
)

// requestCounter counts cursor requests in output read in chunks, a request
// possibly cut between two chunks.
type requestCounter struct {
	tail []byte // the end of the last chunk that may begin a request
}

// count returns the number of requests that end in chunk.
func (rc *requestCounter) count(chunk []byte) int {
	seen := append(rc.tail, chunk...)
	n := bytes.Count(seen, cursorRequest)
	// Keep at most len(request)-1 bytes, from an ESC on.
	end := seen[max(0, len(seen)-len(cursorRequest)+1):]
	if i := bytes.LastIndexByte(end, cursorRequest[0]); i >= 0 && bytes.HasPrefix(cursorRequest, end[i:]) {
		rc.tail = append(rc.tail[:0], end[i:]...)
	} else {
		rc.tail = rc.tail[:0]
	}
	return n
}

// reportSplitter separates cursor reports from the keys typed around them,
// in input read in chunks.
type reportSplitter struct {
	carry []byte // the start of a report cut at the end of the last chunk
}

// split returns the keys and the whole reports in carry+chunk. When
// expecting, the end of the chunk that may begin a report is kept for the
// next chunk instead of being taken for keys (a lone ESC is then delayed
// until the next chunk).
func (rs *reportSplitter) split(chunk []byte, expecting bool) (keys []byte, reports [][]byte) {
	data := append(rs.carry, chunk...)
	rs.carry = nil
	keys = cursorReport.ReplaceAllFunc(data, func(m []byte) []byte {
		reports = append(reports, append([]byte(nil), m...))
		return nil
	})
	if expecting {
		if loc := reportPrefix.FindIndex(keys); loc != nil {
			rs.carry = append([]byte(nil), keys[loc[0]:]...)
			keys = keys[:loc[0]]
		}
	}
	return keys, reports
}
