package vrp

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"golang.org/x/crypto/ssh"
)

// The SSH servers' public keys the device's SSH client trusts are
// configuration, as on the device: peer-public-key blocks whose key code
// is hexadecimal, and "ssh client SERVER assign KIND-key NAME" lines that
// tie a server to one of them. The first-time dialogue of sftp and scp
// writes both; a user may type them by hand to trust a server beforehand.
//
// The key codes are those of the device: an RSA key is a PKCS#1
// RSAPublicKey (a DER SEQUENCE of the modulus and the exponent, written
// without the modulus's leading zero byte as the device writes it), an ECC
// key the uncompressed curve point (04 || X || Y; its length names the
// curve: P-256, P-384 or P-521). The AR has no Ed25519 peer keys; the
// simulation keeps a server's Ed25519 key (when the server offers no
// other) in a family of its own, "ed25519 peer-public-key", whose key code
// is the 32-byte public key.

// Key families, as the commands name them.
const (
	keyRSA     = "rsa"
	keyECC     = "ecc"
	keyEd25519 = "ed25519"
)

// peerKey is a saved public key.
type peerKey struct {
	name   string
	family string // keyRSA, keyECC, keyEd25519
	key    []byte // ssh wire format
}

// sshAssign ties an SSH server to a saved key.
type sshAssign struct {
	server, family, key string
}

// maxKeyCode bounds the hexadecimal digits of one key code (an 8192-bit
// RSA key needs about 2,100).
const maxKeyCode = 8192

// parseKeyCode parses the hexadecimal key code of a key of family: hex
// words, spaces between them ignored. It returns the key.
func parseKeyCode(family, code string) (ssh.PublicKey, error) {
	digits := strings.Join(strings.Fields(code), "")
	if digits == "" {
		return nil, errors.New("no key code")
	}
	if len(digits) > maxKeyCode {
		return nil, errors.New("key code too long")
	}
	raw, err := hex.DecodeString(digits)
	if err != nil {
		return nil, fmt.Errorf("key code: %w", err)
	}
	var pub any
	switch family {
	case keyRSA:
		pub, err = parseRSADER(raw)
	case keyECC:
		pub, err = parseECPoint(raw)
	case keyEd25519:
		if len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("an Ed25519 key has %d bytes, not %d", ed25519.PublicKeySize, len(raw))
		}
		pub = ed25519.PublicKey(raw)
	default:
		return nil, fmt.Errorf("unknown key family %q", family)
	}
	if err != nil {
		return nil, err
	}
	return ssh.NewPublicKey(pub)
}

// derElem reads one DER element of tag from b: its content and the rest.
func derElem(b []byte, tag byte) (content, rest []byte, err error) {
	if len(b) < 2 || b[0] != tag {
		return nil, nil, fmt.Errorf("want DER tag %#02x", tag)
	}
	n, i := int(b[1]), 2
	if n&0x80 != 0 {
		size := n & 0x7f
		if size == 0 || size > 3 || len(b) < 2+size {
			return nil, nil, errors.New("bad DER length")
		}
		n = 0
		for _, c := range b[2 : 2+size] {
			n = n<<8 | int(c)
		}
		i += size
	}
	if n > len(b)-i {
		return nil, nil, errors.New("DER element longer than the key code")
	}
	return b[i : i+n], b[i+n:], nil
}

// parseRSADER parses a PKCS#1 RSAPublicKey. Its integers are read as
// unsigned, since the device writes the modulus without its leading zero.
func parseRSADER(b []byte) (*rsa.PublicKey, error) {
	seq, rest, err := derElem(b, 0x30)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("data after the RSA key")
	}
	nb, seq, err := derElem(seq, 0x02)
	if err != nil {
		return nil, err
	}
	eb, seq, err := derElem(seq, 0x02)
	if err != nil {
		return nil, err
	}
	if len(seq) != 0 {
		return nil, errors.New("data after the RSA exponent")
	}
	n := new(big.Int).SetBytes(nb)
	e := new(big.Int).SetBytes(eb)
	if n.BitLen() < 512 || n.BitLen() > 8192 {
		return nil, fmt.Errorf("RSA modulus of %d bits", n.BitLen())
	}
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return nil, errors.New("bad RSA exponent")
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

