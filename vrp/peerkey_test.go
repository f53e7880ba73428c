package vrp

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
)

// testKeys are one key of each family, generated for the test.
func testKeys(t testing.TB) map[string]ssh.PublicKey {
	t.Helper()
	r, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]ssh.PublicKey{}
	for fam, k := range map[string]any{keyRSA: &r.PublicKey, keyECC: &e.PublicKey, keyEd25519: p} {
		s, err := ssh.NewPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		out[fam] = s
	}
	return out
}

func codeOf(family string, k ssh.PublicKey) string {
	var b strings.Builder
	keyCode(&b, family, k.Marshal())
	return b.String()
}

// TestKeyCodeRoundTrip: the key code written for a key parses back to the
// key, for each family; an RSA key code with the modulus's leading zero
// (strict DER, as OpenSSL writes it) parses to the same key as the
// device's form without it.
func TestKeyCodeRoundTrip(t *testing.T) {
	for fam, k := range testKeys(t) {
		code := codeOf(fam, k)
		got, err := parseKeyCode(fam, code)
		if err != nil {
			t.Fatalf("%s: %v\n%s", fam, err, code)
		}
		if !bytes.Equal(got.Marshal(), k.Marshal()) {
			t.Errorf("%s: the key code parses to another key", fam)
		}
		if fam == keyRSA {
			pub := k.(ssh.CryptoPublicKey).CryptoPublicKey().(*rsa.PublicKey)
			strict := hex.EncodeToString(x509.MarshalPKCS1PublicKey(pub))
			if strings.Join(strings.Fields(code), "") == strings.ToUpper(strict) {
				t.Errorf("the device's form kept the leading zero: %s", code)
			}
			got, err := parseKeyCode(fam, strict)
			if err != nil || !bytes.Equal(got.Marshal(), k.Marshal()) {
				t.Errorf("strict DER: %v", err)
			}
		}
	}
}

func TestParseKeyCodeRefusals(t *testing.T) {
	keys := testKeys(t)
	rsaCode := strings.Join(strings.Fields(codeOf(keyRSA, keys[keyRSA])), "")
	for _, tc := range []struct{ family, code, err string }{
		{keyRSA, "", "no key code"},
		{keyRSA, "308", "key code: encoding/hex: odd length hex string"},
		{keyRSA, rsaCode + "00", "data after the RSA key"},
		{keyRSA, rsaCode[:len(rsaCode)-2], "DER element longer than the key code"},
		{keyRSA, "3006020101020103", "RSA modulus of 1 bits"},
		{keyECC, "04" + strings.Repeat("11", 64), "the ECC point is not on its curve"},
		{keyECC, "0411", "an ECC key of 2 bytes"},
		{keyEd25519, "1122", "an Ed25519 key has 32 bytes, not 2"},
		{keyRSA, strings.Repeat("0", maxKeyCode+2), "key code too long"},
	} {
		_, err := parseKeyCode(tc.family, tc.code)
		if err == nil || err.Error() != tc.err {
			t.Errorf("parseKeyCode(%s, %.20q...) = %v, want %q", tc.family, tc.code, err, tc.err)
		}
	}
}

// FuzzParseKeyCode: whatever the key code, parsing never panics, and a key
// it accepts is written back as a key code that parses to the same key.
func FuzzParseKeyCode(f *testing.F) {
	for fam, k := range testKeys(f) {
		f.Add(fam, codeOf(fam, k))
	}
	f.Add(keyRSA, "30 0602 0101 020103")
	f.Add(keyRSA, "308400000001")
	f.Fuzz(func(t *testing.T, family, code string) {
		k, err := parseKeyCode(family, code)
		if err != nil {
			return
		}
		back, err := parseKeyCode(family, codeOf(family, k))
		if err != nil {
			t.Fatalf("the key code written for an accepted key does not parse: %v", err)
		}
		if !bytes.Equal(back.Marshal(), k.Marshal()) {
			t.Fatal("the key code written for an accepted key is another key")
		}
	})
}

// TestPeerKeyTyped: a key typed by hand (the AR's way to trust a server
// before the first connection) in its views, with the device's prompts,
// then assigned to a server; the refusals of a bad key code and of keys
// that do not exist or are in use.
func TestPeerKeyTyped(t *testing.T) {
	keys := testKeys(t)
	d := newTestDevice(t, nil)
	c := openConsole(t, d)
	var b strings.Builder
	run := func(lines ...string) {
		for _, l := range lines {
			b.WriteString(c.s.Prompt() + l + "\n")
			b.WriteString(c.do(l))
		}
	}
	run("system-view", "rsa peer-public-key r2 encoding-type der", "public-key-code begin")
	code := codeOf(keyRSA, keys[keyRSA])
	for _, l := range strings.Split(strings.TrimSpace(code), "\n") {
		run(strings.TrimSpace(l))
	}
	run("public-key-code end", "peer-public-key end", "ssh client 10.1.1.2 assign rsa-key r2",
		"display ssh server-info",
		"ecc peer-public-key bad encoding-type der", "public-key-code begin", "04 1122", "public-key-code xyz", "0411 GHIJ",
		"public-key-code end", "peer-public-key end",
		"ssh client 10.1.1.3 assign ecc-key bad", "undo rsa peer-public-key r2",
		"undo ssh client 10.1.1.2 assign rsa-key", "undo rsa peer-public-key r2", "display ssh server-info")
	want := `[Huawei]rsa peer-public-key r2 encoding-type der
Enter "RSA public key" view, return system view with "peer-public-key end".
[Huawei-rsa-public-key]public-key-code begin
Enter "RSA key code" view, return last view with "public-key-code end".
`
	got := b.String()
	got = got[strings.Index(got, "[Huawei]rsa"):]
	if !strings.HasPrefix(got, want) {
		t.Fatalf("entering the views:\n%s", got)
	}
	got = got[strings.Index(got, "[Huawei-rsa-key-code]public-key-code end"):]
	want = `[Huawei-rsa-key-code]public-key-code end
[Huawei-rsa-public-key]peer-public-key end
[Huawei]ssh client 10.1.1.2 assign rsa-key r2
[Huawei]display ssh server-info
Server Name(IP)          Server public key name   Server public key type
________________________________________________________________________
10.1.1.2                 r2                       RSA
[Huawei]ecc peer-public-key bad encoding-type der
Enter "ECC public key" view, return system view with "peer-public-key end".
[Huawei-ecc-public-key]public-key-code begin
Enter "ECC key code" view, return last view with "public-key-code end".
[Huawei-ecc-key-code]04 1122
[Huawei-ecc-key-code]public-key-code xyz
public-key-code xyz
                ^
Error: Unrecognized command found at '^' position.
[Huawei-ecc-key-code]0411 GHIJ
0411 GHIJ
     ^
Error: Wrong parameter found at '^' position.
[Huawei-ecc-key-code]public-key-code end
Error: The public key code is invalid: an ECC key of 3 bytes.
[Huawei-ecc-public-key]peer-public-key end
[Huawei]ssh client 10.1.1.3 assign ecc-key bad
Error: The ECC public key bad does not exist.
[Huawei]undo rsa peer-public-key r2
Error: The public key is assigned to an SSH server. Delete the assignment first.
[Huawei]undo ssh client 10.1.1.2 assign rsa-key
[Huawei]undo rsa peer-public-key r2
[Huawei]display ssh server-info
Info: No SSH server public key is saved.
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if cfg := d.render(sectionAll); strings.Contains(cfg, "peer-public-key") {
		t.Errorf("a deleted key is still in the configuration:\n%s", cfg)
	}
}
