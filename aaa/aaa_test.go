package aaa

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// cheapKDF keeps the tests fast; the benchmarks use the default.
var cheapKDF = KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// testSource is the source address of the tests' logins.
var testSource = netip.MustParseAddr("127.0.0.2")

// clock is a settable clock for lockout timelines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// eventLog records events as "kind user reason" lines.
type eventLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *eventLog) Log(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	line := e.Kind.String() + " " + e.User
	if e.Reason != "" {
		line += ": " + e.Reason
	}
	l.lines = append(l.lines, line)
}

// Take returns the lines logged since the last call.
func (l *eventLog) Take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := l.lines
	l.lines = nil
	return lines
}

func newTestDB(t testing.TB) (*DB, *clock, *eventLog) {
	t.Helper()
	c, l := newClock(), &eventLog{}
	return New(Options{Now: c.Now, Log: l.Log, KDF: cheapKDF}), c, l
}

// addUser creates a user with a password and the given services.
func addUser(t testing.TB, db *DB, name, password string, svc Service) {
	t.Helper()
	if _, err := db.SetPassword(name, password, Cipher); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(name, func(u *User) error { u.Services = svc; return nil }); err != nil {
		t.Fatal(err)
	}
}

// reason returns the AuthError reason of err, "ok" for nil, or err's text if
// it is not an AuthError matching ErrAuthFailed.
func reason(err error) string {
	if err == nil {
		return "ok"
	}
	var ae *AuthError
	if errors.As(err, &ae) && errors.Is(err, ErrAuthFailed) {
		return ae.Reason
	}
	return "unexpected error: " + err.Error()
}

func TestServiceRendering(t *testing.T) {
	tests := []struct {
		svc   Service
		words []string
		mask  string
		str   string
	}{
		{0, nil, "-", "none"},
		{ServiceFTP, []string{"ftp"}, "F", "ftp"},
		{ServiceHTTP, []string{"http"}, "H", "http"},
		{ServiceTelnet | ServiceTerminal | ServiceHTTP, []string{"http", "telnet", "terminal"}, "TMH", "http telnet terminal"},
		{ServiceSSH | ServiceHTTP, []string{"http", "ssh"}, "SH", "http ssh"},
		{ServiceFTP | ServiceTelnet, []string{"ftp", "telnet"}, "FT", "ftp telnet"},
		{ServiceTerminal | ServiceSSH | ServiceFTP, []string{"ftp", "ssh", "terminal"}, "FMS", "ftp ssh terminal"},
		{ServiceAll, []string{"8021x", "api", "ftp", "http", "ppp", "ssh", "telnet", "terminal", "web", "x25-pad"}, "FTMSHWXPID", "8021x api ftp http ppp ssh telnet terminal web x25-pad"},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			if diff := cmp.Diff(tt.words, tt.svc.Words()); diff != "" {
				t.Errorf("Words (-want +got):\n%s", diff)
			}
			if got := tt.svc.Mask(); got != tt.mask {
				t.Errorf("Mask = %q, want %q", got, tt.mask)
			}
			if got := tt.svc.String(); got != tt.str {
				t.Errorf("String = %q, want %q", got, tt.str)
			}
		})
	}
}

