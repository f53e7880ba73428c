package vrp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/internal/keyfile"
	"golang.org/x/crypto/ssh"
)

// The RSA local key pair: the device's RSA host key, made by "rsa
// local-key-pair create". It is not configuration (neither rendered nor
// saved): like the device's, it survives a reboot in its own store
// (Options.RSAKeyPath) and is offered by the SSH server beside its ed25519
// key, so that clients that accept only RSA host keys can connect.

// Limits of the modulus, as the device asks for it. Keys are made with at
// least minRSAMadeBits bits: OpenSSH refuses RSA host keys under 1024 bits,
// and Go makes none under 1024 either.
const (
	minRSABits     = 512
	maxRSABits     = 2048
	defaultRSABits = 512
	minRSAMadeBits = 2048
	rsaKeyName     = "Host"
)

// rsaKeyPair is the device's RSA local key pair.
type rsaKeyPair struct {
	key     *rsa.PrivateKey
	created time.Time
}

// loadRSAKey reads the key pair kept at Options.RSAKeyPath, if any.
func (d *Device) loadRSAKey() error {
	path := d.opts.RSAKeyPath
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("RSA local key pair: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "RSA PRIVATE KEY" {
		return fmt.Errorf("RSA local key pair %s is damaged: delete it and run rsa local-key-pair create", path)
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return fmt.Errorf("RSA local key pair %s is damaged (%w): delete it and run rsa local-key-pair create", path, err)
	}
	created := d.now()
	if fi, err := os.Stat(path); err == nil {
		created = fi.ModTime()
	}
	d.mu.Lock()
	d.rsaKey = &rsaKeyPair{key: key, created: created}
	d.mu.Unlock()
	return nil
}

// RSAHostKey returns the device's RSA local key pair, or nil before "rsa
// local-key-pair create".
func (d *Device) RSAHostKey() *rsa.PrivateKey {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.rsaKey == nil {
		return nil
	}
	return d.rsaKey.key
}

func (d *Device) hasRSAKey() bool { return d.RSAHostKey() != nil }

// createRSAKey makes a new RSA local key pair of bits (at least
// minRSAMadeBits) and keeps it, replacing the old one.
func (d *Device) createRSAKey(bits int) error {
	key, err := rsa.GenerateKey(rand.Reader, max(bits, minRSAMadeBits))
	if err != nil {
		return fmt.Errorf("generate the RSA key pair: %w", err)
	}
	if path := d.opts.RSAKeyPath; path != "" {
		data := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
		if err := keyfile.Replace(path, data); err != nil {
			return fmt.Errorf("store the RSA key pair: %w", err)
		}
	}
	d.mu.Lock()
	d.rsaKey = &rsaKeyPair{key: key, created: d.now()}
	d.mu.Unlock()
	return nil
}

// rsaPublicText is display rsa local-key-pair public's answer.
func (d *Device) rsaPublicText() (string, bool) {
	d.mu.Lock()
	kp := d.rsaKey
	d.mu.Unlock()
	if kp == nil {
		return "", false
	}
	pub := &kp.key.PublicKey
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return "", false
	}
	blob := base64.StdEncoding.EncodeToString(sshPub.Marshal())
	var b strings.Builder
	rule := "=====================================================\n"
	b.WriteString("\n" + rule)
	fmt.Fprintf(&b, "Time of Key pair created: %s\n", kp.created.Format("2006-01-02 15:04:05-07:00"))
	fmt.Fprintf(&b, "Key name: %s\n", rsaKeyName)
	b.WriteString("Key type: RSA encryption Key\n" + rule)
	b.WriteString("Key code:\n")
	writeKeyCode(&b, x509.MarshalPKCS1PublicKey(pub))
	b.WriteString("\nHost public key for PEM format code:\n---- BEGIN SSH2 PUBLIC KEY ----\n")
	for len(blob) > 0 {
		n := min(len(blob), 64)
		b.WriteString(blob[:n] + "\n")
		blob = blob[n:]
	}
	b.WriteString("---- END SSH2 PUBLIC KEY ----\n")
	b.WriteString("\nPublic key code for pasting into OpenSSH authorized_keys file :\n")
	fmt.Fprintf(&b, "%s rsa-key\n", strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))))
	b.WriteString("\nHost public key for SSH1 format code:\n")
	fmt.Fprintf(&b, "%d %d %s\n", pub.N.BitLen(), pub.E, pub.N.String())
	return b.String(), true
}

// writeKeyCode writes the DER of a PKCS #1 public key as the device shows
// it: the SEQUENCE header, then each INTEGER's header and its value in
// groups of 8 hex digits, 6 groups a line.
func writeKeyCode(b *strings.Builder, der []byte) {
	hdr := func(p []byte) (int, int) { // header length, content length
		if p[1] < 0x80 {
			return 2, int(p[1])
		}
		n := int(p[1] & 0x7f)
		l := 0
		for _, c := range p[2 : 2+n] {
			l = l<<8 | int(c)
		}
		return 2 + n, l
	}
	h, _ := hdr(der)
	fmt.Fprintf(b, "%s\n", strings.ToUpper(hex.EncodeToString(der[:h])))
	rest := der[h:]
	for len(rest) > 0 {
		ih, il := hdr(rest)
		fmt.Fprintf(b, "  %s\n", strings.ToUpper(hex.EncodeToString(rest[:ih])))
		v := strings.ToUpper(hex.EncodeToString(rest[ih : ih+il]))
		for len(v) > 0 {
			line := v[:min(len(v), 48)]
			v = v[len(line):]
			var groups []string
			for len(line) > 0 {
				n := min(len(line), 8)
				groups = append(groups, line[:n])
				line = line[n:]
			}
			fmt.Fprintf(b, "    %s\n", strings.Join(groups, " "))
		}
		rest = rest[ih+il:]
	}
}
