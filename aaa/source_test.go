package aaa

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// addrs compares netip.Addr values in cmp.Diff.
var addrs = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

// sourceLog records lockout events with their source, as "kind user source
// [reason]" lines.
type sourceLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *sourceLog) Log(e Event) {
	if e.Kind != EventLocked && e.Kind != EventUnlocked {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	line := fmt.Sprintf("%v %s %v", e.Kind, e.User, e.Source)
	if e.Reason != "" {
		line += ": " + e.Reason
	}
	l.lines = append(l.lines, line)
}

func (l *sourceLog) Take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := l.lines
	l.lines = nil
	return lines
}

// TestLockoutPerSource: wrong passwords from one address lock the account for
// that address only; the user logs in from another address meanwhile, and
// the snapshot and the events say which address is locked out.
func TestLockoutPerSource(t *testing.T) {
	clk, log := newClock(), &sourceLog{}
	db := New(Options{Now: clk.Now, Log: log.Log, KDF: cheapKDF})
	addUser(t, db, "admin", "Admin@huawei", ServiceSSH|ServiceFTP)
	attacker := netip.MustParseAddr("127.0.0.2")
	user := netip.MustParseAddr("127.0.0.3")
	mapped := netip.MustParseAddr("::ffff:127.0.0.2") // the attacker over IPv6
	start := clk.Now()

	login := func(src netip.Addr, password string) string {
		t.Helper()
		_, err := db.Authenticate("admin", password, ServiceSSH, src)
		return reason(err)
	}
	var got []string
	got = append(got, login(user, "wrong"))
	for range 3 {
		got = append(got, login(attacker, "wrong"))
	}
	clk.Advance(time.Minute)
	got = append(got,
		login(attacker, "Admin@huawei"),
		login(mapped, "Admin@huawei"),
		login(user, "Admin@huawei"),
		login(netip.Addr{}, "Admin@huawei"), // the console
	)
	want := []string{
		ReasonWrongPassword,
		ReasonWrongPassword, ReasonWrongPassword, ReasonWrongPassword,
		ReasonLocked, ReasonLocked, "ok", "ok",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("logins (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"locked admin 127.0.0.2"}, log.Take()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	// The user's success cleared its own count only.
	login(user, "wrong")
	u, _ := db.Lookup("admin")
	wantUser := struct {
		Sources       []SourceLockout
		Locked        bool
		LockedUntil   time.Time
		FailCount     int
		FailWindowEnd time.Time
		State         State
	}{
		Sources: []SourceLockout{
			{Source: attacker, LockedUntil: start.Add(5 * time.Minute)},
			{Source: user, FailCount: 1, FailWindowEnd: start.Add(6 * time.Minute)},
		},
		Locked: true, LockedUntil: start.Add(5 * time.Minute),
		FailCount: 1, FailWindowEnd: start.Add(6 * time.Minute),
		State: StateBlock,
	}
	gotUser := wantUser
	gotUser.Sources, gotUser.Locked, gotUser.LockedUntil = u.Sources, u.Locked, u.LockedUntil
	gotUser.FailCount, gotUser.FailWindowEnd, gotUser.State = u.FailCount, u.FailWindowEnd, u.EffectiveState()
	if diff := cmp.Diff(wantUser, gotUser, addrs); diff != "" {
		t.Errorf("snapshot (-want +got):\n%s", diff)
	}
	if !u.Sources[0].Locked() || u.Sources[1].Locked() {
		t.Errorf("SourceLockout.Locked: %v %v, want true false", u.Sources[0].Locked(), u.Sources[1].Locked())
	}

	// The lock ends at block-time; the console's and the user's sources
	// lock on their own.
	clk.Advance(4 * time.Minute)
	for range 3 {
		login(netip.Addr{}, "wrong")
	}
	got = []string{login(attacker, "Admin@huawei"), login(netip.Addr{}, "Admin@huawei"), login(user, "Admin@huawei")}
	if diff := cmp.Diff([]string{"ok", ReasonLocked, "ok"}, got); diff != "" {
		t.Errorf("after block-time (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"unlocked admin 127.0.0.2: " + UnlockExpired, "locked admin invalid IP"}, log.Take()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	// `state active` clears every source's lock, each with its event.
	for range 3 {
		login(attacker, "wrong")
	}
	log.Take()
	if err := db.Update("admin", func(u *User) error { u.SetState(StateActive); return nil }); err != nil {
		t.Fatal(err)
	}
	want = []string{"unlocked admin invalid IP: " + UnlockActive, "unlocked admin 127.0.0.2: " + UnlockActive}
	if diff := cmp.Diff(want, log.Take()); diff != "" {
		t.Errorf("state active events (-want +got):\n%s", diff)
	}
	if u, _ := db.Lookup("admin"); u.Locked || len(u.Sources) != 0 {
		t.Errorf("after state active: Locked=%v Sources=%v", u.Locked, u.Sources)
	}
}

// TestLockoutSourceLimit: the lockout remembers MaxLockoutSources sources
// per user; a new one makes it forget the one whose count ends first.
func TestLockoutSourceLimit(t *testing.T) {
	db, clk, _ := newTestDB(t)
	addUser(t, db, "admin", "Admin@huawei", ServiceSSH)
	src := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{127, 1, byte(i >> 8), byte(i)}) }
	for i := range MaxLockoutSources {
		db.Authenticate("admin", "wrong", ServiceSSH, src(i))
		if i == 0 {
			clk.Advance(time.Second) // source 0's count ends first
		}
	}
	clk.Advance(time.Second)
	// Source 1 comes back: it is known, nothing is forgotten.
	db.Authenticate("admin", "wrong", ServiceSSH, src(1))
	db.Authenticate("admin", "wrong", ServiceSSH, src(MaxLockoutSources))
	u, _ := db.Lookup("admin")
	if len(u.Sources) != MaxLockoutSources {
		t.Fatalf("%d sources kept, want %d", len(u.Sources), MaxLockoutSources)
	}
	kept := map[netip.Addr]int{}
	for _, s := range u.Sources {
		kept[s.Source] = s.FailCount
	}
	if _, ok := kept[src(0)]; ok {
		t.Error("the source whose count ended first was kept")
	}
	if kept[src(1)] != 2 || kept[src(2)] != 1 || kept[src(MaxLockoutSources)] != 1 {
		t.Errorf("counts of sources 1, 2 and the new one: %d %d %d, want 2 1 1",
			kept[src(1)], kept[src(2)], kept[src(MaxLockoutSources)])
	}
}

// TestRefusalsTakeOneKDF: every refusal reason runs the KDF exactly once,
// also when the right password is in the login cache, so a refusal takes the
// same work whether or not the password was right. Only a success may skip
// it.
func TestRefusalsTakeOneKDF(t *testing.T) {
	var mu sync.Mutex
	runs := 0
	clk := newClock()
	db := New(Options{Now: clk.Now, KDF: cheapKDF, KDFHook: func() { mu.Lock(); runs++; mu.Unlock() }})
	count := func(f func()) int {
		mu.Lock()
		runs = 0
		mu.Unlock()
		f()
		mu.Lock()
		defer mu.Unlock()
		return runs
	}
	const pw = "Huawei@123"
	addUser(t, db, "huawei", pw, ServiceFTP|ServiceSSH)
	addUser(t, db, "nopw", pw, ServiceFTP)
	addUser(t, db, "foreign", pw, ServiceFTP)
	if err := db.Update("nopw", func(u *User) error { u.HasPassword = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetPassword("foreign", "%^%#device-cipher-text%^%#", Cipher); err != nil {
		t.Fatal(err)
	}
	if err := db.Update("huawei", func(u *User) error { u.AccessLimit = 1; return nil }); err != nil {
		t.Fatal(err)
	}
	src := netip.MustParseAddr("127.0.0.3")
	attempt := func(name, password string, svc Service, check func(User) error) Attempt {
		return Attempt{Name: name, Password: password, Service: svc, Source: src, Check: check}
	}
	errCheck := errors.New("the user level is lower than 3")
	refuseCheck := func(User) error { return errCheck }

	// A first login fills the cache (one KDF); the same password then
	// succeeds without the KDF.
	var release func()
	if n := count(func() {
		var err error
		if _, release, err = db.Login(context.Background(), attempt("huawei", pw, ServiceFTP, nil)); err != nil {
			t.Fatal(err)
		}
	}); n != 1 {
		t.Errorf("first login: %d KDF runs, want 1", n)
	}
	release()
	if n := count(func() {
		if _, err := db.Authenticate("huawei", pw, ServiceSSH, src); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("cached login: %d KDF runs, want 0", n)
	}
	_, held, err := db.Login(context.Background(), attempt("huawei", pw, ServiceFTP, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer held()

	tests := []struct {
		name  string
		login func() error
		want  string
	}{
		{"unknown user", func() error {
			_, err := db.AuthenticateContext(context.Background(), attempt("nobody", pw, ServiceFTP, nil))
			return err
		}, ReasonNoSuchUser},
		{"wrong password", func() error {
			_, err := db.AuthenticateContext(context.Background(), attempt("huawei", "wrong", ServiceFTP, nil))
			return err
		}, ReasonWrongPassword},
		{"no password", func() error {
			_, err := db.AuthenticateContext(context.Background(), attempt("nopw", pw, ServiceFTP, nil))
			return err
		}, ReasonNoPassword},
		{"foreign cipher text", func() error {
			_, err := db.AuthenticateContext(context.Background(), attempt("foreign", pw, ServiceFTP, nil))
			return err
		}, ReasonUnverifiable},
		{"service denied", func() error {
			_, err := db.AuthenticateContext(context.Background(), attempt("huawei", pw, ServiceTelnet, nil))
			return err
		}, ReasonServiceDenied},
		{"no service", func() error {
			_, err := db.AuthenticateContext(context.Background(), attempt("huawei", pw, 0, nil))
			return err
		}, ReasonInvalidService},
		{"refused by Check", func() error {
			_, err := db.AuthenticateContext(context.Background(), attempt("huawei", pw, ServiceFTP, refuseCheck))
			return err
		}, errCheck.Error()},
		{"access limit", func() error {
			_, _, err := db.Login(context.Background(), attempt("huawei", pw, ServiceFTP, nil))
			return err
		}, ReasonAccessLimit},
		{"blocked", func() error {
			db.Update("huawei", func(u *User) error { u.SetState(StateBlock); return nil })
			defer db.Update("huawei", func(u *User) error { u.SetState(StateActive); return nil })
			_, err := db.AuthenticateContext(context.Background(), attempt("huawei", pw, ServiceFTP, nil))
			return err
		}, ReasonBlocked},
		{"locked", func() error {
			for range 3 {
				db.Authenticate("huawei", "wrong", ServiceFTP, netip.MustParseAddr("127.0.0.4"))
			}
			_, err := db.Authenticate("huawei", pw, ServiceFTP, netip.MustParseAddr("127.0.0.4"))
			return err
		}, ReasonLocked},
	}
	for _, tt := range tests {
		var err error
		runs := 1
		if tt.name == "locked" {
			runs = 4 // three wrong passwords, then the refusal
		}
		if n := count(func() { err = tt.login() }); n != runs {
			t.Errorf("%s: %d KDF runs, want %d", tt.name, n, runs)
		}
		if got := reason(err); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	if _, _, err := db.Login(context.Background(), attempt("huawei", pw, ServiceFTP, nil)); !errors.Is(err, ErrAccessLimit) {
		t.Errorf("access-limit refusal %v does not match ErrAccessLimit", err)
	}
	// The refusals left the cache as it was: the password still logs in
	// without the KDF.
	if n := count(func() {
		if _, err := db.Authenticate("huawei", pw, ServiceSSH, src); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("cached login after the refusals: %d KDF runs, want 0", n)
	}
}