func TestParseService(t *testing.T) {
	for _, w := range ServiceWords() {
		s, ok := ParseService(w)
		if !ok || s.Words()[0] != w || s&(s-1) != 0 {
			t.Errorf("ParseService(%q) = %v, %v", w, s, ok)
		}
		if up, ok := ParseService(strings.ToUpper(w)); !ok || up != s {
			t.Errorf("ParseService(%q) = %v, %v; want %v", strings.ToUpper(w), up, ok, s)
		}
	}
	for _, w := range []string{"", "ft", "ftps", "all", "x25", "802.1x"} {
		if s, ok := ParseService(w); ok {
			t.Errorf("ParseService(%q) = %v, true; want false", w, s)
		}
	}
	if got, want := len(ServiceWords()), 10; got != want {
		t.Errorf("%d service words, want %d", got, want)
	}
	if !(ServiceFTP | ServiceSSH).Insecure() || ServiceSSH.Insecure() || !ServiceHTTP.Insecure() || !ServiceTelnet.Insecure() {
		t.Error("Insecure does not match Telnet/FTP/HTTP")
	}
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"huawei", true},
		{"admin", true},
		{"hcia-admin@datacom", true},
		{"A_b.c-1~!#$%&'()+,;=[]^`{}", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{"a b", false},
		{"a\tb", false},
		{"é", false},
		{"@domain", false},
		{"user@", false},
		{"a@b@c", false},
	}
	for _, c := range `/\:*?"<>|` {
		tests = append(tests, struct {
			name string
			ok   bool
		}{"a" + string(c) + "b", false})
	}
	for _, tt := range tests {
		err := ValidateName(tt.name)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalidName)) {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		db, _, _ := newTestDB(t)
		if _, err := db.SetPassword(tt.name, "huawei123", Cipher); (err == nil) != tt.ok {
			t.Errorf("SetPassword(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestSetPasswordRules(t *testing.T) {
	tests := []struct {
		password string
		ok       bool
	}{
		{"huawei123", true},
		{"huawei", true},
		{"a", true},
		{"Admin@huawei", true},
		{`!"#$%&'()*+,-./:;<=>?@[\]^_{|}~`, true},
		{strings.Repeat("x", 128), true},
		{strings.Repeat("x", 129), false},
		{"", false},
		{"two words", false},
		{"tab\there", false},
		{"ümlaut", false},
		{"%$%$has space%$%$", false},
		{"%$%$" + strings.Repeat("x", 257) + "%$%$", false},
	}
	for _, tt := range tests {
		db, _, _ := newTestDB(t)
		created, err := db.SetPassword("user", tt.password, Cipher)
		if (err == nil) != tt.ok || created != tt.ok {
			t.Errorf("SetPassword(%q) = %v, %v; want ok=%v", tt.password, created, err, tt.ok)
			continue
		}
		if !tt.ok {
			if !errors.Is(err, ErrInvalidPassword) {
				t.Errorf("SetPassword(%q) error %v is not ErrInvalidPassword", tt.password, err)
			}
			if _, ok := db.Lookup("user"); ok {
				t.Errorf("SetPassword(%q) failed but created the user", tt.password)
			}
			continue
		}
		addUser(t, db, "user", tt.password, ServiceSSH)
		if _, err := db.Authenticate("user", tt.password, ServiceSSH, testSource); err != nil {
			t.Errorf("Authenticate with %q: %v", tt.password, err)
		}
	}
}

func TestCipherTextRoundTrip(t *testing.T) {
	for _, kind := range []PasswordKind{Cipher, IrreversibleCipher} {
		t.Run(kind.String(), func(t *testing.T) {
			db, _, _ := newTestDB(t)
			if _, err := db.SetPassword("huawei", "huawei123", kind); err != nil {
				t.Fatal(err)
			}
			ct, ok := db.CipherText("HUAWEI")
			if !ok {
				t.Fatal("CipherText: no password")
			}
			if strings.Contains(ct, "huawei123") || strings.ContainsAny(ct, " ?\"\\|\t") {
				t.Errorf("cipher text %q leaks the password or has a forbidden character", ct)
			}
			pre, suf := "%$%$", "%$%$"
			if kind == IrreversibleCipher {
				pre, suf = "$1a$", "$"
			}
			if !strings.HasPrefix(ct, pre) || !strings.HasSuffix(ct, suf) || strings.Count(ct, "$") != strings.Count(pre+suf, "$") {
				t.Errorf("cipher text %q is not framed as %s...%s", ct, pre, suf)
			}

			// Replay into another device, as from a saved configuration.
			other, _, _ := newTestDB(t)
			created, err := other.SetPassword("huawei", ct, kind)
			if err != nil || !created {
				t.Fatalf("replay SetPassword = %v, %v", created, err)
			}
			got, _ := other.CipherText("huawei")
			if got != ct {
				t.Errorf("replayed cipher text = %q, want %q", got, ct)
			}
			if err := other.Update("huawei", func(u *User) error { u.Services = ServiceFTP; return nil }); err != nil {
				t.Fatal(err)
			}
			if _, err := other.Authenticate("huawei", "huawei123", ServiceFTP, testSource); err != nil {
				t.Errorf("Authenticate after replay: %v", err)
			}
			if _, err := other.Authenticate("huawei", ct, ServiceFTP, testSource); reason(err) != ReasonWrongPassword {
				t.Errorf("the cipher text itself logs in: %v", err)
			}

			// Setting the same plaintext again makes a new salt.
			if _, err := db.SetPassword("huawei", "huawei123", kind); err != nil {
				t.Fatal(err)
			}
			if again, _ := db.CipherText("huawei"); again == ct {
				t.Errorf("same cipher text %q for a new hash: salt not random", again)
			}
		})
	}
}

func TestPasswordKindChangeKeepsHash(t *testing.T) {
	db, _, _ := newTestDB(t)
	addUser(t, db, "huawei", "huawei123", 0)
	ct, _ := db.CipherText("huawei")
	before, after, err := db.Edit("huawei", func(u *User) error {
		u.Services = ServiceFTP
		if u.Services.Insecure() && u.PasswordKind == Cipher {
			u.PasswordKind = IrreversibleCipher
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if before.PasswordKind != Cipher || after.PasswordKind != IrreversibleCipher {
		t.Errorf("kind before/after = %v/%v, want cipher/irreversible-cipher", before.PasswordKind, after.PasswordKind)
	}
	irr, _ := db.CipherText("huawei")
	if want := "$1a$" + strings.TrimSuffix(strings.TrimPrefix(ct, "%$%$"), "%$%$") + "$"; irr != want {
		t.Errorf("irreversible cipher text = %q, want %q", irr, want)
	}
	if _, err := db.Authenticate("huawei", "huawei123", ServiceFTP, testSource); err != nil {
		t.Errorf("Authenticate: %v", err)
	}
}

func TestForeignCipherText(t *testing.T) {
	// Cipher texts written by real devices (docs/device-reference.md samples and shapes).
	for _, tt := range []struct {
		text string
		kind PasswordKind
	}{
		{"%$%$=i~>Xp&aY+*2cEVcS-A23Uwe%$%$", Cipher},
		{"%$%$f+~&ZkCn]NUX7m.t;tF9R48s%$%$", Cipher},
		{"%^%#abc'def%^%#", Cipher},
		{"$1a$R/=1Xy!$kQ8$", IrreversibleCipher},
		{"$1c$abc$", IrreversibleCipher},
		{"%$%$AQIBAQEBAQEBAQEBAQ%$%$", Cipher}, // our framing, not our hash
	} {
		db, _, _ := newTestDB(t)
		if _, err := db.SetPassword("admin", tt.text, tt.kind); err != nil {
			t.Errorf("SetPassword(%q): %v", tt.text, err)
			continue
		}
		if got, _ := db.CipherText("admin"); got != tt.text {
			t.Errorf("CipherText = %q, want %q", got, tt.text)
		}
		_ = db.Update("admin", func(u *User) error { u.Services = ServiceHTTP; return nil })
		u, _ := db.Lookup("admin")
		if !u.HasPassword || u.PasswordVerifiable {
			t.Errorf("%q: HasPassword=%v PasswordVerifiable=%v, want true false", tt.text, u.HasPassword, u.PasswordVerifiable)
		}
		for _, pw := range []string{tt.text, "admin", ""} {
			if _, err := db.Authenticate("admin", pw, ServiceHTTP, testSource); reason(err) != ReasonUnverifiable {
				t.Errorf("%q: Authenticate(%q) = %v, want %q", tt.text, pw, err, ReasonUnverifiable)
			}
		}
	}
}

func TestAuthenticateUniformErrors(t *testing.T) {
	db, _, _ := newTestDB(t)
	addUser(t, db, "huawei", "huawei123", ServiceFTP|ServiceSSH)
	addUser(t, db, "blocked", "huawei123", ServiceFTP)
	_ = db.Update("blocked", func(u *User) error { u.SetState(StateBlock); return nil })
	if _, err := db.Create("nopass"); err != nil {
		t.Fatal(err)
	}
	_ = db.Update("nopass", func(u *User) error { u.Services = ServiceFTP; return nil })
	addUser(t, db, "webonly", "huawei123", ServiceHTTP)

	tests := []struct {
		user, password string
		svc            Service
		want           string
	}{
		{"huawei", "huawei123", ServiceFTP, "ok"},
		{"HuaWei", "huawei123", ServiceSSH, "ok"},
		{"huawei", "Huawei123", ServiceFTP, ReasonWrongPassword},
		{"huawei", "", ServiceFTP, ReasonWrongPassword},
		{"nobody", "huawei123", ServiceFTP, ReasonNoSuchUser},
		{"", "", ServiceFTP, ReasonNoSuchUser},
		{"blocked", "huawei123", ServiceFTP, ReasonBlocked},
		{"nopass", "", ServiceFTP, ReasonNoPassword},
		{"webonly", "huawei123", ServiceFTP, ReasonServiceDenied},
		{"huawei", "huawei123", ServiceTelnet, ReasonServiceDenied},
		{"huawei", "huawei123", 0, ReasonInvalidService},
		{"huawei", "huawei123", ServiceFTP | ServiceSSH, ReasonInvalidService},
	}
	for _, tt := range tests {
		u, err := db.Authenticate(tt.user, tt.password, tt.svc, testSource)
		if got := reason(err); got != tt.want {
			t.Errorf("Authenticate(%q, %q, %v) = %q, want %q", tt.user, tt.password, tt.svc, got, tt.want)
		}
		if err != nil {
			// What the peer sees does not depend on the reason.
			if !errors.Is(err, ErrAuthFailed) || errors.Is(err, ErrNoSuchUser) || !cmp.Equal(u, User{}, addrs) {
				t.Errorf("Authenticate(%q): refusal %v / %+v is not uniform", tt.user, err, u)
			}
			if strings.Contains(err.Error(), tt.password) && tt.password != "" {
				t.Errorf("error %q contains the password", err)
			}
		} else if u.Name != "huawei" {
			t.Errorf("Authenticate(%q) returned user %q, want the stored name", tt.user, u.Name)
		}
	}
}

func TestAuthenticateHostileInput(t *testing.T) {
	db, _, log := newTestDB(t)
	addUser(t, db, "huawei", "huawei123", ServiceFTP)
	log.Take()
	long := "huawei123" + strings.Repeat("x", 1<<20)
	if _, err := db.Authenticate("huawei", long, ServiceFTP, testSource); reason(err) != ReasonWrongPassword {
		t.Errorf("1 MiB password: %v", err)
	}
	// A password that matches once cut to the maximum length still fails.
	addUser(t, db, "max", strings.Repeat("p", MaxPasswordLen), ServiceFTP)
	if _, err := db.Authenticate("max", strings.Repeat("p", MaxPasswordLen+1), ServiceFTP, testSource); reason(err) != ReasonWrongPassword {
		t.Errorf("129-character password: %v", err)
	}
	log.Take()
	_, err := db.Authenticate("evil\r\nFTPS/5/LOGIN_OK\x00"+strings.Repeat("n", 100), "x", ServiceFTP, testSource)
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an AuthError", err)
	}
	want := "evil??FTPS/5/LOGIN_OK?" + strings.Repeat("n", 42) + "..."
	if ae.User != want {
		t.Errorf("AuthError.User = %q, want %q", ae.User, want)
	}
	if diff := cmp.Diff([]string{"login failed " + want + ": " + ReasonNoSuchUser}, log.Take()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestAuthenticateCanceled(t *testing.T) {
	db, _, log := newTestDB(t)
	addUser(t, db, "huawei", "huawei123", ServiceFTP)
	log.Take()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := 0; i < 5; i++ {
		_, err := db.AuthenticateContext(ctx, Attempt{Name: "huawei", Password: "bad", Service: ServiceFTP, Source: testSource})
		if reason(err) != ReasonCanceled || !errors.Is(err, context.Canceled) {
			t.Fatalf("canceled: %v", err)
		}
		if _, _, err := db.Login(ctx, Attempt{Name: "huawei", Password: "huawei123", Service: ServiceFTP, Source: testSource}); !errors.Is(err, context.Canceled) {
			t.Fatalf("canceled Login: %v", err)
		}
	}
	if u, _ := db.Lookup("huawei"); u.FailCount != 0 || u.Locked {
		t.Errorf("canceled attempts counted: %+v", u)
	}
	if got := len(log.Take()); got != 10 {
		t.Errorf("%d events, want 10 login failures", got)
	}

	// Waiting for a hashing slot ends with the context.
	one := New(Options{KDF: cheapKDF, MaxConcurrentHashes: 1})
	one.sem <- struct{}{} // the only slot is taken
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := one.AuthenticateContext(ctx, Attempt{Name: "x", Password: "y", Service: ServiceFTP, Source: testSource})
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("waiting for a slot: %v", err)
	}
	<-one.sem
}

func TestLockoutTimeline(t *testing.T) {
	db, clk, log := newTestDB(t)
	addUser(t, db, "huawei", "huawei123", ServiceFTP)
	log.Take()

	type step struct {
		advance  time.Duration
		password string // "" = no login, just Lookup
		want     string
		locked   bool
		fails    int
		events   []string
	}
	wrong := func(int) []string { return []string{"login failed huawei: " + ReasonWrongPassword} }
	steps := []step{
		{0, "bad1", ReasonWrongPassword, false, 1, wrong(1)},
		{time.Minute, "bad2", ReasonWrongPassword, false, 2, wrong(2)},
		// The 5-minute interval from the first failure ends: the count restarts.
		{4 * time.Minute, "bad3", ReasonWrongPassword, false, 1, wrong(3)},
		{time.Minute, "huawei123", "ok", false, 0, []string{"login ok huawei"}},
		{0, "bad", ReasonWrongPassword, false, 1, wrong(1)},
		{time.Second, "bad", ReasonWrongPassword, false, 2, wrong(2)},
		{time.Second, "bad", ReasonWrongPassword, true, 0, []string{"locked huawei", "login failed huawei: " + ReasonWrongPassword}},
		{time.Minute, "huawei123", ReasonLocked, true, 0, []string{"login failed huawei: " + ReasonLocked}},
		// Wrong passwords while locked do not prolong the lock.
		{3 * time.Minute, "bad", ReasonLocked, true, 0, []string{"login failed huawei: " + ReasonLocked}},
		{time.Minute - time.Second, "", "", true, 0, nil},
		{time.Second, "", "", false, 0, []string{"unlocked huawei: " + UnlockExpired}},
		{0, "huawei123", "ok", false, 0, []string{"login ok huawei"}},
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		if s.password != "" {
			_, err := db.Authenticate("huawei", s.password, ServiceFTP, testSource)
			if got := reason(err); got != s.want {
				t.Errorf("step %d: Authenticate = %q, want %q", i, got, s.want)
			}
		}
		u, _ := db.Lookup("huawei")
		if u.Locked != s.locked || u.FailCount != s.fails {
			t.Errorf("step %d: Locked=%v FailCount=%d, want %v %d", i, u.Locked, u.FailCount, s.locked, s.fails)
		}
		if diff := cmp.Diff(s.events, log.Take()); diff != "" {
			t.Errorf("step %d: events (-want +got):\n%s", i, diff)
		}
	}
}

func TestLockoutBlockTimeAndDisplayFields(t *testing.T) {
	db, clk, _ := newTestDB(t)
	addUser(t, db, "u", "pw", ServiceSSH)
	db.SetLockoutPolicy(LockoutPolicy{Enabled: true, RetryInterval: 10 * time.Minute, RetryTime: 4, BlockTime: 30 * time.Minute})
	start := clk.Now()
	for i := 0; i < 3; i++ {
		_, _ = db.Authenticate("u", "x", ServiceSSH, testSource)
	}
	u, _ := db.Lookup("u")
	if u.FailCount != 3 || !u.FailWindowEnd.Equal(start.Add(10*time.Minute)) || u.Locked {
		t.Fatalf("after 3 failures: %+v", u)
	}
	clk.Advance(time.Minute)
	_, _ = db.Authenticate("u", "x", ServiceSSH, testSource)
	u, _ = db.Lookup("u")
	if !u.Locked || !u.LockedUntil.Equal(start.Add(31*time.Minute)) || u.EffectiveState() != StateBlock || u.State != StateActive {
		t.Fatalf("after 4 failures: Locked=%v LockedUntil=%v state %v/%v", u.Locked, u.LockedUntil, u.State, u.EffectiveState())
	}
	clk.Advance(29*time.Minute + 59*time.Second)
	if _, err := db.Authenticate("u", "pw", ServiceSSH, testSource); reason(err) != ReasonLocked {
		t.Errorf("1s before the end: %v", err)
	}
	clk.Advance(time.Second)
	if _, err := db.Authenticate("u", "pw", ServiceSSH, testSource); err != nil {
		t.Errorf("at the end of block-time: %v", err)
	}
}

func TestStateActiveClearsLock(t *testing.T) {
	tests := []struct {
		name       string
		fn         func(u *User)
		locked     bool
		state      State
		events     []string
		loginAfter string
	}{
		{"state active by assignment", func(u *User) { u.State = StateActive }, false, StateActive, []string{"unlocked huawei: " + UnlockActive}, "ok"},
		{"state active by SetState", func(u *User) { u.SetState(StateActive) }, false, StateActive, []string{"unlocked huawei: " + UnlockActive}, "ok"},
		{"Locked false", func(u *User) { u.Locked = false }, false, StateActive, []string{"unlocked huawei: " + UnlockActive}, "ok"},
		{"state block", func(u *User) { u.State = StateBlock }, true, StateBlock, nil, ReasonBlocked},
		{"privilege", func(u *User) { u.Privilege = 15 }, true, StateActive, nil, ReasonLocked},
		{"no change", func(u *User) {}, true, StateActive, nil, ReasonLocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _, log := newTestDB(t)
			addUser(t, db, "huawei", "huawei123", ServiceFTP)
			for i := 0; i < 3; i++ {
				_, _ = db.Authenticate("huawei", "bad", ServiceFTP, testSource)
			}
			log.Take()
			if u, _ := db.Lookup("huawei"); !u.Locked || u.EffectiveState() != StateBlock {
				t.Fatal("not locked after 3 wrong passwords")
			}
			before, after, err := db.Edit("huawei", func(u *User) error { tt.fn(u); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if before.State != StateActive || !before.Locked || after.State != tt.state || after.Locked != tt.locked {
				t.Errorf("before %v locked=%v, after %v locked=%v; want active true, %v %v",
					before.State, before.Locked, after.State, after.Locked, tt.state, tt.locked)
			}
			if u, _ := db.Lookup("huawei"); u.State != tt.state || u.Locked != tt.locked {
				t.Errorf("Lookup: %v locked=%v", u.State, u.Locked)
			}
			if diff := cmp.Diff(tt.events, log.Take()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if _, err := db.Authenticate("huawei", "huawei123", ServiceFTP, testSource); reason(err) != tt.loginAfter {
				t.Errorf("login after: %v, want %s", err, tt.loginAfter)
			}
		})
	}
}

func TestLockoutDisabled(t *testing.T) {
	db, _, log := newTestDB(t)
	addUser(t, db, "a", "pw", ServiceFTP)
	for i := 0; i < 3; i++ {
		_, _ = db.Authenticate("a", "bad", ServiceFTP, testSource)
	}
	log.Take()
	db.SetLockoutPolicy(LockoutPolicy{})
	if diff := cmp.Diff([]string{"unlocked a: " + UnlockDisabled}, log.Take()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for i := 0; i < 10; i++ {
		_, _ = db.Authenticate("a", "bad", ServiceFTP, testSource)
	}
	if u, _ := db.Lookup("a"); u.Locked || u.FailCount != 0 {
		t.Errorf("disabled policy: Locked=%v FailCount=%d", u.Locked, u.FailCount)
	}
	if _, err := db.Authenticate("a", "pw", ServiceFTP, testSource); err != nil {
		t.Error(err)
	}
	if got, want := db.LockoutPolicy(), (LockoutPolicy{RetryInterval: 5 * time.Minute, RetryTime: 3, BlockTime: 5 * time.Minute}); got != want {
		t.Errorf("LockoutPolicy = %+v, want %+v (clamped)", got, want)
	}
}

func TestLockoutPolicyValidate(t *testing.T) {
	d := DefaultLockoutPolicy()
	if d != (LockoutPolicy{Enabled: true, RetryInterval: 5 * time.Minute, RetryTime: 3, BlockTime: 5 * time.Minute}) {
		t.Errorf("DefaultLockoutPolicy = %+v", d)
	}
	tests := []struct {
		p  LockoutPolicy
		ok bool
	}{
		{d, true},
		{LockoutPolicy{}, true},
		{LockoutPolicy{true, 65535 * time.Minute, 65535, 65535 * time.Minute}, true},
		{LockoutPolicy{true, 4 * time.Minute, 3, 5 * time.Minute}, false},
		{LockoutPolicy{true, 5 * time.Minute, 2, 5 * time.Minute}, false},
		{LockoutPolicy{true, 5 * time.Minute, 3, 65536 * time.Minute}, false},
	}
	for _, tt := range tests {
		if err := tt.p.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%+v) = %v, want ok=%v", tt.p, err, tt.ok)
		}
	}
}

func TestAccessLimitAndDelete(t *testing.T) {
	db, _, _ := newTestDB(t)
	addUser(t, db, "huawei", "huawei123", ServiceFTP)
	if err := db.Update("huawei", func(u *User) error { u.AccessLimit = 2; return nil }); err != nil {
		t.Fatal(err)
	}
	_, r1, err := db.Login(context.Background(), Attempt{Name: "huawei", Password: "huawei123", Service: ServiceFTP, Source: testSource})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := db.Acquire("HUAWEI")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Acquire("huawei"); !errors.Is(err, ErrAccessLimit) {
		t.Errorf("third session: %v, want ErrAccessLimit", err)
	}
	if _, _, err := db.Login(context.Background(), Attempt{Name: "huawei", Password: "huawei123", Service: ServiceFTP, Source: testSource}); !errors.Is(err, ErrAccessLimit) {
		t.Errorf("third login: %v, want ErrAccessLimit", err)
	}
	if u, _ := db.Lookup("huawei"); u.Online != 2 {
		t.Errorf("Online = %d, want 2", u.Online)
	}
	if err := db.Delete("huawei"); !errors.Is(err, ErrOnline) {
		t.Errorf("Delete while online: %v, want ErrOnline", err)
	}
	r1()
	r1() // idempotent
	if u, _ := db.Lookup("huawei"); u.Online != 1 {
		t.Errorf("Online after double release = %d, want 1", u.Online)
	}
	r3, err := db.Acquire("huawei")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	r2()
	r3()
	if err := db.Delete("Huawei"); err != nil {
		t.Fatal(err)
	}
	if err := db.Delete("huawei"); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("second Delete: %v, want ErrNoSuchUser", err)
	}
	if _, err := db.Acquire("huawei"); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("Acquire deleted: %v, want ErrNoSuchUser", err)
	}
	if _, err := db.Authenticate("huawei", "huawei123", ServiceFTP, testSource); reason(err) != ReasonNoSuchUser {
		t.Errorf("Authenticate deleted: %v", err)
	}
}

func TestUnlimitedAccess(t *testing.T) {
	db, _, _ := newTestDB(t)
	addUser(t, db, "u", "p", ServiceFTP)
	var releases []func()
	for i := 0; i < 300; i++ {
		r, err := db.Acquire("u")
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		releases = append(releases, r)
	}
	for _, r := range releases {
		r()
	}
	if u, _ := db.Lookup("u"); u.Online != 0 {
		t.Errorf("Online = %d, want 0", u.Online)
	}
}

func TestUpdate(t *testing.T) {
	db, clk, _ := newTestDB(t)
	if err := db.Update("ghost", func(u *User) error { return nil }); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("Update missing user: %v, want ErrNoSuchUser", err)
	}
	created, err := db.SetPassword("Huawei", "huawei123", Cipher)
	if err != nil || !created {
		t.Fatalf("SetPassword = %v, %v", created, err)
	}
	created, err = db.SetPassword("HUAWEI", "huawei456", IrreversibleCipher)
	if err != nil || created {
		t.Fatalf("second SetPassword = %v, %v; want not created", created, err)
	}
	u, _ := db.Lookup("huawei")
	want := User{
		Name: "Huawei", HasPassword: true, PasswordKind: IrreversibleCipher, Privilege: -1,
		State: StateActive, Created: clk.Now(), PasswordSet: clk.Now(), PasswordVerifiable: true,
	}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("new user (-want +got):\n%s", diff)
	}

	set := func(u *User) error {
		u.Name = "renamed" // ignored
		u.Privilege = 15
		u.FTPDirectory = "flash:/"
		u.AccessLimit = 5
		u.IdleTimeout, u.IdleTimeoutSet = 0, true
		u.Services = ServiceFTP | ServiceSSH
		u.Online = 99 // ignored
		return nil
	}
	if err := db.Update("huawei", set); err != nil {
		t.Fatal(err)
	}
	u, _ = db.Lookup("huawei")
	want.Privilege, want.FTPDirectory, want.AccessLimit, want.IdleTimeoutSet, want.Services = 15, "flash:/", 5, true, ServiceFTP|ServiceSSH
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("updated user (-want +got):\n%s", diff)
	}

	bad := []func(u *User){
		func(u *User) { u.Privilege = 16 },
		func(u *User) { u.Privilege = -2 },
		func(u *User) { u.AccessLimit = -1 },
		func(u *User) { u.AccessLimit = 65536 },
		func(u *User) { u.IdleTimeout = -time.Second },
		func(u *User) { u.IdleTimeout = MaxIdleTimeout + time.Second },
		func(u *User) { u.FTPDirectory = strings.Repeat("d", 256) },
		func(u *User) { u.FTPDirectory = "flash:/my dir" },
		func(u *User) { u.State = 7 },
		func(u *User) { u.PasswordKind = 3 },
		func(u *User) { u.Services = 1 << 12 },
	}
	for i, f := range bad {
		err := db.Update("huawei", func(u *User) error { f(u); return nil })
		if !errors.Is(err, ErrInvalidValue) {
			t.Errorf("bad update %d: %v, want ErrInvalidValue", i, err)
		}
	}
	sentinel := errors.New("refused by caller")
	if err := db.Update("huawei", func(u *User) error { u.Privilege = 0; return sentinel }); err != sentinel {
		t.Errorf("fn error: %v", err)
	}
	if u2, _ := db.Lookup("huawei"); !cmp.Equal(u2, u, addrs) {
		t.Errorf("failed updates changed the user:\n%s", cmp.Diff(u, u2, addrs))
	}

	// Removing the password.
	if err := db.Update("huawei", func(u *User) error { u.HasPassword = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, ok := db.CipherText("huawei"); ok {
		t.Error("password still rendered after removal")
	}
	if err := db.Update("huawei", func(u *User) error { u.HasPassword = true; return nil }); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("HasPassword=true without password: %v", err)
	}
	if _, err := db.Authenticate("huawei", "huawei456", ServiceFTP, testSource); reason(err) != ReasonNoPassword {
		t.Errorf("Authenticate without password: %v", err)
	}
}

func TestUsersOrderAndCase(t *testing.T) {
	db, _, _ := newTestDB(t)
	for _, n := range []string{"zeta", "Alpha", "mid@dom"} {
		if _, err := db.SetPassword(n, "pw", Cipher); err != nil {
			t.Fatal(err)
		}
	}
	if created, err := db.Create("ALPHA"); err != nil || created {
		t.Errorf("Create existing = %v, %v", created, err)
	}
	if created, err := db.Create("nopw"); err != nil || !created {
		t.Errorf("Create new = %v, %v", created, err)
	}
	if _, err := db.Create("bad name"); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Create bad name: %v", err)
	}
	names := func() []string {
		var n []string
		for _, u := range db.Users() {
			n = append(n, u.Name)
		}
		return n
	}
	if diff := cmp.Diff([]string{"zeta", "Alpha", "mid@dom", "nopw"}, names()); diff != "" {
		t.Errorf("Users (-want +got):\n%s", diff)
	}
	if err := db.Delete("ZETA"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetPassword("Zeta", "pw", Cipher); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Alpha", "mid@dom", "nopw", "Zeta"}, names()); diff != "" {
		t.Errorf("Users after re-create (-want +got):\n%s", diff)
	}
}

func TestConcurrentUse(t *testing.T) {
	db, _, _ := newTestDB(t)
	const users = 8
	for i := 0; i < users; i++ {
		addUser(t, db, fmt.Sprintf("u%d", i), "pw", ServiceFTP)
	}
	db.SetLockoutPolicy(LockoutPolicy{})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			name := fmt.Sprintf("u%d", g%users)
			for i := 0; i < 50; i++ {
				switch i % 5 {
				case 0:
					if _, release, err := db.Login(context.Background(), Attempt{Name: name, Password: "pw", Service: ServiceFTP, Source: testSource}); err != nil {
						errs <- err
					} else {
						release()
					}
				case 1:
					if _, err := db.Authenticate(name, "wrong", ServiceFTP, testSource); reason(err) != ReasonWrongPassword {
						errs <- fmt.Errorf("wrong password: %v", err)
					}
				case 2:
					_ = db.Update(name, func(u *User) error { u.Privilege = i % 16; return nil })
				case 3:
					_ = db.Users()
				case 4:
					if _, err := db.SetPassword(name, "pw", Cipher); err != nil {
						errs <- err
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, u := range db.Users() {
		if u.Online != 0 {
			t.Errorf("%s: Online = %d after all releases", u.Name, u.Online)
		}
	}
}

func TestEventsMayCallDB(t *testing.T) {
	// The log callback runs without the DB lock held.
	var db *DB
	var seen []string
	db = New(Options{KDF: cheapKDF, Log: func(e Event) {
		u, _ := db.Lookup(e.User)
		seen = append(seen, fmt.Sprintf("%v %s online=%d", e.Kind, u.Name, u.Online))
	}})
	addUser(t, db, "a", "pw", ServiceSSH)
	if _, err := db.Authenticate("a", "pw", ServiceSSH, testSource); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"login ok a online=0"}, seen); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDefaultKDF(t *testing.T) {
	db := New(Options{})
	if _, err := db.SetPassword("huawei", "huawei123", Cipher); err != nil {
		t.Fatal(err)
	}
	ct, _ := db.CipherText("huawei")
	h, err := parseCipherText(ct)
	if err != nil {
		t.Fatal(err)
	}
	if h.params != DefaultKDFParams() || len(h.salt) != 16 || len(h.key) != 32 || h.params.MemoryKiB > 19*1024 {
		t.Errorf("stored params %+v salt %d key %d", h.params, len(h.salt), len(h.key))
	}
	// Hashes made with other parameters still verify after the defaults change.
	cheap := New(Options{KDF: cheapKDF})
	if _, err := cheap.SetPassword("huawei", ct, Cipher); err != nil {
		t.Fatal(err)
	}
	_ = cheap.Update("huawei", func(u *User) error { u.Services = ServiceFTP; return nil })
	if _, err := cheap.Authenticate("huawei", "huawei123", ServiceFTP, testSource); err != nil {
		t.Errorf("default-cost hash on a cheap DB: %v", err)
	}
}

func TestCipherTextLimits(t *testing.T) {
	// Parameters beyond the limits are not ours: kept opaque, never hashed.
	mk := func(tm, mem uint64, threads, sl, kl int) string {
		h := &passwordHash{params: KDFParams{Time: uint32(tm), MemoryKiB: uint32(mem), Threads: uint8(threads)}, salt: make([]byte, sl), key: make([]byte, kl)}
		return h.cipherText(Cipher)
	}
	good := mk(1, 64, 1, 16, 32)
	if h, err := parseCipherText(good); err != nil || h.opaque != "" {
		t.Fatalf("good hash parsed as %+v, %v", h, err)
	}
	for _, s := range []string{
		mk(17, 64, 1, 16, 32), mk(0, 64, 1, 16, 32), mk(1, 64*1024+1, 1, 16, 32), mk(1, 7, 1, 16, 32),
		mk(1, 64, 0, 16, 32), mk(1, 64, 17, 16, 32), mk(1, 64, 1, 7, 32), mk(1, 64, 1, 16, 15), mk(1, 64, 1, 16, 65),
	} {
		h, err := parseCipherText(s)
		if err != nil || h.opaque != s {
			t.Errorf("%q: %+v, %v; want opaque", s, h, err)
		}
	}
	if _, err := parseCipherText("huawei123"); err != errNotCipher {
		t.Errorf("plaintext: %v, want errNotCipher", err)
	}
}

func FuzzParseCipherText(f *testing.F) {
	db := New(Options{KDF: cheapKDF})
	for _, k := range []PasswordKind{Cipher, IrreversibleCipher} {
		_, _ = db.SetPassword("u", "huawei123", k)
		ct, _ := db.CipherText("u")
		f.Add(ct)
	}
	for _, s := range []string{"%$%$=i~>Xp&aY+*2cEVcS-A23Uwe%$%$", "$1a$x$", "%$%$%$%$", "$1a$$", "%^%#a%^%#", "huawei", "", "$1z$$$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseCipherText(s)
		if err != nil {
			return
		}
		// Whatever parses renders back unchanged, under the kind of its frame.
		if got := h.cipherText(kindOfFrame(s)); got != s {
			t.Fatalf("parse(%q) renders %q", s, got)
		}
		if h.opaque == "" {
			if err := h.params.validate(); err != nil {
				t.Fatalf("parse(%q) accepted params: %v", s, err)
			}
		}
		if strings.ContainsAny(s, " \t\r\n") {
			t.Fatalf("parse(%q) accepted whitespace", s)
		}
	})
}

func FuzzSetPassword(f *testing.F) {
	for _, s := range []string{"huawei123", "%$%$=i~>Xp&aY+*2cEVcS-A23Uwe%$%$", "$1a$x$", "a b", ""} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, arg string, irreversible bool) {
		kind := Cipher
		if irreversible {
			kind = IrreversibleCipher
		}
		db := New(Options{KDF: cheapKDF})
		if _, err := db.SetPassword("u", arg, kind); err != nil {
			if !errors.Is(err, ErrInvalidPassword) {
				t.Fatalf("SetPassword(%q): %v is not ErrInvalidPassword", arg, err)
			}
			return
		}
		ct, ok := db.CipherText("u")
		if !ok || strings.ContainsAny(ct, " \t\r\n") {
			t.Fatalf("SetPassword(%q): cipher text %q, %v", arg, ct, ok)
		}
		// Config replay restores the same text, and the same password.
		replay := New(Options{KDF: cheapKDF})
		if _, err := replay.SetPassword("u", ct, kind); err != nil {
			t.Fatalf("replay of %q: %v", ct, err)
		}
		if got, _ := replay.CipherText("u"); got != ct {
			t.Fatalf("replay of %q renders %q", ct, got)
		}
		_ = replay.Update("u", func(u *User) error { u.Services = ServiceSSH; return nil })
		_, err := replay.Authenticate("u", arg, ServiceSSH, testSource)
		if u, _ := replay.Lookup("u"); u.PasswordVerifiable != (err == nil) {
			t.Fatalf("SetPassword(%q): verifiable=%v but Authenticate = %v", arg, u.PasswordVerifiable, err)
		}
	})
}

