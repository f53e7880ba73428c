package vrp

import (
	"math"
	"net/netip"
	"strconv"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

func aclCommands() []*command {
	params := map[string]*cli.Param{
		"rule-id":   cli.Integer(0, math.MaxInt32, "ID of ACL rule"),
		"source-ip": cli.IPv4("Address of source"),
		"wildcard":  {Token: "IP_ADDR<X.X.X.X>|0", Help: "Wildcard of source", Valid: func(w string) bool { return w == "0" || cli.IPv4("").Valid(w) }},
	}
	aclView := []string{viewACL}
	return []*command{
		{Views: systemView, Syntax: "acl [ number ] <acl-number>", Level: 2, Help: "Create a basic ACL or enter its view", Run: runACL, Undo: "undo acl [ number ] <acl-number>", RunUndo: runUndoACL},
		{Views: aclView, Syntax: "rule [ <rule-id> ] { permit | deny } [ source { <source-ip> <wildcard> | any } ]", Level: 2, Params: params, Help: "Add a rule to a basic ACL", Run: runRule},
		{Views: aclView, Syntax: "undo rule <rule-id>", Level: 2, Params: params, Help: "Delete a rule from a basic ACL", Run: runUndoRule},
		{Views: all, Syntax: "display acl { <acl-number> | all }", Level: 2, Filter: true, Help: "Display basic ACLs", Run: runDisplayACL},
	}
}

// aclNumber is the number of the ACL whose view the session is in.
func (e *callEnv) aclNumber() int {
	n, _ := strconv.Atoi(e.view().arg)
	return n
}

func runACL(e *callEnv, c *cli.Call) error {
	n := c.Int("acl-number")
	e.dev.createACL(n)
	e.enter(viewACL, strconv.Itoa(n))
	return nil
}

func runUndoACL(e *callEnv, c *cli.Call) error {
	if !e.dev.deleteACL(c.Int("acl-number")) {
		return refuse("Error: The ACL does not exist.")
	}
	return nil
}

func runRule(e *callEnv, c *cli.Call) error {
	r := aclRule{id: -1, permit: c.Has("permit"), any: true}
	if ip, ok := c.Lookup("source-ip"); ok {
		r.any = false
		r.source = netip.MustParseAddr(ip)
		w := c.Value("wildcard")
		if w == "0" {
			w = "0.0.0.0"
		}
		r.wildcard = netip.MustParseAddr(w)
	}
	if _, ok := c.Lookup("rule-id"); ok {
		r.id = c.Int("rule-id")
	}
	e.dev.setACLRule(e.aclNumber(), r)
	return nil
}

func runUndoRule(e *callEnv, c *cli.Call) error {
	if !e.dev.deleteACLRule(e.aclNumber(), c.Int("rule-id")) {
		return refuse("Error: The rule does not exist.")
	}
	return nil
}

func runDisplayACL(e *callEnv, c *cli.Call) error {
	e.Print(e.dev.aclText(c.Int("acl-number")))
	return nil
}
