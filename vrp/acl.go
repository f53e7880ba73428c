package vrp

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
)

// acl is a basic ACL (2000-3999): rules matched in order of their IDs.
type acl struct {
	number int
	rules  []aclRule
}

type aclRule struct {
	id       int
	permit   bool
	any      bool // no source: every address
	source   netip.Addr
	wildcard netip.Addr
}

// matches reports whether a rule applies to an IPv4 address (wildcard bits set
// to 1 are "don't care").
func (r aclRule) matches(a netip.Addr) bool {
	if r.any {
		return true
	}
	if !a.Is4() {
		return false
	}
	x, s, w := a.As4(), r.source.As4(), r.wildcard.As4()
	for i := range x {
		if x[i]&^w[i] != s[i]&^w[i] {
			return false
		}
	}
	return true
}

// allows applies an ACL: the first matching rule decides; an ACL with no
// rules, or no matching rule, lets the address through only when it has no
// rules (the device's "works only once it has rule lines").
func (l *acl) allows(a netip.Addr) bool {
	for _, r := range l.rules {
		if r.matches(a) {
			return r.permit
		}
	}
	return len(l.rules) == 0
}

func (r aclRule) String() string {
	action := "deny"
	if r.permit {
		action = "permit"
	}
	if r.any {
		return fmt.Sprintf("rule %d %s", r.id, action)
	}
	w := r.wildcard.String()
	if w == "0.0.0.0" {
		w = "0"
	}
	return fmt.Sprintf("rule %d %s source %s %s", r.id, action, r.source, w)
}

// aclConfig is the basic ACLs, by number.
type aclConfig map[int]*acl

// clone returns a deep copy (nil when there is no ACL: a copy is only read).
func (c aclConfig) clone() aclConfig {
	if len(c) == 0 {
		return nil
	}
	out := make(aclConfig, len(c))
	for n, l := range c {
		out[n] = &acl{number: n, rules: slices.Clone(l.rules)}
	}
	return out
}

// numbers returns the ACL numbers in order.
func (c aclConfig) numbers() []int {
	return slices.Sorted(maps.Keys(c))
}

// render writes the ACL sections of the configuration, by number; only
// only returns the ACL of that number when it is not 0.
func (c aclConfig) render(b *strings.Builder, only int) {
	for _, n := range c.numbers() {
		if only != 0 && n != only {
			continue
		}
		fmt.Fprintf(b, "acl number %d\n", n)
		for _, r := range c[n].rules {
			fmt.Fprintf(b, " %s\n", r)
		}
		b.WriteString("#\n")
	}
}

// text is display acl's answer: every ACL, or the one numbered n.
func (c aclConfig) text(n int) string {
	var b strings.Builder
	for _, k := range c.numbers() {
		if n != 0 && k != n {
			continue
		}
		l := c[k]
		fmt.Fprintf(&b, "Basic ACL %d, %d rule\nAcl's step is 5\n", k, len(l.rules))
		for _, r := range l.rules {
			fmt.Fprintf(&b, " %s\n", r)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// aclText is display acl's answer: every ACL (n = 0) or the one numbered n.
func (d *Device) aclText(n int) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg.acls.text(n)
}

// aclLocked returns ACL n, created when it does not exist. The caller
// holds d.mu.
func (d *Device) aclLocked(n int) *acl {
	l := d.cfg.acls[n]
	if l == nil {
		l = &acl{number: n}
		d.cfg.acls[n] = l
	}
	return l
}

// createACL creates ACL n unless it exists.
func (d *Device) createACL(n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.aclLocked(n)
}

// deleteACL deletes ACL n. It reports whether it existed.
func (d *Device) deleteACL(n int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cfg.acls[n] == nil {
		return false
	}
	delete(d.cfg.acls, n)
	d.aclChangedLocked()
	return true
}

// aclStep is how the device numbers rules given without an ID.
const aclStep = 5

// setACLRule adds rule r to ACL n, or replaces the rule of its ID; a rule
// without ID (negative) gets the multiple of aclStep after the highest ID.
func (d *Device) setACLRule(n int, r aclRule) {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.aclLocked(n)
	if r.id < 0 {
		r.id = aclStep
		for _, o := range l.rules {
			r.id = max(r.id, (o.id/aclStep+1)*aclStep)
		}
	}
	if i := slices.IndexFunc(l.rules, func(o aclRule) bool { return o.id == r.id }); i >= 0 {
		l.rules[i] = r
	} else {
		l.rules = append(l.rules, r)
		slices.SortFunc(l.rules, func(a, b aclRule) int { return a.id - b.id })
	}
	d.aclChangedLocked()
}

// deleteACLRule deletes rule id of ACL n. It reports whether there was one.
func (d *Device) deleteACLRule(n, id int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.cfg.acls[n]
	if l == nil {
		return false
	}
	i := slices.IndexFunc(l.rules, func(o aclRule) bool { return o.id == id })
	if i < 0 {
		return false
	}
	l.rules = slices.Delete(l.rules, i, i+1)
	d.aclChangedLocked()
	return true
}
