package cli

import (
	"fmt"
	"strings"
)

// A syntax string declares the words of a command:
//
//	display local-user [ username <user-name> ]
//	local-user <user-name> state { active | block }
//	local-user <user-name> service-type { ftp | ssh | telnet | terminal }*
//
// Plain words are keywords (abbreviable); <name> is a parameter whose type is
// looked up in the command's Params, then the grammar's; [ x ] is optional;
// { a | b } chooses one; { a | b }* chooses one or more, each at most once.

// element is one node of a parsed syntax.
type element struct {
	kind  elemKind
	word  string      // elemWord: the keyword; elemParam: the parameter name
	alts  [][]element // elemChoice, elemOptional (one alternative), elemRepeat
	param *Param
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
		case t == "]" || t == "|" || t == "}" || t == "}*":
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
			switch p.toks[p.i] {
			case "}":
			case "}*":
				kind = elemRepeat
			default:
				return nil, fmt.Errorf("unexpected %q in choice", p.toks[p.i])
			}
			p.i++
			out = append(out, element{kind: kind, alts: alts})
		case strings.HasPrefix(t, "<") && strings.HasSuffix(t, ">"):
			name := t[1 : len(t)-1]
			prm, err := p.lookup(name)
			if err != nil {
				return nil, err
			}
			out = append(out, element{kind: elemParam, word: name, param: prm})
			p.i++
		default:
			out = append(out, element{kind: elemWord, word: t})
			p.i++
		}
	}
	return out, nil
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
