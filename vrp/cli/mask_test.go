package cli

import "testing"

func TestMask(t *testing.T) {
	run := func(*env, *Call) error { return nil }
	params := map[string]*Param{
		"name":     String(1, 8, "Name"),
		"password": Secret(String(1, 8, "Password")),
	}
	cmds := []*Command[*env]{
		{Views: []string{"aaa"}, Syntax: "local-user <name> password { cipher | irreversible-cipher } <password>", Level: 3, Run: run},
		{Views: []string{"aaa"}, Syntax: "local-user <name> state { active | block }", Level: 3, Run: run},
		{Views: []string{"ftp"}, Syntax: "user <name> [ <password> ]", Level: 3, Run: run},
		{Views: []string{"ftp"}, Syntax: "display <name>", Level: 3, Filter: true, Run: run},
	}
	words := map[string]string{"local-user": "Local user", "password": "Password", "cipher": "Cipher", "irreversible-cipher": "Irreversible cipher",
		"state": "State", "active": "Active", "block": "Block", "user": "User", "display": "Display"}
	g, err := NewGrammar(words, params, cmds)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		view, line string
		level      int
		want       string
	}{
		{"aaa", "local-user bob password cipher Secret1", 3, "local-user bob password cipher ******"},
		{"aaa", "local-user  bob pass irr   Secret1  ", 3, "local-user  bob pass irr   ******  "},
		// the user name looks like a keyword but is a plain parameter
		{"aaa", "local-user password password cipher password", 3, "local-user password password cipher ******"},
		{"aaa", "local-user bob state block", 3, "local-user bob state block"},
		// refused: too long for the parameter, still masked
		{"aaa", "local-user bob password cipher TooLongSecret", 3, "local-user bob password cipher ******"},
		// a password with spaces: what follows it is masked with it
		{"aaa", "local-user bob password cipher Sec ret x ", 3, "local-user bob password cipher ****** ****** "},
		{"aaa", "local-user bob password cipher TooLongSecret ret", 3, "local-user bob password cipher ****** ******"},
		{"ftp", "user bob Sec ret", 3, "user bob ****** ******"},
		// a typo before the password: the line does not parse that far
		{"aaa", "local-user bob pasword cipher Secret1", 3, "local-user bob pasword cipher Secret1"},
		// too low a level: the command is not there for this user
		{"aaa", "local-user bob password cipher Secret1", 2, "local-user bob password cipher Secret1"},
		{"ftp", "user bob Secret1", 3, "user bob ******"},
		{"ftp", "user bob", 3, "user bob"},
		{"ftp", "display x | include Secret1", 3, "display x | include Secret1"},
		{"ftp", "", 3, ""},
	}
	for _, tt := range tests {
		if got := g.Mask(tt.view, tt.level, tt.line, "******"); got != tt.want {
			t.Errorf("Mask(%q, %d, %q) = %q, want %q", tt.view, tt.level, tt.line, got, tt.want)
		}
	}
	// Secret copies: the original parameter stays clear.
	p := String(1, 8, "x")
	if s := Secret(p); !s.Secret || p.Secret || s.Token != p.Token {
		t.Errorf("Secret(p) = %+v from %+v", *s, *p)
	}
}
