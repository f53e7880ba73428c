// Package cli is the command engine of the simulated VRP device: commands are
// declared once as data (views, syntax, privilege level, help, handler and undo
// form) and the Grammar built from them parses lines the way the device does:
// unique-prefix abbreviation of keywords, typed parameters, errors that point at
// the offending column, "?" help, Tab completion and output filters.
//
// The package knows nothing of the device: handlers receive an environment of
// the caller's type E (the vrp package passes its session).
package cli

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// AllViews, as a command's only view, makes it valid in every view.
const AllViews = "*"

// Handler runs a matched command.
type Handler[E any] func(env E, c *Call) error

// Command declares one command.
type Command[E any] struct {
	Views  []string // where the command is valid; AllViews for every view
	Syntax string   // see the package notes on syntax
	Level  int      // lowest user level that may run it (0-3 on the device)
	Help   string   // one line for the command reference
	Run    Handler[E]
	// Undo, when set, declares the undo form ("undo sysname") run by RunUndo,
	// in the same views at the same level.
	Undo    string
	RunUndo Handler[E]
	// Params are parameter types used by this command's syntax; they take
	// precedence over the grammar's.
	Params map[string]*Param
	// Words gives help texts for keywords of this command that differ from the
	// grammar's dictionary.
	Words map[string]string
	// Filter lets the output be filtered with "| include|exclude|begin REGEX".
	Filter bool
}

// Param is a typed parameter.
type Param struct {
	Token string // how help shows it: "STRING<1-64>", "INTEGER<0-15>"
	Help  string
	// Valid reports whether a word is a value of this type.
	Valid func(word string) bool
	// Secret marks a value that must not be kept in clear once typed (a
	// password): Grammar.Mask hides it, e.g. in the command history.
	Secret bool
	// Hidden keeps the parameter out of "?" help: a second spelling of
	// words the help shows otherwise (an interface name typed as one word,
	// "g0/0/1", beside "GigabitEthernet 0/0/1").
	Hidden bool
}

// Secret returns a copy of p whose values are secret (see Param.Secret).
func Secret(p *Param) *Param {
	q := *p
	q.Secret = true
	return &q
}

// String is a parameter of min to max characters.
func String(min, max int, help string) *Param {
	return &Param{
		Token: fmt.Sprintf("STRING<%d-%d>", min, max),
		Help:  help,
		Valid: func(w string) bool {
			n := utf8.RuneCountInString(w)
			return n >= min && n <= max && utf8.ValidString(w)
		},
	}
}

// Integer is a decimal parameter in [min, max].
func Integer(min, max int, help string) *Param {
	return &Param{
		Token: fmt.Sprintf("INTEGER<%d-%d>", min, max),
		Help:  help,
		Valid: func(w string) bool {
			if w == "" || len(w) > 10 || strings.TrimLeft(w, "0123456789") != "" {
				return false
			}
			n, err := strconv.Atoi(w)
			return err == nil && n >= min && n <= max
		},
	}
}

// IPv4 is a dotted-quad address parameter.
func IPv4(help string) *Param {
	return &Param{
		Token: "IP_ADDR<X.X.X.X>",
		Help:  help,
		Valid: func(w string) bool {
			parts := strings.Split(w, ".")
			if len(parts) != 4 {
				return false
			}
			for _, p := range parts {
				if p == "" || len(p) > 3 || strings.TrimLeft(p, "0123456789") != "" {
					return false
				}
				if n, _ := strconv.Atoi(p); n > 255 {
					return false
				}
			}
			return true
		},
	}
}

// Arg is one word of a matched line: a keyword (in full) or a parameter value.
type Arg struct {
	Name    string // keyword, or parameter name
	Value   string // keyword, or the word typed for a parameter
	Keyword bool
	// choice is, for a keyword chosen in a named choice, 1 + the index of
	// the choice's name in Call.choices (a byte keeps Arg as small as it
	// was without it: Match copies Args at each word).
	choice uint8
}

// Call is a matched line, handed to the command's handler.
type Call struct {
	Line    string
	Args    []Arg
	Undo    bool
	Filter  *Filter // nil when no "|" filter was given
	level   int
	syntax  string
	choices []string // the names of the command's named choices
}

// Has reports whether keyword kw was matched.
func (c *Call) Has(kw string) bool {
	for _, a := range c.Args {
		if a.Keyword && a.Name == kw {
			return true
		}
	}
	return false
}

// Value returns the word typed for parameter name, or the keyword chosen in
// the named choice name; "" when there is none.
func (c *Call) Value(name string) string {
	v, _ := c.Lookup(name)
	return v
}

// Lookup returns the word typed for parameter name, or the keyword chosen in
// the named choice name; the first one when there are several.
func (c *Call) Lookup(name string) (string, bool) {
	for _, a := range c.Args {
		if c.is(a, name) {
			return a.Value, true
		}
	}
	return "", false
}

// Values returns every word typed for a repeated parameter name, or every
// keyword chosen in a repeated named choice, in the order typed.
func (c *Call) Values(name string) []string {
	var out []string
	for _, a := range c.Args {
		if c.is(a, name) {
			out = append(out, a.Value)
		}
	}
	return out
}

// is reports whether a is the value of parameter or named choice name.
func (c *Call) is(a Arg, name string) bool {
	if a.Keyword {
		return a.choice > 0 && c.choices[a.choice-1] == name
	}
	return a.Name == name
}

// Int returns parameter name as an integer (0 when absent).
func (c *Call) Int(name string) int {
	n, _ := strconv.Atoi(c.Value(name))
	return n
}

// Level is the level of the matched command.
func (c *Call) Level() int { return c.level }

// Syntax is the declared syntax of the matched command (its undo form's for
// an undo), as Grammar.Reference renders it.
func (c *Call) Syntax() string { return c.syntax }

// Filter is an output filter: "| include REGEX", "| exclude REGEX",
// "| begin REGEX", each optionally followed by "| no-more", or "| no-more"
// alone.
type Filter struct {
	Mode string // "include", "exclude", "begin"; "" for "| no-more" alone
	Re   *regexp.Regexp
	// NoMore: the output is not paged ("| no-more").
	NoMore bool
}

// ErrorKind classifies a syntax error as the device does.
type ErrorKind int

const (
	Unrecognized ErrorKind = iota
	Incomplete
	Ambiguous
	TooMany
	WrongParameter
)

var errorText = [...]string{
	Unrecognized:   "Error: Unrecognized command found at '^' position.",
	Incomplete:     "Error:Incomplete command found at '^' position.",
	Ambiguous:      "Error:Ambiguous command found at '^' position.",
	TooMany:        "Error:Too many parameters found at '^' position.",
	WrongParameter: "Error: Wrong parameter found at '^' position.",
}

// SyntaxError is a line the grammar refuses. Column is the rune offset in the
// line under which the device puts its caret.
type SyntaxError struct {
	Kind   ErrorKind
	Column int
}

func (e *SyntaxError) Error() string { return errorText[e.Kind] }

// Caret renders the device's two-line error for a line echoed after a prompt of
// promptWidth columns.
func (e *SyntaxError) Caret(promptWidth int) string {
	return strings.Repeat(" ", promptWidth+e.Column) + "^\n" + e.Error() + "\n"
}

// HelpEntry is one line of "?" help.
type HelpEntry struct {
	Token string
	Help  string
}
