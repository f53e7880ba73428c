package tty

import (
	"slices"
	"unicode/utf8"
)

// editor is the line being edited, and the cursor in it.
type editor struct {
	t    *Terminal
	line []rune
	pos  int  // the cursor: an index in line
	echo bool // the line is shown (not a password)

	hist    []string // the history being walked, oldest first; nil until Up
	histIdx int      // the history line shown, counted from the newest; -1: none
	draft   []rune   // the line typed before the walk began

	buf []byte // output being built
}

// read edits a line until Enter, Ctrl+C or, with a CLI, Ctrl+Z. Without a
// CLI (an answer), "?" is a character and Tab, Ctrl+Z and the history keys
// are ignored.
func (e *editor) read(prompt string, cli CLI, echo bool) (string, Ending, error) {
	e.line, e.pos, e.echo = e.line[:0], 0, echo
	e.hist, e.histIdx, e.draft = nil, -1, nil
	for {
		e.t.edMu.Unlock()
		key, err := e.t.nextKey()
		e.t.edMu.Lock()
		if err != nil {
			return "", Enter, err
		}
		switch key {
		case '\r', '\n':
			e.t.echoString("\r\n")
			return string(e.line), Enter, nil
		case keyCtrlC:
			e.t.echoString("\r\n")
			return "", Cancel, nil
		case keyCtrlZ:
			if cli != nil {
				e.t.echoString("\r\n")
				return "", CtrlZ, nil
			}
		case keyBackspace, keyDelete:
			if e.pos > 0 {
				e.replace(e.pos-1, e.pos, nil, e.pos-1)
			}
		case keyDeleteRight:
			if e.pos < len(e.line) {
				e.replace(e.pos, e.pos+1, nil, e.pos)
			}
		case keyCtrlU:
			e.replace(0, len(e.line), nil, 0)
		case keyCtrlX:
			e.replace(0, e.pos, nil, 0)
		case keyCtrlY, keyCtrlK:
			e.replace(e.pos, len(e.line), nil, e.pos)
		case keyCtrlW:
			start := e.pos
			for start > 0 && e.line[start-1] == ' ' {
				start--
			}
			for start > 0 && e.line[start-1] != ' ' {
				start--
			}
			e.replace(start, e.pos, nil, start)
		case keyCtrlA, keyHome:
			e.moveTo(0)
		case keyCtrlE, keyEnd:
			e.moveTo(len(e.line))
		case keyCtrlB, keyLeft:
			e.moveTo(e.pos - 1)
		case keyCtrlF, keyRight:
			e.moveTo(e.pos + 1)
		case keyCtrlP, keyUp:
			if cli != nil {
				e.walkHistory(cli, 1)
			}
		case keyCtrlN, keyDown:
			if cli != nil {
				e.walkHistory(cli, -1)
			}
		case keyTab:
			if cli != nil {
				e.complete(cli)
			}
		case '?':
			if cli != nil {
				e.help(prompt, cli)
				continue
			}
			e.insert(key)
		default:
			if key >= ' ' && key != keyDelete {
				e.insert(key)
			}
		}
	}
}

// insert types a character at the cursor, unless the line is full.
func (e *editor) insert(r rune) {
	if len(e.line) >= MaxLine {
		return
	}
	e.replace(e.pos, e.pos, []rune{r}, e.pos+1)
}

// moveTo moves the cursor, within the line: left with "\b", right by
// printing the characters passed over.
func (e *editor) moveTo(pos int) {
	pos = max(0, min(pos, len(e.line)))
	if e.echo {
		b := e.buf[:0]
		b = e.appendMove(b, e.pos, pos)
		e.send(b)
	}
	e.pos = pos
}

// appendMove appends the bytes that move the cursor from one place in the
// line to another.
func (e *editor) appendMove(b []byte, from, to int) []byte {
	for ; from > to; from-- {
		b = append(b, '\b')
	}
	for _, r := range e.line[from:max(from, to)] {
		b = utf8.AppendRune(b, r)
	}
	return b
}

// replace puts ins in the place of line[start:end] and the cursor at pos
// of the new line, and shows it: from the first character that changed, the
// rest of the new line is printed, spaces blank what is left of the old
// one, and backspaces bring the cursor back.
func (e *editor) replace(start, end int, ins []rune, pos int) {
	old := e.line
	// The new line keeps old[:same].
	same := start
	for i := 0; start+i < len(old); i++ {
		var r rune
		switch {
		case i < len(ins):
			r = ins[i]
		case end+i-len(ins) < len(old):
			r = old[end+i-len(ins)]
		default:
			r = -1
		}
		if r != old[start+i] {
			break
		}
		same++
	}
	b := e.buf[:0]
	if e.echo {
		b = e.appendMove(b, e.pos, same) // old[:same] is the new line's too
	}
	oldLen := len(old)
	e.line = slices.Replace(e.line, start, end, ins...)
	e.pos = pos
	if !e.echo {
		return
	}
	for _, r := range e.line[same:] {
		b = utf8.AppendRune(b, r)
	}
	at := len(e.line)
	for ; at < oldLen; at++ {
		b = append(b, ' ')
	}
	for ; at > pos; at-- {
		b = append(b, '\b')
	}
	e.send(b)
}

// send queues b as echo, keeping the buffer for the next key.
func (e *editor) send(b []byte) {
	if len(b) > 0 {
		e.t.echo(b)
	}
	if cap(b) <= 4096 {
		e.buf = b[:0]
	}
}

// set replaces the whole line and puts the cursor at its end.
func (e *editor) set(line []rune) {
	e.replace(0, len(e.line), line, len(line))
}

// walkHistory shows an older (dir 1) or newer (dir -1) line of the history;
// past the newest is the line typed before the walk.
func (e *editor) walkHistory(cli CLI, dir int) {
	if e.hist == nil {
		e.hist = cli.History()
	}
	next := e.histIdx + dir
	if next < -1 || next >= len(e.hist) {
		return
	}
	if e.histIdx == -1 {
		e.draft = slices.Clone(e.line)
	}
	e.histIdx = next
	if next == -1 {
		e.set(e.draft)
		return
	}
	line := []rune(e.hist[len(e.hist)-1-next])
	e.set(line[:min(len(line), MaxLine)])
}

// complete answers Tab: the text left of the cursor is completed.
func (e *editor) complete(cli CLI) {
	done := []rune(cli.Complete(string(e.line[:e.pos])))
	done = done[:min(len(done), MaxLine-(len(e.line)-e.pos))]
	e.replace(0, e.pos, done, len(done))
}

// help answers "?": the text right of the cursor is blanked, "?" and the
// help for the text left of it are printed, then the prompt and the whole
// line again, the cursor where it was.
func (e *editor) help(prompt string, cli CLI) {
	text := cli.Help(string(e.line[:e.pos]))
	tail := len(e.line) - e.pos
	b := e.buf[:0]
	for range tail {
		b = append(b, ' ')
	}
	for range tail {
		b = append(b, '\b')
	}
	b = append(b, "?\r\n"...)
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			b = append(b, '\r')
		}
		b = append(b, text[i])
	}
	b = append(b, prompt...)
	for _, r := range e.line {
		b = utf8.AppendRune(b, r)
	}
	for range tail {
		b = append(b, '\b')
	}
	e.send(b)
}
