// Package aaa keeps the local users of a simulated VRP device: the accounts of
// the `aaa` view's `local-user` commands, their hashed passwords and attributes,
// the wrong-password lockout of `local-aaa-user wrong-password`, authentication
// for the SSH and FTP front ends, and the count of live sessions that enforces
// `access-limit` and guards `undo local-user`.
//
// # Names
//
// A user name is 1-64 printable ASCII characters without spaces or any of
// / \ : * ? " < > |. It may carry one "@domain" suffix (the part before the @
// must not be empty). Names are case-insensitive, as with the device's default
// `authentication-mode local`: "Huawei" and "huawei" are the same user, which
// keeps the case it was created with.
//
// # Passwords
//
// Passwords are never stored: `local-user NAME password cipher PW` and
// `... irreversible-cipher PW` both keep an argon2id hash (salt from crypto/rand,
// parameters recorded in the hash). The configuration shows the hash in the
// device's framing: %$%$...%$%$ for Cipher and $1a$...$ for IrreversibleCipher.
// Replaying such a text through SetPassword restores the same hash. A plaintext
// password is 1-128 printable ASCII characters without spaces; V200R007 has no
// complexity rule (newer builds demand 8 characters of two kinds).
//
// Checking a password costs one argon2id hash (about 20 ms and 12 MiB), which
// a script that logs in again and again pays each time. After a successful
// login the DB therefore remembers the password for LoginCacheTTL (10
// minutes): it keeps an HMAC-SHA256 of it, keyed with random bytes made by New,
// bound to the hash it matched. A login with that same password within that
// time is checked against the HMAC and takes microseconds. Anything else (a
// wrong password, another user, a changed password, an expired entry) goes to
// the KDF as before. The HMAC and its key live only in memory: a copy of the
// process's memory could be attacked at SHA-256 speed instead of argon2id's
// for the passwords used in the last minutes; a plaintext password passes
// through that memory at each login anyway. Options.LoginCacheTTL < 0 turns
// this off.
//
// A cipher text written by a real device (%$%$...%$%$, %^%#...%^%#, $1a$...$)
// cannot be verified, as the device's algorithm is not public. It is kept
// verbatim, so a real configuration replays and renders unchanged, but no
// password logs in to such an account until the password is set again.
//
// # Lockout
//
// With the lockout policy enabled, RetryTime wrong passwords within
// RetryInterval of the first of them lock the account for BlockTime. Only wrong
// passwords count; attempts on a locked account do not prolong the lock. A
// successful login clears the count, `state active` (User.SetState) clears a
// lock, and disabling the policy clears every count and lock.
//
// Wrong passwords are counted, and the account is locked, per source address
// (Attempt.Source; the console is a source of its own): three wrong passwords
// from 192.0.2.7 lock the account for logins from 192.0.2.7 only, so that
// nobody can lock a user out by failing on purpose from elsewhere, as with the
// per-source penalties of a modern SSH server. The device's policy and texts
// stay as they are; User.Sources and the Source of EventLocked and
// EventUnlocked say which source a lock holds. At most MaxLockoutSources
// sources are remembered per user; when a new one comes, the one whose count or
// lock ends first is forgotten.
//
// # Refusals take the same work
//
// Every refused attempt runs the KDF exactly once, whatever the reason: the
// password is checked against the user's hash, or against a dummy hash of the
// same cost when there is no usable hash (unknown user, no password) or the
// attempt is refused for another reason (blocked, locked, service denied,
// Attempt.Check, access-limit). Only a login that succeeds may skip it, by the
// login cache. So the time a refusal takes does not tell whether the password
// was right. Options.KDFHook lets tests count the runs.
//
// A DB is safe for concurrent use. It starts no goroutines; lock expiry is
// noticed lazily, whenever the account is looked at.
package aaa

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"time"
)

