package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/vrpsim/vrpsim/internal/keyfile"
	gossh "golang.org/x/crypto/ssh"
)

// LoadOrCreateHostKey returns the ed25519 host key stored at path (OpenSSH
// PEM format). When the file does not exist it generates a key and stores it
// there with mode 0600, creating the directory (0700) if needed, so that the
// device presents the same host key after a restart and the clients'
// known_hosts entries stay valid. A file that holds no key (empty, truncated,
// damaged) is an error that says to delete it; it is never replaced silently,
// since the clients would then meet a new host key.
func LoadOrCreateHostKey(path string) (gossh.Signer, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		signer, err := gossh.ParsePrivateKey(data)
		if err != nil {
			return nil, fmt.Errorf("the SSH host key file %s is empty or damaged (%w): delete it to make a new one (SSH clients will then see a new host key)", path, err)
		}
		return signer, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("sshd: host key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("sshd: generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, fmt.Errorf("sshd: encode host key: %w", err)
	}
	if err := keyfile.Create(path, pem.EncodeToMemory(block)); err != nil {
		if errors.Is(err, fs.ErrExist) { // stored meanwhile by another start
			return LoadOrCreateHostKey(path)
		}
		return nil, fmt.Errorf("sshd: store host key: %w", err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("sshd: host key: %w", err)
	}
	return signer, nil
}

// rsaHostKey is the signer of one RSA key pair of the device.
type rsaHostKey struct {
	key    *rsa.PrivateKey
	signer gossh.Signer
}

// rsaSigner returns the signer of the device's RSA local key pair ("rsa
// local-key-pair create"), offered beside the server's host key so that
// clients that accept only RSA host keys (ssh -o
// HostKeyAlgorithms=rsa-sha2-256) can connect; nil while the device has
// none. A new key pair is offered from the next connection on.
func (srv *Server) rsaSigner() gossh.Signer {
	key := srv.Device.RSAHostKey()
	if key == nil {
		return nil
	}
	if cur := srv.rsa.Load(); cur != nil && cur.key == key {
		return cur.signer
	}
	signer, err := gossh.NewSignerFromKey(key)
	if err != nil {
		srv.log.Error("ssh: the RSA key pair cannot sign", "err", err)
		return nil
	}
	srv.rsa.Store(&rsaHostKey{key: key, signer: signer})
	return signer
}
