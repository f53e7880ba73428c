package vrp

import (
	"fmt"
	"net/netip"
	"sort"
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

func (d *Device) aclText(n int) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var nums []int
	for k := range d.cfg.acls {
		if n == 0 || k == n {
			nums = append(nums, k)
		}
	}
	sort.Ints(nums)
	var b strings.Builder
	for _, k := range nums {
		l := d.cfg.acls[k]
		fmt.Fprintf(&b, "Basic ACL %d, %d rule\nAcl's step is 5\n", k, len(l.rules))
		for _, r := range l.rules {
			fmt.Fprintf(&b, " %s\n", r)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// renderACLs writes the ACL sections of the configuration, by number.
func renderACLs(b *strings.Builder, acls map[int]*acl) {
	var nums []int
	for n := range acls {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		fmt.Fprintf(b, "acl number %d\n", n)
		for _, r := range acls[n].rules {
			fmt.Fprintf(b, " %s\n", r)
		}
		b.WriteString("#\n")
	}
}