// Errors returned by DB methods, wrapped with context. Test with errors.Is.
var (
	ErrNoSuchUser      = errors.New("no such local user")
	ErrAuthFailed      = errors.New("authentication failed")
	ErrAccessLimit     = errors.New("access limit reached")
	ErrOnline          = errors.New("user has sessions online")
	ErrInvalidName     = errors.New("invalid user name")
	ErrInvalidPassword = errors.New("invalid password")
	ErrInvalidValue    = errors.New("invalid attribute value")
)

// AuthError is the error Authenticate returns for every refusal. It matches
// ErrAuthFailed with errors.Is, which is all a peer may learn; Reason says why,
// for logs only.
type AuthError struct {
	User string // the name given, made safe to log
	// Reason is one of the Reason constants, or the text of the error that
	// Attempt.Check returned.
	Reason string
	// Err is the cause, if any: ctx.Err() for ReasonCanceled, Check's error,
	// Acquire's (matching ErrAccessLimit) for ReasonAccessLimit.
	Err error
}

// Reasons for a refused login, in AuthError.Reason and Event.Reason.
const (
	ReasonNoSuchUser     = "no such user"
	ReasonWrongPassword  = "wrong password"
	ReasonNoPassword     = "no password configured"
	ReasonUnverifiable   = "password set by a foreign cipher text"
	ReasonBlocked        = "account blocked"
	ReasonLocked         = "account locked after wrong passwords"
	ReasonServiceDenied  = "service type not allowed"
	ReasonInvalidService = "no service given"
	ReasonAccessLimit    = "access limit reached"
	ReasonCanceled       = "canceled"
)

func (e *AuthError) Error() string {
	return fmt.Sprintf("local user %q: %s: %s", e.User, ErrAuthFailed, e.Reason)
}

// Is makes errors.Is(err, ErrAuthFailed) true.
func (e *AuthError) Is(target error) bool { return target == ErrAuthFailed }

// Unwrap returns the cause.
func (e *AuthError) Unwrap() error { return e.Err }

// State is the configured state of a user (`local-user NAME state`).
type State int

const (
	StateActive State = iota // may log in
	StateBlock               // refused; rendered `state block`

	// stateLockedUnset is what Edit's fn sees in State while the user is
	// locked out, until it assigns a state.
	stateLockedUnset State = -1
)

// String returns the keyword of `state`: "active" or "block".
func (s State) String() string {
	if s == StateBlock {
		return "block"
	}
	return "active"
}

// Letter returns the State column of `display local-user`: "A" or "B".
func (s State) Letter() string {
	if s == StateBlock {
		return "B"
	}
	return "A"
}

// PasswordKind says how the password is shown in the configuration.
type PasswordKind int

const (
	Cipher             PasswordKind = iota // `password cipher %$%$...%$%$`
	IrreversibleCipher                     // `password irreversible-cipher $1a$...$`
)

// String returns the keyword: "cipher" or "irreversible-cipher".
func (k PasswordKind) String() string {
	if k == IrreversibleCipher {
		return "irreversible-cipher"
	}
	return "cipher"
}

// Limits of the attributes, as on the device.
const (
	MaxNameLen      = 64
	MaxPasswordLen  = 128
	MaxPrivilege    = 15
	MaxFTPDirLen    = 255
	MaxAccessLimit  = 65535 // unverified on AR
	MaxIdleTimeout  = 35791*time.Minute + 59*time.Second
	MinRetryTime    = 3
	MaxLockoutValue = 65535 // upper bound of retry-interval, retry-time and block-time
	MinLockoutMins  = 5     // lower bound of retry-interval and block-time, minutes

	// MaxLockoutSources is how many source addresses the lockout remembers
	// per user (see the package comment).
	MaxLockoutSources = 1024
)

