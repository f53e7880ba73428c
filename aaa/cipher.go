package aaa

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// KDFParams are the argon2id parameters used to hash new passwords. Every
// stored hash records its own parameters, so changing them never invalidates an
// existing password.
type KDFParams struct {
	Time      uint32 // passes over the memory, 1-16
	MemoryKiB uint32 // memory in KiB, at least 8*Threads, at most 64 MiB
	Threads   uint8  // lanes, 1-16
}

// DefaultKDFParams are the parameters used when Options.KDF is zero: argon2id
// with 3 passes over 12 MiB in one lane (one of OWASP's equivalent baseline
// settings; it needs less memory than 2 passes over 19 MiB for the same cost),
// about 20 ms per hash on one core of a 2024 server.
func DefaultKDFParams() KDFParams {
	return KDFParams{Time: 3, MemoryKiB: 12 * 1024, Threads: 1}
}

// Limits on the parameters and sizes accepted from a cipher text, so that a
// configuration file cannot make a login arbitrarily expensive.
const (
	maxKDFTime      = 16
	maxKDFMemoryKiB = 64 * 1024
	maxKDFThreads   = 16
	minSaltLen      = 8
	maxSaltLen      = 64
	minKeyLen       = 16
	maxKeyLen       = 64
	saltLen         = 16
	keyLen          = 32
	hashVersion     = 1 // argon2id with the layout of encodeHash

	maxOpaqueLen = 256 // longest foreign cipher text body accepted
)

func (p KDFParams) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxKDFTime:
		return fmt.Errorf("argon2 time %d out of range 1-%d", p.Time, maxKDFTime)
	case p.Threads < 1 || p.Threads > maxKDFThreads:
		return fmt.Errorf("argon2 threads %d out of range 1-%d", p.Threads, maxKDFThreads)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxKDFMemoryKiB:
		return fmt.Errorf("argon2 memory %d KiB out of range %d-%d", p.MemoryKiB, 8*uint32(p.Threads), maxKDFMemoryKiB)
	}
	return nil
}

// passwordHash is a stored password: either an argon2id hash this package made
// (params, salt, key) or, when opaque is set, a cipher text written by a real
// device that this package cannot verify. It is immutable once made.
type passwordHash struct {
	params KDFParams
	salt   []byte
	key    []byte
	opaque string // verbatim foreign cipher text; no password matches it
}

// cipherAlphabet encodes hashes with a device-like look. It has no space (a
// configuration line is split on spaces), and none of `?` (CLI help), `"`, `%`
// and `$` (the framing), `\` or `|` (output filters).
const cipherAlphabet = "!#&()*+,-./0123456789:;<=>@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefg"

var cipherEncoding = base64.NewEncoding(cipherAlphabet).WithPadding(base64.NoPadding).Strict()

// Framing of the cipher texts, as on V200R003-V200R007.
const (
	cipherFrame       = "%$%$"
	irreversiblePre   = "$1a$"
	irreversibleSuf   = "$"
	newerCipherFrame  = "%^%#" // newer builds; accepted as a foreign cipher text
	foreignIrrPrefix  = "$1"   // $1a$, $1b$, $1c$ (VRPv8) ...
	minIrreversibleSz = len(irreversiblePre) + 1 + len(irreversibleSuf)
)

// newHash hashes a plaintext password with fresh random salt.
func newHash(password string, p KDFParams) (*passwordHash, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("reading salt: %w", err)
	}
	return &passwordHash{
		params: p,
		salt:   salt,
		key:    argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, keyLen),
	}, nil
}

