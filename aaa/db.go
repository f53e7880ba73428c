package aaa

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// Reasons given with EventUnlocked.
const (
	UnlockExpired  = "block time expired"
	UnlockActive   = "state active"
	UnlockDisabled = "lockout disabled"
)

// DB is the local-user database of one device.
type DB struct {
	now  func() time.Time
	log  func(Event)
	kdf  KDFParams
	hook func() // Options.KDFHook; nil if unset
	sem  chan struct{}
	fake *passwordHash // hashed for unknown users, so they cost the same time

	cacheTTL time.Duration // <= 0: no login cache
	cacheKey []byte        // HMAC key of the login cache

	mu     sync.Mutex
	users  map[string]*record // by folded name
	order  []*record          // creation order
	policy LockoutPolicy
}

// record is the stored state of one user.
type record struct {
	u       User          // configuration fields, Name, Created, PasswordSet, LastLogin
	hash    *passwordHash // nil if no password
	sources map[netip.Addr]*sourceState
	online  int

	// The login cache: an HMAC of the password that last matched hash, valid
	// while cachedHash is still the user's hash and until cachedUntil.
	cachedHash  *passwordHash
	cachedMAC   []byte
	cachedUntil time.Time
}

// sourceState is the wrong-password state of one user's logins from one
// source address. An entry with no count and no lock is deleted.
type sourceState struct {
	failures    int
	windowEnd   time.Time // end of the retry interval, while failures > 0
	lockedUntil time.Time // zero if not locked
}

// end is when the entry would be forgotten if nothing happened.
func (s *sourceState) end() time.Time {
	if !s.lockedUntil.IsZero() {
		return s.lockedUntil
	}
	return s.windowEnd
}

// sourceKey is the key of a source address: without IPv4 mapping and zone.
func sourceKey(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

// lockedFrom reports whether logins from src are locked out. Call with db.mu
// held, after refresh.
func (r *record) lockedFrom(src netip.Addr) bool {
	s := r.sources[src]
	return s != nil && !s.lockedUntil.IsZero()
}

// New returns an empty DB with the default lockout policy.
func New(opts Options) *DB {
	db := &DB{
		now:    opts.Now,
		log:    opts.Log,
		kdf:    opts.KDF,
		hook:   opts.KDFHook,
		users:  make(map[string]*record),
		policy: DefaultLockoutPolicy(),
	}
	if db.now == nil {
		db.now = time.Now
	}
	if db.kdf == (KDFParams{}) {
		db.kdf = DefaultKDFParams()
	}
	if err := db.kdf.validate(); err != nil {
		panic("aaa: invalid Options.KDF: " + err.Error())
	}
	if opts.Hashing != nil {
		db.sem = opts.Hashing.sem
	} else {
		db.sem = NewHashLimiter(opts.MaxConcurrentHashes).sem
	}
	// The dummy that unknown users are checked against costs one hash to
	// verify but nothing to make: random salt and key (no password can match
	// it). Making a real hash here would cost every new device a hash.
	fake := &passwordHash{params: db.kdf, salt: make([]byte, saltLen), key: make([]byte, keyLen)}
	if _, err := rand.Read(fake.salt); err != nil {
		panic("aaa: reading random bytes: " + err.Error())
	}
	if _, err := rand.Read(fake.key); err != nil {
		panic("aaa: reading random bytes: " + err.Error())
	}
	db.fake = fake
	db.cacheTTL = opts.LoginCacheTTL
	if db.cacheTTL == 0 {
		db.cacheTTL = DefaultLoginCacheTTL
	}
	if db.cacheTTL > 0 {
		db.cacheKey = make([]byte, sha256.Size)
		if _, err := rand.Read(db.cacheKey); err != nil {
			panic("aaa: reading random bytes: " + err.Error())
		}
	}
	return db
}

// passwordMAC is the login cache's HMAC of a password.
func (db *DB) passwordMAC(password string) []byte {
	m := hmac.New(sha256.New, db.cacheKey)
	m.Write([]byte(password))
	return m.Sum(nil)
}

// cachedMatch reports whether password is the one that last logged in to r
// with its current hash, within the cache's lifetime. Call with db.mu held.
func (db *DB) cachedMatch(r *record, password string, now time.Time) bool {
	if db.cacheTTL <= 0 || r.hash == nil || r.cachedHash != r.hash || !now.Before(r.cachedUntil) {
		return false
	}
	return hmac.Equal(r.cachedMAC, db.passwordMAC(password))
}

// foldName is the map key of a name: names are case-insensitive (ASCII).
func foldName(name string) string { return strings.ToLower(name) }

// ValidateName checks a user name against the device's rules (see the package
// comment).
func ValidateName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("%w: %q: length must be 1-%d", ErrInvalidName, name, MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c > '~' || strings.IndexByte(`/\:*?"<>|`, c) >= 0 {
			return fmt.Errorf("%w: %q: character %q not allowed", ErrInvalidName, name, c)
		}
	}
	if at := strings.IndexByte(name, '@'); at == 0 || strings.Count(name, "@") > 1 || at == len(name)-1 {
		return fmt.Errorf("%w: %q: the domain must follow one @ after a user part", ErrInvalidName, name)
	}
	return nil
}

