package vrp

import (
	"math"
	"net/netip"
	"sort"
	"strconv"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

func aclCommands() []*command {
	return []*command{
		{
			Views: systemView, Syntax: "acl [ number ] <acl-number>", Level: 2,
			Help: "Create a basic ACL or enter its view",
			Run: func(e *callEnv, c *cli.Call) error {
				n := c.Int("acl-number")
				d := e.dev
				d.mu.Lock()
				if d.cfg.acls[n] == nil {
					d.cfg.acls[n] = &acl{number: n}
				}
				d.mu.Unlock()
				e.views = append(e.views, viewFrame{view: viewACL, arg: strconv.Itoa(n)})
				return nil
			},
			Undo: "undo acl [ number ] <acl-number>",
			RunUndo: func(e *callEnv, c *cli.Call) error {
				d := e.dev
				d.mu.Lock()
				defer d.mu.Unlock()
				n := c.Int("acl-number")
				if d.cfg.acls[n] == nil {
					return refuse("Error: The ACL does not exist.")
				}
				delete(d.cfg.acls, n)
				d.aclChangedLocked()
				return nil
			},
		},
		{
			Views: []string{viewACL}, Syntax: "rule [ <rule-id> ] { permit | deny } [ source { <source-ip> <wildcard> | any } ]", Level: 2,
			Params: map[string]*cli.Param{
				"rule-id":   cli.Integer(0, math.MaxInt32, "ID of ACL rule"),
				"source-ip": cli.IPv4("Address of source"),
				"wildcard":  &cli.Param{Token: "IP_ADDR<X.X.X.X>|0", Help: "Wildcard of source", Valid: func(w string) bool { return w == "0" || cli.IPv4("").Valid(w) }},
			},
			Help: "Add a rule to a basic ACL",
			Run:  runRule,
		},
		{
			Views: []string{viewACL}, Syntax: "undo rule <rule-id>", Level: 2,
			Params: map[string]*cli.Param{"rule-id": cli.Integer(0, math.MaxInt32, "ID of ACL rule")},
			Help:   "Delete a rule from a basic ACL",
			Run: func(e *callEnv, c *cli.Call) error {
				d := e.dev
				d.mu.Lock()
				defer d.mu.Unlock()
				n, _ := strconv.Atoi(e.view().arg)
				l := d.cfg.acls[n]
				id := c.Int("rule-id")
				for i, r := range l.rules {
					if r.id == id {
						l.rules = append(l.rules[:i], l.rules[i+1:]...)
						d.aclChangedLocked()
						return nil
					}
				}
				return refuse("Error: The rule does not exist.")
			},
		},
		{
			Views: all, Syntax: "display acl { <acl-number> | all }", Level: 2, Filter: true,
			Help: "Display basic ACLs",
			Run: func(e *callEnv, c *cli.Call) error {
				e.Print(e.dev.aclText(c.Int("acl-number")))
				return nil
			},
		},
	}
}

func runRule(e *callEnv, c *cli.Call) error {
	d := e.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	n, _ := strconv.Atoi(e.view().arg)
	l := d.cfg.acls[n]
	if l == nil {
		l = &acl{number: n}
		d.cfg.acls[n] = l
	}
	r := aclRule{permit: c.Has("permit"), any: true}
	if ip, ok := c.Lookup("source-ip"); ok {
		r.any = false
		r.source = netip.MustParseAddr(ip)
		w := c.Value("wildcard")
		if w == "0" {
			w = "0.0.0.0"
		}
		r.wildcard = netip.MustParseAddr(w)
	}
	if id, ok := c.Lookup("rule-id"); ok {
		r.id, _ = strconv.Atoi(id)
	} else {
		// the device numbers rules in steps of 5
		r.id = 5
		for _, o := range l.rules {
			r.id = max(r.id, (o.id/5+1)*5)
		}
	}
	replaced := false
	for i, o := range l.rules {
		if o.id == r.id {
			l.rules[i] = r
			replaced = true
		}
	}
	if !replaced {
		l.rules = append(l.rules, r)
		sort.Slice(l.rules, func(i, j int) bool { return l.rules[i].id < l.rules[j].id })
	}
	d.aclChangedLocked()
	return nil
}