// User is a snapshot of a local user. The first group of fields is
// configuration; the runtime group is filled in by snapshots and ignored by
// Update, except as documented on Locked.
type User struct {
	Name         string // with the case it was created with
	HasPassword  bool   // Update may set it false to remove the password
	PasswordKind PasswordKind
	Privilege    int    // 0-15; -1 = not set (the device's default 0 applies)
	FTPDirectory string // "" = not set
	AccessLimit  int    // 1-65535 concurrent sessions; 0 = not set
	IdleTimeout  time.Duration
	// IdleTimeoutSet distinguishes `idle-timeout 0 0` (never) from not set.
	IdleTimeoutSet bool
	State          State // configured state
	Services       Service

	// Runtime. Locks and counts are per source address (see the package
	// comment); Sources lists them, and the four fields after it sum them up.
	Sources []SourceLockout // sources with a count or a lock, by address
	// Locked is true while logins from at least one source are locked out by
	// wrong passwords; Update may set it false to clear every lock.
	Locked        bool
	LockedUntil   time.Time // when the last lock ends, if Locked
	FailCount     int       // wrong passwords counted, all sources together
	FailWindowEnd time.Time // when the first retry interval ends, if FailCount > 0
	Online        int       // live sessions (Acquire)
	LastLogin     time.Time // zero if never
	Created       time.Time
	PasswordSet   time.Time // zero if no password
	// PasswordVerifiable is false when the password came from a foreign cipher
	// text (see the package comment) or there is none.
	PasswordVerifiable bool
}

// Level returns the user's privilege level: Privilege, or the device default 0
// when it is not set.
func (u User) Level() int {
	if u.Privilege < 0 {
		return 0
	}
	return u.Privilege
}

// SourceLockout is the wrong-password record of the logins of one user from
// one source address.
type SourceLockout struct {
	Source        netip.Addr // the zero Addr stands for the console
	FailCount     int        // wrong passwords counted in the current retry interval
	FailWindowEnd time.Time  // when that interval ends, if FailCount > 0
	LockedUntil   time.Time  // when the lock ends; zero if not locked
}

// Locked reports whether logins from the source are locked out.
func (s SourceLockout) Locked() bool { return !s.LockedUntil.IsZero() }

// SetState sets the configured state, as `local-user NAME state active|block`.
// StateActive also clears the lockout of every source, as on the device.
func (u *User) SetState(s State) {
	u.State = s
	if s == StateActive {
		u.Locked = false
	}
}

// EffectiveState is StateBlock when the user is blocked by configuration or
// locked out (from any source), for the State column of `display local-user`.
func (u User) EffectiveState() State {
	if u.Locked {
		return StateBlock
	}
	return u.State
}

// LockoutPolicy is `local-aaa-user wrong-password retry-interval I retry-time T
// block-time B`; `undo local-aaa-user wrong-password` disables it.
type LockoutPolicy struct {
	Enabled       bool
	RetryInterval time.Duration // 5-65535 min
	RetryTime     int           // 3-65535
	BlockTime     time.Duration // 5-65535 min
}

// DefaultLockoutPolicy is the device default: enabled, 5 min, 3 tries, 5 min.
func DefaultLockoutPolicy() LockoutPolicy {
	return LockoutPolicy{Enabled: true, RetryInterval: 5 * time.Minute, RetryTime: 3, BlockTime: 5 * time.Minute}
}

// Validate checks the ranges of the device command.
func (p LockoutPolicy) Validate() error {
	if !p.Enabled {
		return nil
	}
	minD, maxD := MinLockoutMins*time.Minute, MaxLockoutValue*time.Minute
	switch {
	case p.RetryInterval < minD || p.RetryInterval > maxD:
		return fmt.Errorf("%w: retry-interval %v out of range 5-65535 minutes", ErrInvalidValue, p.RetryInterval)
	case p.RetryTime < MinRetryTime || p.RetryTime > MaxLockoutValue:
		return fmt.Errorf("%w: retry-time %d out of range 3-65535", ErrInvalidValue, p.RetryTime)
	case p.BlockTime < minD || p.BlockTime > maxD:
		return fmt.Errorf("%w: block-time %v out of range 5-65535 minutes", ErrInvalidValue, p.BlockTime)
	}
	return nil
}