// parseECPoint parses an uncompressed point of P-256, P-384 or P-521.
func parseECPoint(b []byte) (*ecdsa.PublicKey, error) {
	var c elliptic.Curve
	switch len(b) {
	case 65:
		c = elliptic.P256()
	case 97:
		c = elliptic.P384()
	case 133:
		c = elliptic.P521()
	default:
		return nil, fmt.Errorf("an ECC key of %d bytes", len(b))
	}
	k, err := ecdsa.ParseUncompressedPublicKey(c, b)
	if err != nil {
		return nil, errors.New("the ECC point is not on its curve")
	}
	return k, nil
}

// keyFamily names the family of an SSH key, "" for one the device cannot
// keep (DSA, certificates).
func keyFamily(k ssh.PublicKey) string {
	switch t := k.Type(); {
	case t == ssh.KeyAlgoRSA:
		return keyRSA
	case strings.HasPrefix(t, "ecdsa-sha2-"):
		return keyECC
	case t == ssh.KeyAlgoED25519:
		return keyEd25519
	}
	return ""
}

// keyCode writes the key code lines of a key, as the device writes them.
func keyCode(b *strings.Builder, family string, wire []byte) {
	k, err := ssh.ParsePublicKey(wire)
	if err != nil {
		return
	}
	ck, ok := k.(ssh.CryptoPublicKey)
	if !ok {
		return
	}
	switch pub := ck.CryptoPublicKey().(type) {
	case *rsa.PublicKey:
		n := pub.N.Bytes()
		e := big.NewInt(int64(pub.E)).Bytes()
		ni, ei := derHeader(0x02, len(n)), derHeader(0x02, len(e))
		seq := derHeader(0x30, len(ni)+len(n)+len(ei)+len(e))
		hexWords(b, "  ", seq)
		hexWords(b, "    ", ni)
		hexWords(b, "      ", n)
		hexWords(b, "    ", ei)
		hexWords(b, "      ", e)
	case *ecdsa.PublicKey:
		p, err := pub.Bytes()
		if err != nil {
			return
		}
		hexWords(b, "    ", p)
	case ed25519.PublicKey:
		hexWords(b, "    ", pub)
	}
}

// derHeader is the tag and length of a DER element of n content bytes.
func derHeader(tag byte, n int) []byte {
	switch {
	case n < 0x80:
		return []byte{tag, byte(n)}
	case n < 0x100:
		return []byte{tag, 0x81, byte(n)}
	case n < 0x10000:
		return []byte{tag, 0x82, byte(n >> 8), byte(n)}
	}
	return []byte{tag, 0x83, byte(n >> 16), byte(n >> 8), byte(n)}
}

// hexWords writes p in upper-case hexadecimal words of 4 bytes, 8 words a
// line, each line indented.
func hexWords(b *strings.Builder, indent string, p []byte) {
	for len(p) > 0 {
		line := p[:min(len(p), 32)]
		p = p[len(line):]
		b.WriteString(indent)
		for i := 0; i < len(line); i += 4 {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strings.ToUpper(hex.EncodeToString(line[i:min(i+4, len(line))])))
		}
		b.WriteByte('\n')
	}
}

// renderKeys writes the peer-public-key blocks.
func (c sshClientConfig) renderKeys(b *strings.Builder) {
	for _, k := range c.keys {
		switch k.family {
		case keyRSA:
			fmt.Fprintf(b, "rsa peer-public-key %s\n", k.name)
		default:
			fmt.Fprintf(b, "%s peer-public-key %s encoding-type der\n", k.family, k.name)
		}
		b.WriteString(" public-key-code begin\n")
		keyCode(b, k.family, k.key)
		b.WriteString(" public-key-code end\npeer-public-key end\n#\n")
	}
}