// ValidatePassword checks a plaintext password: 1-128 printable ASCII
// characters without spaces.
func ValidatePassword(password string) error {
	if password == "" || len(password) > MaxPasswordLen {
		return fmt.Errorf("%w: length must be 1-%d", ErrInvalidPassword, MaxPasswordLen)
	}
	for i := 0; i < len(password); i++ {
		if c := password[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("%w: only printable ASCII characters without spaces are allowed", ErrInvalidPassword)
		}
	}
	return nil
}

// hashPassword runs the KDF under the semaphore.
func (db *DB) hashPassword(password string) (*passwordHash, error) {
	db.sem <- struct{}{}
	defer func() { <-db.sem }()
	if db.hook != nil {
		db.hook()
	}
	return newHash(password, db.kdf)
}

// verify checks password against h (nil or opaque: against the dummy hash, and
// fails) under the semaphore. A password longer than any that can be set is
// hashed cut to that length, so its cost stays bounded, and fails.
func (db *DB) verify(ctx context.Context, h *passwordHash, password string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	select {
	case db.sem <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-db.sem }()
	tooLong := len(password) > MaxPasswordLen
	if tooLong {
		password = password[:MaxPasswordLen]
	}
	if db.hook != nil {
		db.hook()
	}
	if h == nil || h.opaque != "" {
		db.fake.matches(password)
		return false, nil
	}
	return h.matches(password) && !tooLong, nil
}

// logName makes a name given by a peer safe to log: bytes outside printable
// ASCII become '?' and a name longer than MaxNameLen is cut, with "...".
func logName(name string) string {
	cut := len(name) > MaxNameLen
	if cut {
		name = name[:MaxNameLen]
	}
	b := []byte(name)
	for i, c := range b {
		if c < ' ' || c > '~' {
			b[i] = '?'
		}
	}
	if cut {
		return string(b) + "..."
	}
	return string(b)
}

// emit sends events to the log callback; call it without db.mu held.
func (db *DB) emit(events []Event) {
	if db.log == nil {
		return
	}
	for _, e := range events {
		db.log(e)
	}
}

// refresh ends the expired locks and retry intervals of r at now, returning
// an Unlocked event for each lock ended, by source address. Call with db.mu
// held.
func (db *DB) refresh(r *record, now time.Time, events []Event) []Event {
	var unlocked []netip.Addr
	for src, s := range r.sources {
		if !s.lockedUntil.IsZero() && !now.Before(s.lockedUntil) {
			s.lockedUntil = time.Time{}
			unlocked = append(unlocked, src)
		}
		if s.failures > 0 && !now.Before(s.windowEnd) {
			s.failures, s.windowEnd = 0, time.Time{}
		}
		if s.failures == 0 && s.lockedUntil.IsZero() {
			delete(r.sources, src)
		}
	}
	return appendUnlocked(events, r, unlocked, UnlockExpired, now)
}

