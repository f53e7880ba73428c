package sshd

import "io"

// errorPrefix starts the lines of the CLI's refusals ("Error: ...",
// "Error:Ambiguous command ..."), possibly after spaces.
const errorPrefix = "Error:"

// errorWatch passes output through and notes whether a line of it starts
// with errorPrefix, so that an exec request can end with a non-zero exit
// status when a command failed.
type errorWatch struct {
	w       io.Writer
	matched int  // bytes of errorPrefix matched at the start of the line; -1: the line cannot match
	failed  bool // an error line was seen
}

func newErrorWatch(w io.Writer) *errorWatch { return &errorWatch{w: w} }

func (e *errorWatch) Write(p []byte) (int, error) {
	for _, c := range p {
		switch {
		case c == '\n':
			e.matched = 0
		case e.matched < 0 || e.failed:
		case c == ' ' && e.matched == 0:
		case c == errorPrefix[e.matched]:
			e.matched++
			if e.matched == len(errorPrefix) {
				e.failed = true
			}
		default:
			e.matched = -1
		}
	}
	return e.w.Write(p)
}
