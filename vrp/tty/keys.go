package tty

import "unicode/utf8"

// Control keys, as the terminal sends them.
const (
	keyCtrlA     = 0x01 // start of the line
	keyCtrlB     = 0x02 // left
	keyCtrlC     = 0x03 // discard the line; abandon a question
	keyCtrlD     = 0x04 // ignored
	keyCtrlE     = 0x05 // end of the line
	keyCtrlF     = 0x06 // right
	keyBackspace = 0x08 // Ctrl+H
	keyTab       = 0x09
	keyCtrlK     = 0x0b // delete right of the cursor
	keyCtrlN     = 0x0e // next history line
	keyCtrlP     = 0x10 // previous history line
	keyCtrlU     = 0x15 // clear the line
	keyCtrlW     = 0x17 // delete the word left of the cursor
	keyCtrlX     = 0x18 // delete everything left of the cursor
	keyCtrlY     = 0x19 // delete everything right of the cursor
	keyCtrlZ     = 0x1a // go to user view
	keyEscape    = 0x1b
	keyDelete    = 0x7f // Backspace on most terminals
)

// Keys sent as escape sequences are decoded to negative runes, which no
// text holds.
const (
	keyUp rune = -1 - iota
	keyDown
	keyRight
	keyLeft
	keyHome
	keyEnd
	keyDeleteRight // the Delete key
	keyUnknown     // a sequence with no meaning here
)

// maxEscape is the longest escape sequence decoded; a longer one is not a
// key, and its ESC is dropped.
const maxEscape = 16

// decodeResult tells what decodeKey found at the start of the input.
type decodeResult int

const (
	decoded  decodeResult = iota // a key of size bytes
	needMore                     // the start of a key: its end has not come
	invalid                      // size bytes that are no key: drop them
)

// decodeKey decodes the key at the start of p (p is not empty): a byte
// below 0x80, a UTF-8 character, or an escape sequence of the forms
// ESC [ params final and ESC O final. An ESC followed by anything else is
// dropped alone, so that the keys after it (an Enter, say) still count.
func decodeKey(p []byte) (key rune, size int, res decodeResult) {
	c := p[0]
	switch {
	case c == keyEscape:
		return decodeEscape(p)
	case c < utf8.RuneSelf:
		return rune(c), 1, decoded
	case !utf8.FullRune(p):
		return 0, 0, needMore
	}
	r, n := utf8.DecodeRune(p)
	if r == utf8.RuneError && n == 1 {
		return 0, 1, invalid
	}
	return r, n, decoded
}

func decodeEscape(p []byte) (rune, int, decodeResult) {
	if len(p) < 2 {
		return 0, 0, needMore
	}
	switch p[1] {
	case 'O':
		if len(p) < 3 {
			return 0, 0, needMore
		}
		if !isFinal(p[2]) {
			return 0, 1, invalid
		}
		return escapeKey("", p[2]), 3, decoded
	case '[':
	default:
		return 0, 1, invalid
	}
	for i := 2; i < len(p) && i < maxEscape; i++ {
		switch c := p[i]; {
		case c >= '0' && c <= '9' || c == ';':
		case isFinal(c):
			return escapeKey(string(p[2:i]), c), i + 1, decoded
		default:
			return 0, 1, invalid
		}
	}
	if len(p) < maxEscape {
		return 0, 0, needMore
	}
	return 0, 1, invalid
}

// isFinal reports the bytes that end an escape sequence.
func isFinal(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '~' }

// escapeKey names the key of a sequence with the given parameters and final
// byte (xterm's and VT220's cursor and editing keys).
func escapeKey(params string, final byte) rune {
	switch final {
	case 'A':
		return keyUp
	case 'B':
		return keyDown
	case 'C':
		return keyRight
	case 'D':
		return keyLeft
	case 'H':
		return keyHome
	case 'F':
		return keyEnd
	case '~':
		switch params {
		case "1", "7":
			return keyHome
		case "4", "8":
			return keyEnd
		case "3":
			return keyDeleteRight
		}
	}
	return keyUnknown
}
