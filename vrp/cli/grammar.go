package cli

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Grammar holds the compiled commands of every view. It is immutable once
// built and safe for concurrent use.
type Grammar[E any] struct {
	words    map[string]string // keyword -> help
	params   map[string]*Param
	starts   map[string]*node[E] // view -> start
	commands []*compiled[E]
	initial  sync.Map // view -> []thread[E]: the closure of the view's start, computed once
}

type compiled[E any] struct {
	cmd      *Command[E]
	undo     bool
	syntax   []element
	rendered string // syntax in the reference's notation
	views    []string
	choices  []string // names of the named choices; an edge's choice indexes it
}

type node[E any] struct {
	edges  []*edge[E]
	eps    []*node[E]
	accept *compiled[E]
}

type edge[E any] struct {
	word string // keyword, lower case; "" for a parameter
	text string // keyword as declared, as help and Tab show it ("GigabitEthernet")
	name string // parameter name
	// choice is, for a keyword of a named choice, 1 + the index of the
	// choice's name in owner.choices.
	choice uint8
	param  *Param
	help   string // keyword help
	to     *node[E]
	owner  *compiled[E]
}

// NewGrammar builds a grammar. words gives help texts for keywords; params the
// parameter types shared by commands. It refuses a declaration that does not
// check: a syntax that does not parse, an unknown parameter, a keyword with no
// help (in words or the command's Words), a choice named like a parameter.
func NewGrammar[E any](words map[string]string, params map[string]*Param, cmds []*Command[E]) (*Grammar[E], error) {
	g := &Grammar[E]{words: words, params: params, starts: map[string]*node[E]{}}
	for _, c := range cmds {
		if err := g.add(c, c.Syntax, false); err != nil {
			return nil, err
		}
		if c.Undo != "" {
			if c.RunUndo == nil {
				return nil, fmt.Errorf("command %q: undo form without handler", c.Syntax)
			}
			if err := g.add(c, c.Undo, true); err != nil {
				return nil, err
			}
		}
	}
	return g, nil
}

func (g *Grammar[E]) add(c *Command[E], syntax string, undo bool) error {
	if !undo && c.Run == nil {
		return fmt.Errorf("command %q: no handler", syntax)
	}
	lookup := func(name string) (*Param, error) {
		if p, ok := c.Params[name]; ok {
			return p, nil
		}
		if p, ok := g.params[name]; ok {
			return p, nil
		}
		return nil, fmt.Errorf("unknown parameter <%s>", name)
	}
	seq, err := parseSyntax(syntax, lookup)
	if err != nil {
		return err
	}
	if err := g.checkWords(c, seq); err != nil {
		return fmt.Errorf("command %q: %w", syntax, err)
	}
	var b strings.Builder
	renderSyntax(seq, &b)
	cc := &compiled[E]{cmd: c, undo: undo, syntax: seq, rendered: b.String(), views: c.Views}
	g.commands = append(g.commands, cc)
	start := &node[E]{}
	end := g.compile(cc, seq, start)
	end.accept = cc
	for _, v := range c.Views {
		s := g.starts[v]
		if s == nil {
			s = &node[E]{}
			g.starts[v] = s
		}
		s.eps = append(s.eps, start)
	}
	return nil
}