// findKey returns the index of the key named name (case-insensitive), or -1.
func (c *sshClientConfig) findKey(name string) int {
	for i, k := range c.keys {
		if strings.EqualFold(k.name, name) {
			return i
		}
	}
	return -1
}

// setKeyLocked saves (or replaces) a key.
func (c *sshClientConfig) setKey(name, family string, wire []byte) {
	if i := c.findKey(name); i >= 0 {
		c.keys[i] = peerKey{name: c.keys[i].name, family: family, key: wire}
		return
	}
	c.keys = append(c.keys, peerKey{name: name, family: family, key: wire})
}

// assign ties server to the key name of family, replacing its former key.
func (c *sshClientConfig) assign(server, family, name string) {
	for i, a := range c.assigns {
		if strings.EqualFold(a.server, server) {
			c.assigns[i] = sshAssign{server: a.server, family: family, key: name}
			return
		}
	}
	c.assigns = append(c.assigns, sshAssign{server: server, family: family, key: name})
}

// serverKey returns the key assigned to server and its name.
func (c *sshClientConfig) serverKey(server string) (peerKey, bool) {
	for _, a := range c.assigns {
		if !strings.EqualFold(a.server, server) {
			continue
		}
		if i := c.findKey(a.key); i >= 0 && c.keys[i].family == a.family {
			return c.keys[i], true
		}
	}
	return peerKey{}, false
}

// savePeerKey saves the key of a server the user accepted, under the
// server's name, and assigns it to the server.
func (d *Device) savePeerKey(server string, k ssh.PublicKey) {
	fam := keyFamily(k)
	if fam == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.sshClient.setKey(server, fam, k.Marshal())
	d.cfg.sshClient.assign(server, fam, server)
}

// addPeerKey saves a key typed in a peer-public-key block.
func (d *Device) addPeerKey(name, family string, k ssh.PublicKey) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.sshClient.setKey(name, family, k.Marshal())
}

// errKeyAssigned refuses to delete a key a server is assigned.
var errKeyAssigned = errors.New("assigned")

// deletePeerKey deletes the key name of family. It reports whether there
// was one, and errKeyAssigned when a server is assigned it.
func (d *Device) deletePeerKey(name, family string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := &d.cfg.sshClient
	i := c.findKey(name)
	if i < 0 || c.keys[i].family != family {
		return false, nil
	}
	for _, a := range c.assigns {
		if strings.EqualFold(a.key, name) && a.family == family {
			return true, errKeyAssigned
		}
	}
	c.keys = append(c.keys[:i:i], c.keys[i+1:]...)
	return true, nil
}

// assignPeerKey ties server to the key name of family; it reports whether
// that key exists.
func (d *Device) assignPeerKey(server, family, name string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := &d.cfg.sshClient
	i := c.findKey(name)
	if i < 0 || c.keys[i].family != family {
		return false
	}
	c.assign(server, family, c.keys[i].name)
	return true
}

// unassignPeerKey removes the assignment of server to a key of family.
func (d *Device) unassignPeerKey(server, family string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := &d.cfg.sshClient
	for i, a := range c.assigns {
		if strings.EqualFold(a.server, server) && a.family == family {
			c.assigns = append(c.assigns[:i:i], c.assigns[i+1:]...)
			return true
		}
	}
	return false
}

// serverPeerKey returns the key assigned to server, in ssh wire format.
func (d *Device) serverPeerKey(server string) ([]byte, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k, ok := d.cfg.sshClient.serverKey(server)
	return k.key, ok
}

// serverInfo is one line of display ssh server-info.
type serverInfo struct{ server, key, family string }

// sshServerInfo lists the servers assigned keys, in the order assigned.
func (d *Device) sshServerInfo() []serverInfo {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []serverInfo
	for _, a := range d.cfg.sshClient.assigns {
		out = append(out, serverInfo{server: a.server, key: a.key, family: a.family})
	}
	return out
}
