package vrp

import (
	"fmt"
	"strings"
)

//go:generate go test -run TestCommandReference -update

// CommandReference renders the reference of every command, generated from
// the grammar's declarations, in Markdown.
func CommandReference() (string, error) {
	g, err := grammar()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("# vrpsim command reference\n\n")
	b.WriteString("Generated from the command declarations in package vrp by `go generate ./vrp`; do not edit.\n")
	b.WriteString("Every keyword may be abbreviated to a unique prefix. `[ x ]` is optional, `{ a | b }` picks one, `{ a | b } *` picks one or more, `x &<1-n>` is given 1 to n times.\n")
	b.WriteString("Level is the lowest user privilege level that may run the command.\n")
	for _, r := range g.Reference() {
		fmt.Fprintf(&b, "\n## `%s`\n\n", r.Syntax)
		if r.Help != "" {
			b.WriteString(r.Help + ".\n\n")
		}
		var views []string
		for _, v := range r.Views {
			views = append(views, viewReferenceName(v))
		}
		fmt.Fprintf(&b, "- Views: %s\n- Level: %d\n", strings.Join(views, ", "), r.Level)
		for _, p := range r.Params {
			fmt.Fprintf(&b, "- `%s`: %s\n", p.Token, p.Help)
		}
	}
	return b.String(), nil
}