func benchmarkAuthenticate(b *testing.B, opts Options, user, password string) {
	db := New(opts) // the real KDF cost
	if _, err := db.SetPassword("huawei", "huawei123", Cipher); err != nil {
		b.Fatal(err)
	}
	_ = db.Update("huawei", func(u *User) error { u.Services = ServiceFTP; return nil })
	db.SetLockoutPolicy(LockoutPolicy{})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, _ = db.Authenticate(user, password, ServiceFTP, testSource)
	}
}

func BenchmarkAuthenticate(b *testing.B) {
	noCache := Options{LoginCacheTTL: -1}
	b.Run("ok", func(b *testing.B) { benchmarkAuthenticate(b, noCache, "huawei", "huawei123") })
	b.Run("ok-cached", func(b *testing.B) { benchmarkAuthenticate(b, Options{}, "huawei", "huawei123") })
	b.Run("wrong", func(b *testing.B) { benchmarkAuthenticate(b, noCache, "huawei", "bad") })
	b.Run("unknown", func(b *testing.B) { benchmarkAuthenticate(b, noCache, "nobody", "huawei123") })
}

// BenchmarkAuthenticateParallel runs logins from 100 goroutines per CPU (about
// 200 FTP clients logging in at once on a 2-core machine); ns/op is the
// throughput, and the semaphore keeps at most NumCPU hashes in memory.
func BenchmarkAuthenticateParallel(b *testing.B) {
	db := New(Options{LoginCacheTTL: -1}) // every login hashes
	if _, err := db.SetPassword("huawei", "huawei123", Cipher); err != nil {
		b.Fatal(err)
	}
	_ = db.Update("huawei", func(u *User) error { u.Services = ServiceFTP; return nil })
	b.SetParallelism(100)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.Authenticate("huawei", "huawei123", ServiceFTP, testSource); err != nil {
				b.Error(err)
			}
		}
	})
}
