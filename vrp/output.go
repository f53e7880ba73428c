package vrp

import (
	"io"
	"strings"
	"unicode/utf8"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

// callEnv is what a command handler gets: the session and the output of the
// command, which goes through the filter and the pager.
type callEnv struct {
	*Session
	out *output
}

// Print writes command output.
func (e *callEnv) Print(text string) { e.out.WriteString(text) }

// Ask prints a question and reads the answer. In a session without a
// terminal user (SSH exec) the answer is read from the channel's input.
func (e *callEnv) Ask(prompt string) (string, error) {
	e.out.flush()
	return e.term.ReadLine(prompt, true)
}

// KeyUnreader is implemented by a Terminal that can put back the key
// ReadKey returned last, so that the next read gets it again. The pager puts
// back a key that is not one of its own.
type KeyUnreader interface {
	UnreadKey()
}

// output splits command output into lines, filters them and pages them.
type output struct {
	s       *Session
	filter  *cli.Filter
	begun   bool // "| begin" matched
	partial strings.Builder
	shown   int  // lines shown on the current page
	stopped bool // the user quit the pager
}

func (s *Session) newOutput(f *cli.Filter) *output {
	return &output{s: s, filter: f}
}

func (o *output) Write(p []byte) (int, error) {
	o.WriteString(string(p))
	return len(p), nil
}

func (o *output) WriteString(text string) {
	for text != "" {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			o.partial.WriteString(text)
			return
		}
		o.partial.WriteString(text[:i])
		line := o.partial.String()
		o.partial.Reset()
		o.line(line)
		text = text[i+1:]
	}
}

// flush writes a pending partial line (a question's prompt, say) as is.
func (o *output) flush() {
	if o.partial.Len() > 0 && !o.stopped {
		io.WriteString(o.s.term, o.partial.String())
	}
	o.partial.Reset()
}

// morePrompt is the pager's prompt; moreErase takes it off the screen.
const (
	morePrompt = "  ---- More ----"
	moreErase  = "\x1b[42D                                          \x1b[42D"
)

func (o *output) line(line string) {
	if o.stopped || !o.keep(line) {
		return
	}
	// A line wider than the terminal is broken at its width, each piece a
	// line of the screen (and of the page).
	for w := o.s.width; w > 0 && utf8.RuneCountInString(line) > w; {
		i := 0
		for n := 0; n < w; n++ {
			_, size := utf8.DecodeRuneInString(line[i:])
			i += size
		}
		o.screenLine(line[:i])
		if o.stopped {
			return
		}
		line = line[i:]
	}
	o.screenLine(line)
}

// screenLine shows one line of the screen, after the pager's prompt when
// the page is full.
func (o *output) screenLine(line string) {
	screen := o.s.screen
	if o.filter != nil && o.filter.NoMore {
		screen = 0
	}
	if screen > 0 && o.shown >= screen-1 {
		io.WriteString(o.s.term, morePrompt)
		for {
			key, err := o.s.term.ReadKey()
			if err != nil {
				o.stopped = true
				return
			}
			switch key {
			case ' ':
				o.shown = 0
			case '\r', '\n':
				o.shown = screen - 2
			case 'q', 'Q', 0x03:
				io.WriteString(o.s.term, moreErase)
				o.stopped = true
				return
			default:
				// Any other key ends the paging, as on the device, and
				// stays in the input: a command typed ahead runs next.
				if u, ok := o.s.term.(KeyUnreader); ok {
					u.UnreadKey()
				}
				io.WriteString(o.s.term, moreErase)
				o.stopped = true
				return
			}
			break
		}
		io.WriteString(o.s.term, moreErase)
	}
	io.WriteString(o.s.term, line+"\n")
	o.shown++
}

func (o *output) keep(line string) bool {
	f := o.filter
	if f == nil {
		return true
	}
	switch f.Mode {
	case "":
		return true
	case "include":
		return f.Re.MatchString(line)
	case "exclude":
		return !f.Re.MatchString(line)
	default: // begin
		if !o.begun && f.Re.MatchString(line) {
			o.begun = true
		}
		return o.begun
	}
}