// appendUnlocked appends an Unlocked event for each source, in address order.
func appendUnlocked(events []Event, r *record, sources []netip.Addr, reason string, now time.Time) []Event {
	slices.SortFunc(sources, netip.Addr.Compare)
	for _, src := range sources {
		events = append(events, Event{Kind: EventUnlocked, User: r.u.Name, Reason: reason, Source: src, Time: now})
	}
	return events
}

// unlock clears every lock and count of r. Call with db.mu held.
func (db *DB) unlock(r *record, now time.Time, reason string, events []Event) []Event {
	var unlocked []netip.Addr
	for src, s := range r.sources {
		if !s.lockedUntil.IsZero() {
			unlocked = append(unlocked, src)
		}
	}
	r.sources = nil
	return appendUnlocked(events, r, unlocked, reason, now)
}

// snapshot returns the user with its runtime fields. Call with db.mu held,
// after refresh.
func (r *record) snapshot() User {
	u := r.u
	u.HasPassword = r.hash != nil
	u.PasswordVerifiable = r.hash != nil && r.hash.opaque == ""
	u.Sources, u.Locked, u.LockedUntil, u.FailCount, u.FailWindowEnd = nil, false, time.Time{}, 0, time.Time{}
	for src, s := range r.sources {
		u.Sources = append(u.Sources, SourceLockout{Source: src, FailCount: s.failures, FailWindowEnd: s.windowEnd, LockedUntil: s.lockedUntil})
		if !s.lockedUntil.IsZero() {
			u.Locked = true
			if s.lockedUntil.After(u.LockedUntil) {
				u.LockedUntil = s.lockedUntil
			}
		}
		if s.failures > 0 {
			u.FailCount += s.failures
			if u.FailWindowEnd.IsZero() || s.windowEnd.Before(u.FailWindowEnd) {
				u.FailWindowEnd = s.windowEnd
			}
		}
	}
	slices.SortFunc(u.Sources, func(a, b SourceLockout) int { return a.Source.Compare(b.Source) })
	u.Online = r.online
	return u
}

// lookup finds a user and refreshes its lockout. Call with db.mu held.
func (db *DB) lookup(name string, now time.Time, events []Event) (*record, []Event) {
	r := db.users[foldName(name)]
	if r != nil {
		events = db.refresh(r, now, events)
	}
	return r, events
}

// newRecord creates a user with the device defaults. Call with db.mu held.
func (db *DB) newRecord(name string, now time.Time) *record {
	r := &record{u: User{Name: name, Privilege: -1, State: StateActive, Created: now}}
	db.users[foldName(name)] = r
	db.order = append(db.order, r)
	return r
}