// checkWords refuses a keyword that has no help ("?" would show it with
// none), and a choice named like a parameter of the command.
func (g *Grammar[E]) checkWords(c *Command[E], seq []element) error {
	params := map[string]bool{}
	var choices []string
	var walk func(seq []element) error
	walk = func(seq []element) error {
		for _, e := range seq {
			switch e.kind {
			case elemWord:
				if c.Words[e.word] == "" && g.words[e.word] == "" {
					return fmt.Errorf("keyword %q has no help", e.word)
				}
			case elemParam:
				params[e.word] = true
			}
			if e.name != "" && e.kind != elemWord {
				choices = append(choices, e.name)
			}
			for _, a := range e.alts {
				if err := walk(a); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(seq); err != nil {
		return err
	}
	if len(choices) > 255 {
		return fmt.Errorf("more than 255 named choices")
	}
	for _, name := range choices {
		if params[name] {
			return fmt.Errorf("choice %q is named like a parameter", name)
		}
	}
	return nil
}

func (g *Grammar[E]) compile(cc *compiled[E], seq []element, from *node[E]) *node[E] {
	cur := from
	for _, e := range seq {
		switch e.kind {
		case elemWord:
			next := &node[E]{}
			help := cc.cmd.Words[e.word]
			if help == "" {
				help = g.words[e.word]
			}
			cur.edges = append(cur.edges, &edge[E]{word: strings.ToLower(e.word), text: e.word, choice: cc.choice(e.name), help: help, to: next, owner: cc})
			cur = next
		case elemParam:
			if e.max == 1 {
				next := &node[E]{}
				cur.edges = append(cur.edges, &edge[E]{name: e.word, param: e.param, to: next, owner: cc})
				cur = next
				break
			}
			// min required copies, then up to max-min optional ones: one
			// path for each count.
			end := &node[E]{}
			for i := 1; i <= e.max; i++ {
				next := &node[E]{}
				cur.edges = append(cur.edges, &edge[E]{name: e.word, param: e.param, to: next, owner: cc})
				if i >= e.min {
					next.eps = append(next.eps, end)
				}
				cur = next
			}
			cur = end
		case elemOptional:
			end := g.compile(cc, e.alts[0], cur)
			cur.eps = append(cur.eps, end)
			cur = end
		case elemChoice:
			join := &node[E]{}
			for _, alt := range e.alts {
				start := &node[E]{}
				cur.eps = append(cur.eps, start)
				end := g.compile(cc, alt, start)
				end.eps = append(end.eps, join)
			}
			cur = join
		case elemRepeat:
			loop := &node[E]{}
			join := &node[E]{}
			for _, alt := range e.alts {
				for _, from := range []*node[E]{cur, loop} {
					start := &node[E]{}
					from.eps = append(from.eps, start)
					end := g.compile(cc, alt, start)
					end.eps = append(end.eps, loop)
				}
			}
			loop.eps = append(loop.eps, join)
			cur = join
		}
	}
	return cur
}

// choice returns 1 + the index of a named choice in cc.choices, adding
// it; 0 for "" (no named choice).
func (cc *compiled[E]) choice(name string) uint8 {
	if name == "" {
		return 0
	}
	i := slices.Index(cc.choices, name)
	if i < 0 {
		cc.choices = append(cc.choices, name)
		i = len(cc.choices) - 1
	}
	return uint8(i + 1)
}

// thread is one way of reading the line so far.
type thread[E any] struct {
	n    *node[E]
	args []Arg
}

func closure[E any](ts []thread[E]) []thread[E] {
	// Threads are told apart by node and by the keywords that led there, so
	// two readings of a line that meet again stay visible to unique().
	type key struct {
		n     *node[E]
		words string
	}
	seen := map[key]bool{}
	var out []thread[E]
	var visit func(t thread[E], words string)
	visit = func(t thread[E], words string) {
		k := key{t.n, words}
		if seen[k] {
			return
		}
		seen[k] = true
		out = append(out, t)
		for _, n := range t.n.eps {
			visit(thread[E]{n: n, args: t.args}, words)
		}
	}
	for _, t := range ts {
		var b strings.Builder
		for _, a := range t.args {
			if a.Keyword {
				b.WriteString(a.Name)
				b.WriteByte(' ')
			}
		}
		visit(t, b.String())
	}
	return out
}

// token is a word of the line and its rune column.
type token struct {
	text string
	col  int
	end  int // byte offset just past the word
}

func tokenize(line string) []token {
	var toks []token
	col := 0
	start, startCol := -1, 0
	for i, r := range line {
		if r == ' ' || r == '\t' {
			if start >= 0 {
				toks = append(toks, token{text: line[start:i], col: startCol, end: i})
				start = -1
			}
		} else if start < 0 {
			start, startCol = i, col
		}
		col++
	}
	if start >= 0 {
		toks = append(toks, token{text: line[start:], col: startCol, end: len(line)})
	}
	return toks
}

func visible[E any](e *edge[E], level int) bool { return e.owner.cmd.Level <= level }

// step consumes one token. It returns the new threads or a syntax error kind.
// A keyword that is a prefix of several keywords keeps them all: the words
// after it may tell them apart (ambiguous reports that).
func step[E any](ts []thread[E], tok string, level int) (next []thread[E], kind ErrorKind, ok, ambiguous bool) {
	lower := strings.ToLower(tok)
	var exact, prefix, params []*edge[E]
	prefixWords := map[string]bool{}
	hasKeyword := false
	for _, t := range ts {
		for _, e := range t.n.edges {
			if !visible(e, level) {
				continue
			}
			if e.param != nil {
				params = append(params, e)
				continue
			}
			hasKeyword = true
			if e.word == lower {
				exact = append(exact, e)
			} else if strings.HasPrefix(e.word, lower) {
				prefix = append(prefix, e)
				prefixWords[e.word] = true
			}
		}
	}
	var take func(e *edge[E]) bool
	switch {
	case len(exact) > 0:
		take = func(e *edge[E]) bool { return e.param == nil && e.word == lower }
	case len(prefixWords) > 0:
		ambiguous = len(prefixWords) > 1
		take = func(e *edge[E]) bool { return e.param == nil && strings.HasPrefix(e.word, lower) }
	default:
		ok := false
		for _, e := range params {
			if e.param.Valid(tok) {
				ok = true
				break
			}
		}
		if !ok {
			if len(params) > 0 {
				return nil, WrongParameter, false, false
			}
			if !hasKeyword {
				return nil, TooMany, false, false
			}
			return nil, Unrecognized, false, false
		}
		take = func(e *edge[E]) bool { return e.param != nil && e.param.Valid(tok) }
	}
	for _, t := range ts {
		for _, e := range t.n.edges {
			if !visible(e, level) || !take(e) {
				continue
			}
			a := Arg{Name: e.word, Value: e.word, Keyword: true, choice: e.choice}
			if e.param != nil {
				a = Arg{Name: e.name, Value: tok}
			}
			args := append(append([]Arg(nil), t.args...), a)
			next = append(next, thread[E]{n: e.to, args: args})
		}
	}
	return closure(next), 0, true, ambiguous
}

func (g *Grammar[E]) start(view string) []thread[E] {
	if ts, ok := g.initial.Load(view); ok {
		return ts.([]thread[E])
	}
	ts := g.computeStart(view)
	g.initial.Store(view, ts)
	return ts
}

func (g *Grammar[E]) computeStart(view string) []thread[E] {
	var ts []thread[E]
	for _, v := range []string{view, AllViews} {
		if s := g.starts[v]; s != nil {
			ts = append(ts, thread[E]{n: s})
		}
	}
	return closure(ts)
}

func accepting[E any](ts []thread[E], level int) (thread[E], bool) {
	for _, t := range ts {
		if a := t.n.accept; a != nil && a.cmd.Level <= level {
			return t, true
		}
	}
	return thread[E]{}, false
}

// unique reports whether every accepting thread reads the line the same way:
// the same command through the same keywords.
func unique[E any](ts []thread[E], level int) bool {
	first := ""
	for _, t := range ts {
		a := t.n.accept
		if a == nil || a.cmd.Level > level {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%p", a)
		for _, arg := range t.args {
			if arg.Keyword {
				b.WriteString(" " + arg.Name)
			}
		}
		if first == "" {
			first = b.String()
		} else if b.String() != first {
			return false
		}
	}
	return true
}

var filterModes = []string{"begin", "exclude", "include", "no-more"}

// Match parses a line typed in view by a user of level. It returns the matched
// command's handler and call, or a *SyntaxError. An empty line matches nothing
// and returns (nil, nil, nil).
func (g *Grammar[E]) Match(view string, level int, line string) (Handler[E], *Call, error) {
	toks := tokenize(line)
	if len(toks) == 0 {
		return nil, nil, nil
	}
	ts := g.start(view)
	var filter *Filter
	ambiguousAt := -1
	for i, tok := range toks {
		if tok.text == "|" {
			if t, ok := accepting(ts, level); ok && t.n.accept.cmd.Filter {
				f, err := parseFilter(line, toks[i:])
				if err != nil {
					return nil, nil, err
				}
				filter = f
				break
			}
		}
		next, kind, ok, amb := step(ts, tok.text, level)
		if !ok {
			return nil, nil, &SyntaxError{Kind: kind, Column: tok.col}
		}
		if amb && ambiguousAt < 0 {
			ambiguousAt = tok.col
		}
		ts = next
	}
	t, ok := accepting(ts, level)
	if ok && !unique(ts, level) {
		return nil, nil, &SyntaxError{Kind: Ambiguous, Column: max(ambiguousAt, 0)}
	}
	if !ok {
		last := toks[len(toks)-1]
		if filter != nil {
			// a filter after an incomplete command cannot happen: "|" only
			// starts a filter after a complete one.
			panic("cli: filter after incomplete command")
		}
		return nil, nil, &SyntaxError{Kind: Incomplete, Column: utf8.RuneCountInString(line[:last.end]) + 1}
	}
	cc := t.n.accept
	call := &Call{Line: line, Args: t.args, Undo: cc.undo, Filter: filter, level: cc.cmd.Level, syntax: cc.rendered, choices: cc.choices}
	if cc.undo {
		return cc.cmd.RunUndo, call, nil
	}
	return cc.cmd.Run, call, nil
}

func parseFilter(line string, toks []token) (*Filter, error) {
	// toks[0] is "|"
	if len(toks) < 2 {
		return nil, &SyntaxError{Kind: Incomplete, Column: utf8.RuneCountInString(line[:toks[0].end]) + 1}
	}
	mode := ""
	lower := strings.ToLower(toks[1].text)
	for _, m := range filterModes {
		if strings.HasPrefix(m, lower) {
			if mode != "" {
				return nil, &SyntaxError{Kind: Ambiguous, Column: toks[1].col}
			}
			mode = m
		}
	}
	if mode == "" {
		return nil, &SyntaxError{Kind: Unrecognized, Column: toks[1].col}
	}
	if mode == "no-more" {
		if len(toks) > 2 {
			return nil, &SyntaxError{Kind: TooMany, Column: toks[2].col}
		}
		return &Filter{NoMore: true}, nil
	}
	if len(toks) < 3 {
		return nil, &SyntaxError{Kind: Incomplete, Column: utf8.RuneCountInString(line[:toks[1].end]) + 1}
	}
	end, noMore := len(line), false
	if n := len(toks); n >= 5 && toks[n-2].text == "|" && isNoMore(toks[n-1].text) {
		// "| include REGEX | no-more": the last two words are not the
		// expression's
		end, noMore = toks[n-2].end-1, true
	}
	expr := strings.TrimSpace(line[toks[1].end:end])
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, &SyntaxError{Kind: WrongParameter, Column: toks[2].col}
	}
	return &Filter{Mode: mode, Re: re, NoMore: noMore}, nil
}

// isNoMore reports whether word is "no-more" or an abbreviation of it of at
// least two letters (after a regular expression, a lone "n" stays part of
// the expression).
func isNoMore(word string) bool {
	return len(word) >= 2 && strings.HasPrefix("no-more", strings.ToLower(word))
}

// Help answers "?" typed at the end of line: the full help of the next word
// when line is empty or ends in a space, otherwise the keywords that start with
// the last word. It returns a *SyntaxError when the words before do not parse.
func (g *Grammar[E]) Help(view string, level int, line string) ([]HelpEntry, error) {
	toks := tokenize(line)
	partial := ""
	if len(toks) > 0 && !strings.HasSuffix(line, " ") && !strings.HasSuffix(line, "\t") {
		partial = toks[len(toks)-1].text
		toks = toks[:len(toks)-1]
	}
	ts := g.start(view)
	for i, tok := range toks {
		if tok.text == "|" {
			if t, ok := accepting(ts, level); ok && t.n.accept.cmd.Filter {
				return filterHelp(toks[i+1:], partial), nil
			}
		}
		next, kind, ok, _ := step(ts, tok.text, level)
		if !ok {
			return nil, &SyntaxError{Kind: kind, Column: tok.col}
		}
		ts = next
	}
	byToken := map[string]HelpEntry{}
	lower := strings.ToLower(partial)
	for _, t := range ts {
		for _, e := range t.n.edges {
			if !visible(e, level) {
				continue
			}
			if e.param != nil {
				if partial == "" && !e.param.Hidden {
					byToken[e.param.Token+"\x00"+e.param.Help] = HelpEntry{Token: e.param.Token, Help: e.param.Help}
				}
				continue
			}
			if strings.HasPrefix(e.word, lower) {
				if _, dup := byToken[e.word]; !dup {
					byToken[e.word] = HelpEntry{Token: e.text, Help: e.help}
				}
			}
		}
	}
	// sorted by key: a keyword's key is its lower-case form, so that
	// "GigabitEthernet" sorts among the lower-case keywords
	var out []HelpEntry
	for _, k := range slices.Sorted(maps.Keys(byToken)) {
		out = append(out, byToken[k])
	}
	if partial == "" {
		if t, ok := accepting(ts, level); ok {
			if t.n.accept.cmd.Filter {
				out = append(out, HelpEntry{Token: "|", Help: "Matching output"})
			}
			out = append(out, HelpEntry{Token: "<cr>"})
		}
	}
	return out, nil
}

func filterHelp(rest []token, partial string) []HelpEntry {
	help := map[string]string{
		"begin":   "Begin with the line that matches",
		"exclude": "Match the lines that do not contain the regular expression",
		"include": "Match the lines that contain the regular expression",
		"no-more": "Display the output without pausing at each screen",
	}
	if len(rest) > 0 {
		return []HelpEntry{{Token: "REGULAR-EXPRESSION", Help: "Regular expression"}}
	}
	var out []HelpEntry
	for _, m := range filterModes {
		if strings.HasPrefix(m, strings.ToLower(partial)) {
			out = append(out, HelpEntry{Token: m, Help: help[m]})
		}
	}
	return out
}

// Complete returns the keywords that can complete the last word of line (for
// Tab), sorted, and the byte offset where that word starts. Words before it
// must parse.
func (g *Grammar[E]) Complete(view string, level int, line string) (start int, words []string) {
	toks := tokenize(line)
	if len(toks) == 0 || strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
		return len(line), nil
	}
	last := toks[len(toks)-1]
	ts := g.start(view)
	for _, tok := range toks[:len(toks)-1] {
		next, _, ok, _ := step(ts, tok.text, level)
		if !ok {
			return len(line), nil
		}
		ts = next
	}
	lower := strings.ToLower(last.text)
	seen := map[string]bool{}
	for _, t := range ts {
		for _, e := range t.n.edges {
			if visible(e, level) && e.param == nil && strings.HasPrefix(e.word, lower) && !seen[e.word] {
				seen[e.word] = true
				words = append(words, e.text)
			}
		}
	}
	slices.SortFunc(words, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return last.end - len(last.text), words
}

// Reference describes one declared command for the generated command reference.
type Reference struct {
	Views  []string
	Syntax string
	Level  int
	Help   string
	Params []HelpEntry
}

// Reference lists every command (undo forms included) in declaration order.
func (g *Grammar[E]) Reference() []Reference {
	var out []Reference
	for _, cc := range g.commands {
		r := Reference{Views: cc.views, Syntax: cc.rendered, Level: cc.cmd.Level, Help: cc.cmd.Help}
		if cc.undo {
			r.Help = "Undoes: " + cc.cmd.Help
		}
		seen := map[string]bool{}
		var walk func(seq []element)
		walk = func(seq []element) {
			for _, e := range seq {
				if e.kind == elemParam && !seen[e.word] {
					seen[e.word] = true
					r.Params = append(r.Params, HelpEntry{Token: e.word + " " + e.param.Token, Help: e.param.Help})
				}
				for _, a := range e.alts {
					walk(a)
				}
			}
		}
		walk(cc.syntax)
		out = append(out, r)
	}
	return out
}

// Mask returns line with every word typed for a secret parameter (see
// Param.Secret) replaced by mask; the other words and the spacing stay as
// typed. The line is read as Match reads it, in view for a user of level; a
// word in a secret parameter's place that the parameter refuses (a password
// too long) is masked too. Reading stops at the first word that does not
// parse: when a secret came before, that word and the rest of the line are
// masked as one (a password with a space in it), otherwise they are kept.
func (g *Grammar[E]) Mask(view string, level int, line, mask string) string {
	toks := tokenize(line)
	ts := g.start(view)
	var b strings.Builder
	from := 0
	hide := func(start, end int) {
		b.WriteString(line[from:start])
		b.WriteString(mask)
		from = end
	}
	for i, tok := range toks {
		if tok.text == "|" {
			if t, ok := accepting(ts, level); ok && t.n.accept.cmd.Filter {
				break
			}
		}
		start := tok.end - len(tok.text)
		if secretAt(ts, tok.text, level) {
			hide(start, tok.end)
		}
		next, _, ok, _ := step(ts, tok.text, level)
		if !ok {
			rest := toks[i:]
			if from == tok.end {
				rest = toks[i+1:] // this word is masked already
			}
			if from > 0 && len(rest) > 0 {
				last := rest[len(rest)-1]
				hide(rest[0].end-len(rest[0].text), last.end)
			}
			break
		}
		ts = next
	}
	if from == 0 {
		return line
	}
	b.WriteString(line[from:])
	return b.String()
}

// secretAt reports whether step would read tok as the value of a secret
// parameter, or would refuse it where a secret parameter is expected: some
// thread offers a secret parameter and no keyword takes tok.
func secretAt[E any](ts []thread[E], tok string, level int) bool {
	lower := strings.ToLower(tok)
	secret := false
	for _, t := range ts {
		for _, e := range t.n.edges {
			if !visible(e, level) {
				continue
			}
			if e.param == nil {
				if strings.HasPrefix(e.word, lower) {
					return false
				}
				continue
			}
			if e.param.Secret {
				secret = true
			}
		}
	}
	return secret
}
