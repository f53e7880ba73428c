package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// A syntax string declares the words of a command:
//
//	display local-user [ username <user-name> ]
//	local-user <user-name> state { active | block }
//	local-user <user-name> service-type { ftp | ssh | telnet | terminal }*
//
//	mget <file-name> &<1-8>
//	authentication-mode { aaa | password | none }:mode
//
// Plain words are keywords (abbreviable); <name> is a parameter whose type is
// looked up in the command's Params, then the grammar's; <name> &<m-n> is a
// parameter given m to n times (Call.Values returns them); [ x ] is optional;
// { a | b } chooses one; { a | b }* chooses one or more, each at most once.
// A choice of single keywords may be named, { a | b }:name or { a | b }*:name:
// Call.Value(name) (Call.Values for a repeated choice) returns the keyword
// chosen, in full.

// element is one node of a parsed syntax.
type element struct {
	kind  elemKind
	word  string      // elemWord: the keyword; elemParam: the parameter name
	alts  [][]element // elemChoice, elemOptional (one alternative), elemRepeat
	param *Param
	// name names a choice of keywords (elemChoice, elemRepeat), or the
	// choice a keyword is an alternative of (elemWord).
	name string
	// min and max bound how many times a parameter is given: 1 and 1
	// unless the syntax says &<min-max>.
	min, max int
}

type elemKind int

const (
	elemWord elemKind = iota
	elemParam
	elemChoice
	elemOptional
	elemRepeat
)

func parseSyntax(s string, lookup func(name string) (*Param, error)) ([]element, error) {
	toks := strings.Fields(s)
	p := &syntaxParser{toks: toks, lookup: lookup}
	seq, err := p.seq()
	if err != nil {
		return nil, fmt.Errorf("syntax %q: %w", s, err)
	}
	if p.i != len(p.toks) {
		return nil, fmt.Errorf("syntax %q: unexpected %q", s, p.toks[p.i])
	}
	if len(seq) == 0 {
		return nil, fmt.Errorf("syntax %q: empty", s)
	}
	return seq, nil
}

type syntaxParser struct {
	toks   []string
	i      int
	lookup func(string) (*Param, error)
}

func (p *syntaxParser) seq() ([]element, error) {
	var out []element
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		switch {
		case t == "]" || t == "|" || t == "}" || t == "}*" || strings.HasPrefix(t, "}:") || strings.HasPrefix(t, "}*:"):
			return out, nil
		case t == "[":
			p.i++
			inner, err := p.seq()
			if err != nil {
				return nil, err
			}
			if p.i >= len(p.toks) || p.toks[p.i] != "]" {
				return nil, fmt.Errorf("missing ]")
			}
			p.i++
			out = append(out, element{kind: elemOptional, alts: [][]element{inner}})
		case t == "{":
			p.i++
			var alts [][]element
			for {
				inner, err := p.seq()
				if err != nil {
					return nil, err
				}
				alts = append(alts, inner)
				if p.i >= len(p.toks) {
					return nil, fmt.Errorf("missing }")
				}
				if p.toks[p.i] == "|" {
					p.i++
					continue
				}
				break
			}
			kind := elemChoice
			end, name, named := strings.Cut(p.toks[p.i], ":")
			switch end {
			case "}":
			case "}*":
				kind = elemRepeat
			default:
				return nil, fmt.Errorf("unexpected %q in choice", p.toks[p.i])
			}
			p.i++
			if named {
				if name == "" {
					return nil, fmt.Errorf("a choice with an empty name")
				}
				for j, alt := range alts {
					if len(alt) != 1 || alt[0].kind != elemWord {
						return nil, fmt.Errorf("choice %q: each alternative of a named choice must be one keyword", name)
					}
					alts[j][0].name = name
				}
			}
			out = append(out, element{kind: kind, alts: alts, name: name})
		case strings.HasPrefix(t, "<") && strings.HasSuffix(t, ">"):
			name := t[1 : len(t)-1]
			prm, err := p.lookup(name)
			if err != nil {
				return nil, err
			}
			p.i++
			e := element{kind: elemParam, word: name, param: prm, min: 1, max: 1}
			if p.i < len(p.toks) && strings.HasPrefix(p.toks[p.i], "&<") {
				lo, hi, err := repeatBounds(p.toks[p.i])
				if err != nil {
					return nil, fmt.Errorf("<%s>: %w", name, err)
				}
				e.min, e.max = lo, hi
				p.i++
			}
			out = append(out, e)
		default:
			out = append(out, element{kind: elemWord, word: t})
			p.i++
		}
	}
	return out, nil
}

// repeatBounds reads the &<m-n> that follows a repeated parameter:
// 1 <= m <= n.
func repeatBounds(tok string) (lo, hi int, err error) {
	body, ok := strings.CutPrefix(tok, "&<")
	if ok {
		body, ok = strings.CutSuffix(body, ">")
	}
	m, n, dash := strings.Cut(body, "-")
	if ok && dash {
		lo, err = strconv.Atoi(m)
		if err == nil {
			hi, err = strconv.Atoi(n)
		}
		if err == nil && 1 <= lo && lo <= hi {
			return lo, hi, nil
		}
	}
	return 0, 0, fmt.Errorf("bad repetition %q, want &<m-n> with 1 <= m <= n", tok)
}

// render writes a syntax back in the command reference's notation.
func renderSyntax(seq []element, b *strings.Builder) {
	for i, e := range seq {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch e.kind {
		case elemWord:
			b.WriteString(e.word)
		case elemParam:
			b.WriteString(e.word)
			if e.min != 1 || e.max != 1 {
				fmt.Fprintf(b, " &<%d-%d>", e.min, e.max)
			}
		case elemOptional:
			b.WriteString("[ ")
			renderSyntax(e.alts[0], b)
			b.WriteString(" ]")
		case elemChoice, elemRepeat:
			b.WriteString("{ ")
			for j, a := range e.alts {
				if j > 0 {
					b.WriteString(" | ")
				}
				renderSyntax(a, b)
			}
			b.WriteString(" }")
			if e.kind == elemRepeat {
				b.WriteString(" *")
			}
		}
	}
}