// Create adds a user with no password and default attributes, for commands
// that create a user without one. created is false if the user existed.
func (db *DB) Create(name string) (created bool, err error) {
	if err := ValidateName(name); err != nil {
		return false, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.users[foldName(name)] != nil {
		return false, nil
	}
	db.newRecord(name, db.now())
	return true, nil
}

// SetPassword is `local-user NAME password cipher|irreversible-cipher ARG`. ARG
// is a plaintext password, which is hashed, or a cipher text as CipherText
// renders it (configuration replay), which is stored as it is; see the package
// comment for foreign cipher texts. The user is created if missing (created is
// then true). Setting a password does not clear a lockout.
func (db *DB) SetPassword(name, password string, kind PasswordKind) (created bool, err error) {
	if err := ValidateName(name); err != nil {
		return false, err
	}
	if kind != Cipher && kind != IrreversibleCipher {
		return false, fmt.Errorf("local user %q: %w: password kind %d", name, ErrInvalidValue, int(kind))
	}
	h, err := parseCipherText(password)
	switch {
	case err == errNotCipher:
		if err := ValidatePassword(password); err != nil {
			return false, fmt.Errorf("local user %q: %w", name, err)
		}
		if h, err = db.hashPassword(password); err != nil {
			return false, fmt.Errorf("local user %q: %w", name, err)
		}
	case err != nil:
		return false, fmt.Errorf("local user %q: %w: %v", name, ErrInvalidPassword, err)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	now := db.now()
	r := db.users[foldName(name)]
	if r == nil {
		r = db.newRecord(name, now)
		created = true
	}
	r.hash = h
	r.u.PasswordKind = kind
	r.u.PasswordSet = now
	return created, nil
}

// CipherText returns the text rendered after `password cipher ` or
// `password irreversible-cipher ` (per User.PasswordKind) in the configuration.
// It is false if the user does not exist or has no password. Passing it back to
// SetPassword restores the same password.
func (db *DB) CipherText(name string) (string, bool) {
	db.mu.Lock()
	defer db.mu.Unlock()
	r := db.users[foldName(name)]
	if r == nil || r.hash == nil {
		return "", false
	}
	return r.hash.cipherText(r.u.PasswordKind), true
}

// validate checks the configuration fields of u.
func (u *User) validate() error {
	switch {
	case u.Privilege < -1 || u.Privilege > MaxPrivilege:
		return fmt.Errorf("%w: privilege level %d out of range 0-%d", ErrInvalidValue, u.Privilege, MaxPrivilege)
	case len(u.FTPDirectory) > MaxFTPDirLen:
		return fmt.Errorf("%w: ftp-directory longer than %d characters", ErrInvalidValue, MaxFTPDirLen)
	case u.AccessLimit < 0 || u.AccessLimit > MaxAccessLimit:
		return fmt.Errorf("%w: access-limit %d out of range 1-%d", ErrInvalidValue, u.AccessLimit, MaxAccessLimit)
	case u.IdleTimeout < 0 || u.IdleTimeout > MaxIdleTimeout:
		return fmt.Errorf("%w: idle-timeout %v out of range", ErrInvalidValue, u.IdleTimeout)
	case u.State != StateActive && u.State != StateBlock:
		return fmt.Errorf("%w: state %d", ErrInvalidValue, int(u.State))
	case u.PasswordKind != Cipher && u.PasswordKind != IrreversibleCipher:
		return fmt.Errorf("%w: password kind %d", ErrInvalidValue, int(u.PasswordKind))
	case u.Services&^ServiceAll != 0:
		return fmt.Errorf("%w: service set %#x", ErrInvalidValue, uint16(u.Services))
	}
	for i := 0; i < len(u.FTPDirectory); i++ {
		if c := u.FTPDirectory[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("%w: ftp-directory has invalid character %q", ErrInvalidValue, c)
		}
	}
	return nil
}

// Edit calls fn with a snapshot of the user and stores the configuration
// fields fn leaves. Name and the runtime fields are ignored, except that
// setting HasPassword false removes the password and setting Locked false
// clears the locks of every source. Assigning State = StateActive (the `state
// active` command; User.SetState does the same) also clears them: while the
// user is locked, fn sees State holding a value that is neither StateActive
// nor StateBlock, so that an assignment can be told apart; a State left alone
// keeps the configured state, and the locks.
//
// Edit returns the user before and after, so the caller can tell what changed
// (for example a PasswordKind turned to IrreversibleCipher, which needs no
// re-hashing). If fn returns an error nothing changes and the error is returned.
func (db *DB) Edit(name string, fn func(u *User) error) (before, after User, err error) {
	db.mu.Lock()
	var events []Event
	defer func() { db.mu.Unlock(); db.emit(events) }()
	now := db.now()
	r, events := db.lookup(name, now, events)
	if r == nil {
		return User{}, User{}, fmt.Errorf("local user %q: %w", name, ErrNoSuchUser)
	}
	before = r.snapshot()
	u := before
	if before.Locked {
		// Let an assignment of State be told from no assignment, so that
		// `u.State = StateActive` (the `state active` command) clears the lock
		// and other changes keep it.
		u.State = stateLockedUnset
	}
	if err := fn(&u); err != nil {
		return before, before, err
	}
	if u.State == stateLockedUnset {
		u.State = before.State
	} else if u.State == StateActive {
		u.Locked = false
	}
	if err := u.validate(); err != nil {
		return before, before, fmt.Errorf("local user %q: %w", r.u.Name, err)
	}
	if u.HasPassword && r.hash == nil {
		return before, before, fmt.Errorf("local user %q: %w: no password to keep", r.u.Name, ErrInvalidValue)
	}
	keep := r.u
	r.u = u
	r.u.Name, r.u.Created, r.u.PasswordSet, r.u.LastLogin = keep.Name, keep.Created, keep.PasswordSet, keep.LastLogin
	if !u.HasPassword && r.hash != nil {
		r.hash = nil
		r.u.PasswordSet = time.Time{}
	}
	if before.Locked && !u.Locked {
		events = db.unlock(r, now, UnlockActive, events)
	}
	return before, r.snapshot(), nil
}

// Update is Edit without the snapshots: `local-user NAME ATTRIBUTE ...` on an
// existing user. It returns ErrNoSuchUser if the user does not exist (call
// Create first to emulate commands that create users).
func (db *DB) Update(name string, fn func(u *User) error) error {
	_, _, err := db.Edit(name, fn)
	return err
}

// Delete is `undo local-user NAME`. It fails with ErrOnline while the user has
// sessions (Acquire).
func (db *DB) Delete(name string) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	key := foldName(name)
	r := db.users[key]
	if r == nil {
		return fmt.Errorf("local user %q: %w", name, ErrNoSuchUser)
	}
	if r.online > 0 {
		return fmt.Errorf("local user %q: %w", r.u.Name, ErrOnline)
	}
	delete(db.users, key)
	for i, o := range db.order {
		if o == r {
			db.order = append(db.order[:i:i], db.order[i+1:]...)
			break
		}
	}
	return nil
}

// Lookup returns a snapshot of a user.
func (db *DB) Lookup(name string) (User, bool) {
	db.mu.Lock()
	var events []Event
	defer func() { db.mu.Unlock(); db.emit(events) }()
	r, events := db.lookup(name, db.now(), events)
	if r == nil {
		return User{}, false
	}
	return r.snapshot(), true
}

// Users returns snapshots of all users in creation order, the order of the
// rendered configuration.
func (db *DB) Users() []User {
	db.mu.Lock()
	var events []Event
	defer func() { db.mu.Unlock(); db.emit(events) }()
	now := db.now()
	users := make([]User, len(db.order))
	for i, r := range db.order {
		events = db.refresh(r, now, events)
		users[i] = r.snapshot()
	}
	return users
}

// SetLockoutPolicy sets the wrong-password policy. Values out of the device's
// ranges (see LockoutPolicy.Validate, which the CLI should call first) are
// clamped into them. Disabling the policy clears every count and lock; changing
// it keeps running counts and locks as they are.
func (db *DB) SetLockoutPolicy(p LockoutPolicy) {
	p = p.clamped()
	db.mu.Lock()
	var events []Event
	defer func() { db.mu.Unlock(); db.emit(events) }()
	db.policy = p
	if !p.Enabled {
		now := db.now()
		for _, r := range db.order {
			events = db.unlock(r, now, UnlockDisabled, events)
		}
	}
}

// LockoutPolicy returns the wrong-password policy.
func (db *DB) LockoutPolicy() LockoutPolicy {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.policy
}

// Authenticate checks a login by name and password for one service (a single
// Service bit) from a source address (the zero Addr for the console). Every
// refusal is an *AuthError matching ErrAuthFailed; its Reason is for logs
// only. Each refusal runs the KDF exactly once, for unknown users too, so the
// time taken reveals neither which names exist nor whether the password was
// right; only a successful login may skip it, with the password of the user's
// last login within the login cache's lifetime (see the package comment).
// Wrong passwords count toward the lockout of the user from src; a success
// clears that count. Privilege and FTP directory checks are the caller's
// (Attempt.Check).
func (db *DB) Authenticate(name, password string, svc Service, src netip.Addr) (User, error) {
	return db.AuthenticateContext(context.Background(), Attempt{Name: name, Password: password, Service: svc, Source: src})
}

// AuthenticateContext is Authenticate for an Attempt, giving up while it
// waits for a free hashing slot if ctx ends (the refusal then also matches
// ctx.Err(), and counts toward nothing).
func (db *DB) AuthenticateContext(ctx context.Context, a Attempt) (User, error) {
	u, _, err := db.attempt(ctx, a, false)
	return u, err
}

// Login is AuthenticateContext followed by Acquire: a login that opens a
// session. The returned User counts the new session in Online. A refusal by
// the access-limit is an *AuthError with ReasonAccessLimit that also matches
// ErrAccessLimit, and costs the same work as the other refusals.
func (db *DB) Login(ctx context.Context, a Attempt) (User, func(), error) {
	return db.attempt(ctx, a, true)
}

// attempt runs one login attempt, with Acquire if acquire is set.
func (db *DB) attempt(ctx context.Context, a Attempt, acquire bool) (User, func(), error) {
	name, password, svc, src := a.Name, a.Password, a.Service, sourceKey(a.Source)
	var events []Event
	defer func() { db.emit(events) }()
	hashed := false     // the KDF ran for this attempt
	var h *passwordHash // the user's hash, checked even when the login is refused already
	refuse := func(reason string, cause error) (User, func(), error) {
		if !hashed {
			// The login cache matched, but the login is refused: do the
			// work a refusal takes (see the package comment).
			if _, err := db.verify(ctx, h, password); err != nil {
				reason, cause = ReasonCanceled, err
			}
		}
		events = append(events, Event{Kind: EventLoginFailed, User: logName(name), Reason: reason, Service: svc, Source: src, Time: db.now()})
		return User{}, nil, &AuthError{User: logName(name), Reason: reason, Err: cause}
	}

	db.mu.Lock()
	now := db.now()
	r, events := db.lookup(name, now, events)
	reason := ""
	switch {
	case r == nil:
		reason = ReasonNoSuchUser
	case r.u.State == StateBlock:
		reason = ReasonBlocked
	case r.lockedFrom(src):
		reason = ReasonLocked
	case r.hash == nil:
		reason = ReasonNoPassword
	case r.hash.opaque != "":
		reason = ReasonUnverifiable
	}
	if r != nil {
		h = r.hash // nil or opaque: verify checks against the dummy
	}
	cached := reason == "" && db.cachedMatch(r, password, now)
	db.mu.Unlock()

	ok := cached
	if !cached {
		var err error
		ok, err = db.verify(ctx, h, password)
		hashed = true // or canceled, with no work left to do
		if err != nil {
			return refuse(ReasonCanceled, err)
		}
	}

	db.mu.Lock()
	now = db.now()
	// The user may have changed while the hash ran. The password is judged
	// against the hash current when the attempt began (as if it had arrived a
	// moment earlier); deletion, blocking and locking take effect at once.
	if r != nil && db.users[foldName(name)] != r {
		r, ok = nil, false
		if reason == "" {
			reason = ReasonNoSuchUser
		}
	}
	if r != nil && reason == "" {
		events = db.refresh(r, now, events)
		switch {
		case r.u.State == StateBlock:
			reason = ReasonBlocked
		case r.lockedFrom(src):
			reason = ReasonLocked
		}
	}
	if reason == "" && !ok {
		reason = ReasonWrongPassword
		events = db.countFailure(r, src, now, events)
	}
	if reason == "" && (svc == 0 || svc&(svc-1) != 0) {
		reason = ReasonInvalidService
	}
	if reason == "" && r.u.Services&svc == 0 {
		reason = ReasonServiceDenied
	}
	if reason != "" {
		db.mu.Unlock()
		return refuse(reason, nil)
	}
	// The password is right: the source's count of wrong passwords ends.
	delete(r.sources, src)
	u := r.snapshot()
	db.mu.Unlock()

	if a.Check != nil {
		if err := a.Check(u); err != nil {
			return refuse(err.Error(), err)
		}
	}
	var release func()
	if acquire {
		var err error
		if release, err = db.Acquire(u.Name); err != nil {
			return refuse(ReasonAccessLimit, err)
		}
		u.Online++
	}

	db.mu.Lock()
	defer db.mu.Unlock()
	now = db.now()
	r.u.LastLogin = now
	u.LastLogin = now
	if !cached && db.cacheTTL > 0 && h == r.hash {
		r.cachedHash, r.cachedMAC, r.cachedUntil = h, db.passwordMAC(password), now.Add(db.cacheTTL)
	}
	events = append(events, Event{Kind: EventLoginOK, User: r.u.Name, Service: svc, Source: src, Time: now})
	return u, release, nil
}

// countFailure counts a wrong password from src and locks the account for
// src when the policy says so. Call with db.mu held, after refresh.
func (db *DB) countFailure(r *record, src netip.Addr, now time.Time, events []Event) []Event {
	p := db.policy
	if !p.Enabled {
		return events
	}
	s := r.sources[src]
	if s == nil {
		s = r.newSource(src)
	}
	if !s.lockedUntil.IsZero() {
		return events
	}
	if s.failures == 0 {
		s.windowEnd = now.Add(p.RetryInterval)
	}
	s.failures++
	if s.failures >= p.RetryTime {
		s.failures, s.windowEnd = 0, time.Time{}
		s.lockedUntil = now.Add(p.BlockTime)
		events = append(events, Event{Kind: EventLocked, User: r.u.Name, Source: src, Time: now})
	}
	return events
}

// newSource adds the state of src, first forgetting the source whose count
// or lock ends first (the smallest address of those) if MaxLockoutSources are
// kept. Call with db.mu held.
func (r *record) newSource(src netip.Addr) *sourceState {
	if len(r.sources) >= MaxLockoutSources {
		var victim netip.Addr
		var vs *sourceState
		for a, s := range r.sources {
			if vs == nil || cmp.Or(s.end().Compare(vs.end()), a.Compare(victim)) < 0 {
				victim, vs = a, s
			}
		}
		delete(r.sources, victim)
	}
	if r.sources == nil {
		r.sources = make(map[netip.Addr]*sourceState)
	}
	s := &sourceState{}
	r.sources[src] = s
	return s
}

// Acquire records a live session of the user, refusing with ErrAccessLimit
// when the user's access-limit is reached. release ends the session; calling
// it again does nothing.
func (db *DB) Acquire(name string) (release func(), err error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	r := db.users[foldName(name)]
	if r == nil {
		return nil, fmt.Errorf("local user %q: %w", name, ErrNoSuchUser)
	}
	if r.u.AccessLimit > 0 && r.online >= r.u.AccessLimit {
		return nil, fmt.Errorf("local user %q: %w (%d)", r.u.Name, ErrAccessLimit, r.u.AccessLimit)
	}
	r.online++
	var once sync.Once
	return func() {
		once.Do(func() {
			db.mu.Lock()
			r.online--
			db.mu.Unlock()
		})
	}, nil
}

// LinePassword is `set authentication password cipher ARG` of a user
// interface: it returns the cipher text to keep for ARG, a plaintext password
// (hashed with the DB's KDF) or a cipher text as LinePassword returned it
// (configuration replay, kept as it is; a real device's is kept but matches
// no password, as for local users).
func (db *DB) LinePassword(arg string) (string, error) {
	h, err := parseCipherText(arg)
	switch {
	case err == errNotCipher:
		if err := ValidatePassword(arg); err != nil {
			return "", err
		}
		if h, err = db.hashPassword(arg); err != nil {
			return "", err
		}
	case err != nil:
		return "", fmt.Errorf("%w: %v", ErrInvalidPassword, err)
	}
	return h.cipherText(Cipher), nil
}

// CheckLinePassword reports whether password matches cipherText, which
// LinePassword returned. The KDF runs under the DB's hashing limit, for an
// unusable cipherText too, and waiting for it ends with ctx.
func (db *DB) CheckLinePassword(ctx context.Context, cipherText, password string) (bool, error) {
	h, err := parseCipherText(cipherText)
	if err != nil {
		h = nil
	}
	return db.verify(ctx, h, password)
}
