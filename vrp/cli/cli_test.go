package cli

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type env struct{ ran []string }

func testGrammar(t testing.TB) *Grammar[*env] {
	t.Helper()
	run := func(name string) Handler[*env] {
		return func(e *env, c *Call) error {
			var parts []string
			for _, a := range c.Args {
				if a.Keyword {
					parts = append(parts, a.Name)
				} else {
					parts = append(parts, a.Name+"="+a.Value)
				}
			}
			e.ran = append(e.ran, name+":"+strings.Join(parts, ","))
			return nil
		}
	}
	words := map[string]string{"display": "Display information", "delete": "Delete a file", "dir": "List files", "debugging": "Debugging", "current-configuration": "Current configuration", "clock": "Clock", "system-view": "Enter the system view",
		"/all": "List all files", "/all-filesystems": "List all file systems", "local-user": "Local user", "privilege": "Privilege", "level": "Level", "undo": "Undo",
		"service-type": "Service types", "ftp": "FTP", "ssh": "SSH", "terminal": "Terminal", "state": "State", "active": "Active", "block": "Block", "quit": "Quit",
		"mget": "Get files", "authentication-mode": "Authentication mode", "aaa": "AAA", "password": "Password", "none": "None", "protocol": "Protocol", "telnet": "Telnet"}
	params := map[string]*Param{
		"name":  String(1, 8, "Name"),
		"level": Integer(0, 15, "Level"),
	}
	cmds := []*Command[*env]{
		{Views: []string{"user"}, Syntax: "display current-configuration", Level: 3, Filter: true, Run: run("dcc")},
		{Views: []string{"user"}, Syntax: "display clock", Level: 0, Run: run("clock")},
		{Views: []string{"user"}, Syntax: "delete <name>", Level: 3, Run: run("delete")},
		{Views: []string{"user"}, Syntax: "dir [ /all ] [ { <name> | /all-filesystems } ]", Level: 3, Run: run("dir")},
		{Views: []string{"user"}, Syntax: "debugging", Level: 3, Run: run("debug")},
		{Views: []string{"user"}, Syntax: "system-view", Level: 2, Run: run("sys")},
		{Views: []string{"aaa"}, Syntax: "local-user <name> privilege level <level>", Level: 3, Run: run("level"),
			Undo: "undo local-user <name> privilege level", RunUndo: run("undo-level")},
		{Views: []string{"aaa"}, Syntax: "local-user <name> service-type { ftp | ssh | terminal }*", Level: 3, Run: run("svc")},
		{Views: []string{"aaa"}, Syntax: "local-user <name> state { active | block }", Level: 3, Run: run("state")},
		{Views: []string{AllViews}, Syntax: "quit", Level: 0, Run: run("quit")},
		{Views: []string{"user"}, Syntax: "mget <name> &<1-3>", Level: 3, Run: run("mget")},
		{Views: []string{"aaa"}, Syntax: "authentication-mode { aaa | password | none }:mode", Level: 3, Run: run("mode")},
		{Views: []string{"aaa"}, Syntax: "protocol { ssh | telnet }*:protocols", Level: 3, Run: run("protocols")},
	}
	g, err := NewGrammar(words, params, cmds)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestMatch(t *testing.T) {
	g := testGrammar(t)
	tests := []struct {
		view, line string
		level      int
		want       string // ran, or the error with its column
	}{
		{"user", "display current-configuration", 15, "dcc:display,current-configuration"},
		{"user", "dis cu", 15, "dcc:display,current-configuration"},
		{"user", "d cu", 15, "dcc:display,current-configuration"},
		{"user", "  DISP   CLOCK  ", 15, "clock:display,clock"},
		{"user", "d c", 15, "Error:Ambiguous command found at '^' position.@0"},
		{"user", "dis c", 15, "Error:Ambiguous command found at '^' position.@4"},
		{"user", "sys", 15, "sys:system-view"},
		{"user", "displya clock", 15, "Error: Unrecognized command found at '^' position.@0"},
		{"user", "display clok", 15, "Error: Unrecognized command found at '^' position.@8"},
		{"user", "display", 15, "Error:Incomplete command found at '^' position.@8"},
		{"user", "display clock now", 15, "Error:Too many parameters found at '^' position.@14"},
		{"user", "delete averyverylongname", 15, "Error: Wrong parameter found at '^' position.@7"},
		{"user", "dir", 15, "dir:dir"},
		{"user", "dir x", 15, "dir:dir,name=x"},
		{"user", "dir /a", 15, "Error:Ambiguous command found at '^' position.@4"},
		{"user", "dir /all-f", 15, "dir:dir,/all-filesystems"},
		{"user", "quit", 15, "quit:quit"},
		{"aaa", "quit", 15, "quit:quit"},
		{"aaa", "local-user bob privilege level 3", 15, "level:local-user,name=bob,privilege,level,level=3"},
		{"aaa", "local-user bob privilege level 16", 15, "Error: Wrong parameter found at '^' position.@31"},
		{"aaa", "undo local-user bob priv lev", 15, "undo-level:undo,local-user,name=bob,privilege,level"},
		{"aaa", "local-user bob service-type ftp ssh", 15, "svc:local-user,name=bob,service-type,ftp,ssh"},
		{"aaa", "local-user bob service-type", 15, "Error:Incomplete command found at '^' position.@28"},
		{"aaa", "local-user bob state block", 15, "state:local-user,name=bob,state,block"},
		{"aaa", "system-view", 15, "Error: Unrecognized command found at '^' position.@0"},
		// privilege: a level-1 user sees neither system-view nor dcc
		{"user", "system-view", 1, "Error: Unrecognized command found at '^' position.@0"},
		{"user", "display current-configuration", 1, "Error: Unrecognized command found at '^' position.@8"},
		{"user", "d c", 1, "clock:display,clock"},
		{"user", "", 15, ""},
		// a repeated parameter: one to three names
		{"user", "mget a", 15, "mget:mget,name=a"},
		{"user", "mget a b c", 15, "mget:mget,name=a,name=b,name=c"},
		{"user", "mget a b c d", 15, "Error:Too many parameters found at '^' position.@11"},
		{"user", "mget", 15, "Error:Incomplete command found at '^' position.@5"},
		// named choices
		{"aaa", "auth pass", 15, "mode:authentication-mode,password"},
		{"aaa", "authentication-mode p", 15, "mode:authentication-mode,password"},
		{"aaa", "pro telnet ssh", 15, "protocols:protocol,telnet,ssh"},
	}
	for _, tt := range tests {
		e := &env{}
		run, call, err := g.Match(tt.view, tt.level, tt.line)
		got := ""
		switch {
		case err != nil:
			se := err.(*SyntaxError)
			got = se.Error() + "@" + itoa(se.Column)
		case run != nil:
			if err := run(e, call); err != nil {
				t.Fatal(err)
			}
			got = e.ran[0]
		}
		if got != tt.want {
			t.Errorf("%s %q level %d: got %q, want %q", tt.view, tt.line, tt.level, got, tt.want)
		}
	}
}

// TestValues: Value and Values return the words of a repeated parameter and
// the keywords, in full, of a named choice.
func TestValues(t *testing.T) {
	g := testGrammar(t)
	tests := []struct {
		view, line, name string
		value            string
		values           []string
	}{
		{"user", "mget a b c", "name", "a", []string{"a", "b", "c"}},
		{"aaa", "auth pass", "mode", "password", []string{"password"}},
		{"aaa", "pro t s", "protocols", "telnet", []string{"telnet", "ssh"}},
		{"aaa", "local-user bob state block", "state", "", nil},
	}
	for _, tt := range tests {
		_, call, err := g.Match(tt.view, 15, tt.line)
		if err != nil {
			t.Fatalf("%q: %v", tt.line, err)
		}
		if got := call.Value(tt.name); got != tt.value {
			t.Errorf("%q: Value(%q) = %q, want %q", tt.line, tt.name, got, tt.value)
		}
		if diff := cmp.Diff(tt.values, call.Values(tt.name)); diff != "" {
			t.Errorf("%q: Values(%q) (-want +got):\n%s", tt.line, tt.name, diff)
		}
	}
}

// TestKeywordWithoutHelp: a keyword that has no help, in the grammar's
// words or the command's, is refused: "?" would show it with none.
func TestKeywordWithoutHelp(t *testing.T) {
	run := func(*env, *Call) error { return nil }
	params := map[string]*Param{"n": Integer(1, 9, "Number")}
	words := map[string]string{"ftp": "FTP", "server": "Server"}
	cmd := &Command[*env]{Views: []string{"system"}, Syntax: "ftp server max-sessions <n>", Run: run}
	_, err := NewGrammar(words, params, []*Command[*env]{cmd})
	want := `command "ftp server max-sessions <n>": keyword "max-sessions" has no help`
	if err == nil || err.Error() != want {
		t.Errorf("NewGrammar = %v, want %s", err, want)
	}
	cmd.Words = map[string]string{"max-sessions": "Set the maximum number of sessions"}
	if _, err := NewGrammar(words, params, []*Command[*env]{cmd}); err != nil {
		t.Errorf("with the command's help: %v", err)
	}
}

// TestBadSyntax: declarations the grammar refuses.
func TestBadSyntax(t *testing.T) {
	run := func(*env, *Call) error { return nil }
	params := map[string]*Param{"name": String(1, 8, "Name")}
	words := map[string]string{"a": "A", "b": "B", "c": "C"}
	for _, syntax := range []string{
		"a <name> &<0-3>",
		"a <name> &<3-2>",
		"a <name> &<1-x>",
		"a <name> &<2>",
		"a { b | c <name> }:choice",
		"a { b | <name> }:choice",
		"a { b | c }:",
		"a { b | c }:name <name>",
		"a d",
	} {
		cmds := []*Command[*env]{{Views: []string{"user"}, Syntax: syntax, Run: run}}
		if _, err := NewGrammar(words, params, cmds); err == nil {
			t.Errorf("%q: no error", syntax)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestCaret(t *testing.T) {
	g := testGrammar(t)
	_, _, err := g.Match("user", 15, "d c")
	got := err.(*SyntaxError).Caret(len("<Huawei>"))
	want := "        ^\nError:Ambiguous command found at '^' position.\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

func TestFilter(t *testing.T) {
	g := testGrammar(t)
	_, call, err := g.Match("user", 15, "dis cur | inc local-user admin")
	if err != nil {
		t.Fatal(err)
	}
	if call.Filter == nil || call.Filter.Mode != "include" || call.Filter.Re.String() != "local-user admin" {
		t.Fatalf("filter = %+v", call.Filter)
	}
	for _, tc := range []struct {
		line, mode, re string
	}{
		{"dis cur | no-more", "", ""},
		{"dis cur | n", "", ""},
		{"dis cur | include sysname | no-more", "include", "sysname"},
		{"dis cur | e a b | no", "exclude", "a b"},
		{"dis cur | include x | n", "include", "x | n"}, // one letter stays in the expression
		{"dis cur | begin x|no-more", "begin", "x|no-more"},
	} {
		_, call, err := g.Match("user", 15, tc.line)
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		f := call.Filter
		re := ""
		if f.Re != nil {
			re = f.Re.String()
		}
		if f.Mode != tc.mode || re != tc.re || f.NoMore != (tc.re != "x | n" && tc.re != "x|no-more") {
			t.Errorf("%q: filter %q %q no-more %v", tc.line, f.Mode, re, f.NoMore)
		}
	}
	_, _, err = g.Match("user", 15, "dis cur | no-more x")
	if se, ok := err.(*SyntaxError); !ok || se.Kind != TooMany || se.Column != 18 {
		t.Fatalf("words after no-more: %v", err)
	}
	_, _, err = g.Match("user", 15, "display clock | include x")
	if se, ok := err.(*SyntaxError); !ok || se.Kind != TooMany || se.Column != 14 {
		t.Fatalf("filter on unfilterable command: %v", err)
	}
	_, _, err = g.Match("user", 15, "dis cur | foo x")
	if se, ok := err.(*SyntaxError); !ok || se.Kind != Unrecognized || se.Column != 10 {
		t.Fatalf("bad filter mode: %v", err)
	}
}

func TestHelp(t *testing.T) {
	g := testGrammar(t)
	tests := []struct {
		line  string
		level int
		want  []HelpEntry
	}{
		{"d", 15, []HelpEntry{{"debugging", "Debugging"}, {"delete", "Delete a file"}, {"dir", "List files"}, {"display", "Display information"}}},
		{"display ", 15, []HelpEntry{{"clock", "Clock"}, {"current-configuration", "Current configuration"}}},
		{"display ", 0, []HelpEntry{{"clock", "Clock"}}},
		{"dir ", 15, []HelpEntry{{"/all", "List all files"}, {"/all-filesystems", "List all file systems"}, {"STRING<1-8>", "Name"}, {"<cr>", ""}}},
		{"dis cur ", 15, []HelpEntry{{"|", "Matching output"}, {"<cr>", ""}}},
		{"dis cur | ", 15, []HelpEntry{{"begin", "Begin with the line that matches"}, {"exclude", "Match the lines that do not contain the regular expression"}, {"include", "Match the lines that contain the regular expression"}, {"no-more", "Display the output without pausing at each screen"}}},
	}
	for _, tt := range tests {
		got, err := g.Help("user", tt.level, tt.line)
		if err != nil {
			t.Fatalf("%q: %v", tt.line, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("help %q (-want +got):\n%s", tt.line, diff)
		}
	}
	if _, err := g.Help("user", 15, "dispaly "); err == nil {
		t.Error("help after a bad word: no error")
	}
}

func TestComplete(t *testing.T) {
	g := testGrammar(t)
	tests := []struct {
		line  string
		start int
		want  []string
	}{
		{"dis", 0, []string{"display"}},
		{"display c", 8, []string{"clock", "current-configuration"}},
		{"d", 0, []string{"debugging", "delete", "dir", "display"}},
		{"x", 0, nil},
		{"display ", 8, nil},
	}
	for _, tt := range tests {
		start, got := g.Complete("user", 15, tt.line)
		if start != tt.start || !cmp.Equal(tt.want, got) {
			t.Errorf("complete %q = %d %v, want %d %v", tt.line, start, got, tt.start, tt.want)
		}
	}
}

func FuzzMatch(f *testing.F) {
	g := testGrammar(f)
	for _, s := range []string{"dis cu | inc x", "local-user a privilege level 3", "d c", "undo local-user x priv", "\xff\x00 |",
		"dis cu | no-more", "dis cu | e a | no", "dis cu | i | |"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		for _, view := range []string{"user", "aaa"} {
			_, call, err := g.Match(view, 15, line)
			if err == nil && call != nil && call.Filter != nil && call.Filter.Mode != "" && call.Filter.Re == nil {
				t.Fatalf("%q: filter %q without an expression", line, call.Filter.Mode)
			}
			g.Help(view, 15, line)
			g.Complete(view, 15, line)
		}
	})
}
