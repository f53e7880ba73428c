package main

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// screen is a small VT100/xterm emulator: a width x height screen that
// scrolls into a scrollback. Feeding it what a program writes to its
// terminal and reading the lines back removes redraw sequences (cursor
// moves, erases, colours), leaving what a person sees. It answers the cursor
// position request (ESC [ 6 n) through reply.
type screen struct {
	mu            sync.Mutex
	width, height int
	scrollback    []string
	rows          [][]rune
	row, col      int
	wrapPending   bool
	savedRow      int
	savedCol      int
	pending       []byte       // an unfinished escape sequence or UTF-8 character
	reply         func([]byte) // answers to the terminal's reports; nil: none
	unknown       []string     // escape sequences the emulator ignored
}

func newScreen(width, height int, reply func([]byte)) *screen {
	s := &screen{width: width, height: height, reply: reply}
	s.rows = make([][]rune, height)
	for i := range s.rows {
		s.rows[i] = s.blankRow()
	}
	return s
}

func (s *screen) blankRow() []rune { return []rune(strings.Repeat(" ", s.width)) }

// Write feeds output to the screen.
func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, p...)
	for len(s.pending) > 0 {
		n := s.step(s.pending)
		if n == 0 {
			break // unfinished: wait for more bytes
		}
		s.pending = s.pending[n:]
	}
	return len(p), nil
}

// step interprets the sequence at the start of b and returns its length, or
// 0 when b holds only part of it.
func (s *screen) step(b []byte) int {
	switch c := b[0]; {
	case c == 0x1b:
		return s.escape(b)
	case c == '\r':
		s.col, s.wrapPending = 0, false
	case c == '\n':
		s.lineFeed()
	case c == '\b':
		s.col, s.wrapPending = max(0, s.col-1), false
	case c == '\t':
		s.col = min(s.width-1, (s.col/8+1)*8)
	case c < ' ' || c == 0x7f:
		// bell and other controls: nothing to show
	default:
		if !utf8.FullRune(b) {
			return 0
		}
		r, n := utf8.DecodeRune(b)
		s.put(r)
		return n
	}
	return 1
}

func (s *screen) put(r rune) {
	if s.wrapPending {
		s.col, s.wrapPending = 0, false
		s.lineFeed()
	}
	s.rows[s.row][s.col] = r
	if s.col == s.width-1 {
		s.wrapPending = true
	} else {
		s.col++
	}
}

func (s *screen) lineFeed() {
	s.wrapPending = false
	if s.row < s.height-1 {
		s.row++
		return
	}
	s.scrollback = append(s.scrollback, trimRow(s.rows[0]))
	s.rows = append(s.rows[1:], s.blankRow())
}

// escape interprets ESC sequences: CSI (ESC [ ...), and ESC 7 / ESC 8.
func (s *screen) escape(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '7':
		s.savedRow, s.savedCol = s.row, s.col
		return 2
	case '8':
		s.row, s.col, s.wrapPending = s.savedRow, s.savedCol, false
		return 2
	case '[':
	default:
		s.unknown = append(s.unknown, fmt.Sprintf("%q", b[:2]))
		return 2
	}
	end := -1
	for i := 2; i < len(b); i++ {
		if b[i] >= 0x40 && b[i] <= 0x7e {
			end = i
			break
		}
	}
	if end < 0 {
		return 0
	}
	params, final := string(b[2:end]), b[end]
	private := strings.HasPrefix(params, "?") || strings.HasSuffix(params, " ")
	arg := func(i, def int) int {
		fields := strings.Split(params, ";")
		if i >= len(fields) {
			return def
		}
		n, err := strconv.Atoi(fields[i])
		if err != nil || n == 0 {
			return def
		}
		return n
	}
	s.wrapPending = s.wrapPending && (final == 'm' || private)
	switch {
	case private || final == 'm':
		// modes, cursor shape and colours change nothing on the screen
	case final == 'A':
		s.row = max(0, s.row-arg(0, 1))
	case final == 'B':
		s.row = min(s.height-1, s.row+arg(0, 1))
	case final == 'C':
		s.col = min(s.width-1, s.col+arg(0, 1))
	case final == 'D':
		s.col = max(0, s.col-arg(0, 1))
	case final == 'G':
		s.col = min(s.width-1, arg(0, 1)-1)
	case final == 'H' || final == 'f':
		s.row, s.col = min(s.height-1, arg(0, 1)-1), min(s.width-1, arg(1, 1)-1)
	case final == 'K':
		from, to := s.col, s.width
		switch arg(0, 0) {
		case 1:
			from, to = 0, s.col+1
		case 2:
			from = 0
		}
		for i := from; i < to; i++ {
			s.rows[s.row][i] = ' '
		}
	case final == 'J' && arg(0, 0) == 0:
		for i := s.col; i < s.width; i++ {
			s.rows[s.row][i] = ' '
		}
		for r := s.row + 1; r < s.height; r++ {
			s.rows[r] = s.blankRow()
		}
	case final == 'n' && params == "6":
		if s.reply != nil {
			s.reply([]byte(fmt.Sprintf("\x1b[%d;%dR", s.row+1, s.col+1)))
		}
	default:
		s.unknown = append(s.unknown, fmt.Sprintf("%q", b[:end+1]))
	}
	return end + 1
}

func trimRow(r []rune) string { return strings.TrimRight(string(r), " ") }

// lines returns the scrollback and the screen, without the empty rows at the
// bottom.
func (s *screen) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.scrollback...)
	for _, r := range s.rows {
		out = append(out, trimRow(r))
	}
	for len(out) > 0 && out[len(out)-1] == "" && len(out) > len(s.scrollback)+s.row+1 {
		out = out[:len(out)-1]
	}
	return out
}

// cursor returns the line the cursor is on and its number from the first
// line of the scrollback.
func (s *screen) cursor() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return trimRow(s.rows[s.row]), len(s.scrollback) + s.row
}
