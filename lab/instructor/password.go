package instructor

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Hash returns the argon2id hash of password in the PHC string format a lab
// file's instructor password takes (the format of the argon2 command:
// `echo -n PASSWORD | argon2 SALT -id -e`).
func Hash(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	return hashWith(password, salt, 64*1024, 2, 1)
}

func hashWith(password string, salt []byte, memory uint32, time uint32, threads uint8) string {
	key := argon2.IDKey([]byte(password), salt, time, memory, threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, time, threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// phc is a parsed argon2id hash.
type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// maxHashMemory bounds the memory a lab file's hash may ask for (KiB).
const maxHashMemory = 1 << 20

func parsePHC(s string) (phc, error) {
	var p phc
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" {
		return p, errors.New("not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(f[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, fmt.Errorf("argon2 version %q is not %d", f[2], argon2.Version)
	}
	var threads uint32
	if _, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &threads); err != nil {
		return p, fmt.Errorf("argon2 parameters %q: %w", f[3], err)
	}
	if p.memory == 0 || p.memory > maxHashMemory || p.time == 0 || p.time > 16 || threads == 0 || threads > 16 {
		return p, fmt.Errorf("argon2 parameters %q out of range", f[3])
	}
	p.threads = uint8(threads)
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(f[4]); err != nil {
		return p, fmt.Errorf("argon2 salt: %w", err)
	}
	if p.key, err = base64.RawStdEncoding.DecodeString(f[5]); err != nil || len(p.key) < 16 {
		return p, fmt.Errorf("argon2 hash: not base64 of 16 bytes or more")
	}
	return p, nil
}

// checker verifies the instructor's password. A password once verified is
// remembered by its SHA-256, so that a page's requests do not each cost an
// argon2 hash; wrong passwords are hashed one at a time.
type checker struct {
	hash phc
	mu   sync.Mutex // one argon2 hash at a time
	good [32]byte
	ok   bool
}

func newChecker(hash string) (*checker, error) {
	p, err := parsePHC(hash)
	if err != nil {
		return nil, fmt.Errorf("instructor password: %w", err)
	}
	return &checker{hash: p}, nil
}

func (c *checker) check(password string) bool {
	sum := sha256.Sum256([]byte(password))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && subtle.ConstantTimeCompare(sum[:], c.good[:]) == 1 {
		return true
	}
	key := argon2.IDKey([]byte(password), c.hash.salt, c.hash.time, c.hash.memory, c.hash.threads, uint32(len(c.hash.key)))
	if subtle.ConstantTimeCompare(key, c.hash.key) != 1 {
		return false
	}
	c.good, c.ok = sum, true
	return true
}