// matches reports whether password hashes to h, in time independent of where
// the keys differ. An opaque hash never matches (callers hash a dummy instead,
// to keep the time the same).
func (h *passwordHash) matches(password string) bool {
	if h.opaque != "" {
		return false
	}
	key := argon2.IDKey([]byte(password), h.salt, h.params.Time, h.params.MemoryKiB, h.params.Threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}

// body returns the encoded hash without framing.
func (h *passwordHash) body() string {
	b := make([]byte, 0, 2+2*binary.MaxVarintLen32+2+len(h.salt)+len(h.key))
	b = append(b, hashVersion)
	b = binary.AppendUvarint(b, uint64(h.params.Time))
	b = binary.AppendUvarint(b, uint64(h.params.MemoryKiB))
	b = append(b, h.params.Threads, byte(len(h.salt)))
	b = append(b, h.salt...)
	b = append(b, h.key...)
	return cipherEncoding.EncodeToString(b)
}

// cipherText renders h as it appears after `password cipher ` or
// `password irreversible-cipher `.
func (h *passwordHash) cipherText(kind PasswordKind) string {
	if h.opaque != "" {
		return h.opaque
	}
	if kind == IrreversibleCipher {
		return irreversiblePre + h.body() + irreversibleSuf
	}
	return cipherFrame + h.body() + cipherFrame
}

// errNotCipher is returned by parseCipherText for a string that is not framed
// as a cipher text at all, i.e. a plaintext password.
var errNotCipher = errors.New("not a cipher text")

// parseCipherText parses a cipher text as rendered by cipherText. A string
// without cipher framing yields errNotCipher. A framed string whose body is not
// one of this package's hashes is kept as an opaque (unverifiable) password if
// it looks like a device's cipher text: printable ASCII without spaces, at most
// maxOpaqueLen characters. The result always renders back to s.
func parseCipherText(s string) (*passwordHash, error) {
	var inner string
	var ours bool
	switch {
	case len(s) >= 2*len(cipherFrame)+1 && strings.HasPrefix(s, cipherFrame) && strings.HasSuffix(s, cipherFrame):
		inner, ours = s[len(cipherFrame):len(s)-len(cipherFrame)], true
	case len(s) >= 2*len(newerCipherFrame)+1 && strings.HasPrefix(s, newerCipherFrame) && strings.HasSuffix(s, newerCipherFrame):
		inner = s[len(newerCipherFrame) : len(s)-len(newerCipherFrame)]
	case len(s) >= minIrreversibleSz && strings.HasPrefix(s, irreversiblePre) && strings.HasSuffix(s, irreversibleSuf):
		inner, ours = s[len(irreversiblePre):len(s)-len(irreversibleSuf)], true
	case len(s) >= minIrreversibleSz && strings.HasPrefix(s, foreignIrrPrefix) && s[3] == '$' && s[2] >= 'a' && s[2] <= 'z' && strings.HasSuffix(s, "$"):
		inner = s[4 : len(s)-1]
	default:
		return nil, errNotCipher
	}
	if ours {
		if h, err := decodeBody(inner); err == nil && h.cipherText(kindOfFrame(s)) == s {
			return h, nil
		}
	}
	if len(inner) > maxOpaqueLen {
		return nil, fmt.Errorf("cipher text longer than %d characters", maxOpaqueLen)
	}
	for i := 0; i < len(inner); i++ {
		if c := inner[i]; c <= ' ' || c > '~' {
			return nil, fmt.Errorf("cipher text has invalid character %q", c)
		}
	}
	return &passwordHash{opaque: s}, nil
}

func kindOfFrame(s string) PasswordKind {
	if strings.HasPrefix(s, cipherFrame) {
		return Cipher
	}
	return IrreversibleCipher
}

// decodeBody decodes the body written by passwordHash.body.
func decodeBody(body string) (*passwordHash, error) {
	b, err := cipherEncoding.DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("decoding cipher text: %w", err)
	}
	if len(b) == 0 || b[0] != hashVersion {
		return nil, errors.New("unknown cipher text version")
	}
	b = b[1:]
	t, n := binary.Uvarint(b)
	if n <= 0 || t > maxKDFTime {
		return nil, errors.New("bad argon2 time")
	}
	b = b[n:]
	m, n := binary.Uvarint(b)
	if n <= 0 || m > maxKDFMemoryKiB {
		return nil, errors.New("bad argon2 memory")
	}
	b = b[n:]
	if len(b) < 2 {
		return nil, errors.New("cipher text truncated")
	}
	p := KDFParams{Time: uint32(t), MemoryKiB: uint32(m), Threads: b[0]}
	if err := p.validate(); err != nil {
		return nil, err
	}
	sl := int(b[1])
	b = b[2:]
	if sl < minSaltLen || sl > maxSaltLen || len(b) < sl {
		return nil, errors.New("bad salt length")
	}
	salt, key := b[:sl], b[sl:]
	if len(key) < minKeyLen || len(key) > maxKeyLen {
		return nil, errors.New("bad key length")
	}
	return &passwordHash{params: p, salt: append([]byte(nil), salt...), key: append([]byte(nil), key...)}, nil
}