// clamped returns p with its values moved into the device's ranges.
func (p LockoutPolicy) clamped() LockoutPolicy {
	minD, maxD := MinLockoutMins*time.Minute, MaxLockoutValue*time.Minute
	p.RetryInterval = min(max(p.RetryInterval, minD), maxD)
	p.BlockTime = min(max(p.BlockTime, minD), maxD)
	p.RetryTime = min(max(p.RetryTime, MinRetryTime), MaxLockoutValue)
	return p
}

// EventKind says what an Event reports.
type EventKind int

const (
	EventLocked      EventKind = iota + 1 // AAA/6/LOCALACCOUNT_LOCK; Source says for whom
	EventUnlocked                         // AAA/6/LOCALACCOUNT_UNLOCK; Source says for whom
	EventLoginOK                          // Authenticate succeeded
	EventLoginFailed                      // Authenticate refused; Reason says why
)

func (k EventKind) String() string {
	switch k {
	case EventLocked:
		return "locked"
	case EventUnlocked:
		return "unlocked"
	case EventLoginOK:
		return "login ok"
	case EventLoginFailed:
		return "login failed"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is something the device logs. Options.Log receives events after the DB
// has released its lock, so the callback may call the DB.
type Event struct {
	Kind    EventKind
	User    string // as given to Authenticate for logins, else the stored name
	Reason  string // for EventLoginFailed and EventUnlocked
	Service Service
	// Source is the address the login came from (the zero Addr for the
	// console), and for EventLocked and EventUnlocked the source the lock
	// holds.
	Source netip.Addr
	Time   time.Time
}

// Attempt is one login attempt, for AuthenticateContext and Login.
type Attempt struct {
	Name     string  // the user name as given
	Password string  // the password as given
	Service  Service // a single Service bit
	// Source is the peer's address: failures are counted and the account
	// locked per source. The zero Addr is the console.
	Source netip.Addr
	// Check, when set, is called with the user once the password has
	// matched, outside the DB's lock; an error refuses the login (the
	// AuthError's Reason is its text). It is for the front end's own rules
	// (FTP's privilege level and directory, SSH's VTY settings), so that
	// their refusals take the same work as the others (see the package
	// comment).
	Check func(User) error
}

// Options configure a DB. The zero value is usable.
type Options struct {
	Now func() time.Time // clock; time.Now if nil
	Log func(Event)      // receives events; nil discards them
	KDF KDFParams        // hashing cost for new passwords; DefaultKDFParams if zero
	// MaxConcurrentHashes bounds the hashes computed at once (each holds
	// KDF.MemoryKiB of memory); runtime.NumCPU() if zero. Hashing is CPU-bound,
	// so more slots than CPUs add memory but no throughput.
	MaxConcurrentHashes int
	// Hashing, when set, is a limiter shared with other DBs (the devices of a
	// lab), so the hashes of the whole process are bounded together; it takes
	// precedence over MaxConcurrentHashes.
	Hashing *HashLimiter
	// LoginCacheTTL is how long a password that passed the KDF is remembered
	// (see the package comment); DefaultLoginCacheTTL if zero, never if
	// negative.
	LoginCacheTTL time.Duration
	// KDFHook, when set, is called each time the KDF runs: a password hashed
	// to be stored, or checked against a hash or the dummy. Tests count the
	// work of a login with it.
	KDFHook func()
}

// DefaultLoginCacheTTL is Options.LoginCacheTTL's default.
const DefaultLoginCacheTTL = 10 * time.Minute

// HashLimiter bounds the password hashes computed at once by the DBs that
// share it.
type HashLimiter struct{ sem chan struct{} }

// NewHashLimiter returns a limiter of n hashes at once (runtime.NumCPU() if
// n <= 0).
func NewHashLimiter(n int) *HashLimiter {
	if n <= 0 {
		n = runtime.NumCPU()
	}
	return &HashLimiter{sem: make(chan struct{}, n)}
}
