package vrp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
)

// TestRSAKeyPairSurvivesRestart: the key pair made by rsa local-key-pair
// create is kept at Options.RSAKeyPath and is the same after a restart; a
// damaged file stops the start with a message that says what to do.
func TestRSAKeyPairSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rsa_local_key_pair")
	fs := flash.NewMemory(flash.Options{})
	start := func() (*Device, error) {
		return New(Options{Flash: fs, Now: func() time.Time { return testClock }, RSAKeyPath: path,
			AAA: aaa.Options{KDF: cheapKDF, Now: func() time.Time { return testClock }}})
	}
	d, err := start()
	if err != nil {
		t.Fatal(err)
	}
	if out := run(t, d, "display rsa local-key-pair public"); out != "Error: The RSA local key pair does not exist.\n" {
		t.Errorf("before create: %q", out)
	}
	if err := d.createRSAKey(512); err != nil {
		t.Fatal(err)
	}
	if n := d.RSAHostKey().N.BitLen(); n != minRSAMadeBits {
		t.Errorf("key of %d bits, want %d", n, minRSAMadeBits)
	}
	first, _ := d.rsaPublicText()
	d.Close()
	d2, err := start()
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if got, _ := d2.rsaPublicText(); !strings.Contains(got, "Key code:") || got[strings.Index(got, "Key code:"):] != first[strings.Index(first, "Key code:"):] {
		t.Errorf("the key pair changed across a restart:\n%s\nwant:\n%s", got, first)
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := start(); err == nil || !strings.Contains(err.Error(), "rsa local-key-pair create") {
		t.Errorf("damaged key file: %v", err)
	}
}

// TestRSAModulusRefused: a modulus outside 512-2048 is refused.
func TestRSAModulusRefused(t *testing.T) {
	d := newTestDevice(t, nil)
	term := &scriptTerminal{answers: []string{"4096"}}
	s, err := d.OpenSession(SessionInfo{Line: LineConsole}, term)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Execute("system-view")
	s.Execute("rsa local-key-pair create")
	if !strings.Contains(term.out.String(), "Error: The bits of the modulus must be from 512 to 2048.\n") || d.hasRSAKey() {
		t.Errorf("4096 bits: %q, key made: %v", term.out.String(), d.hasRSAKey())
	}
}
