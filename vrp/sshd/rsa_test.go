package sshd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenSSHRSAHostKey: a client that accepts only RSA host keys cannot
// connect before rsa local-key-pair create, and connects after it; the key
// it sees is the one display rsa local-key-pair public shows.
func TestOpenSSHRSAHostKey(t *testing.T) {
	sshpass := tool(t, "/usr/bin/sshpass")
	tool(t, "/usr/bin/ssh")
	d := newDevice(t)
	_, addr := startServer(t, d)
	port := portOf(t, addr)
	known := filepath.Join(t.TempDir(), "known_hosts")
	rsaOnly := func() (string, int) {
		out, errOut, status := command(t, "", sshpass, append([]string{"-p", adminPassword, "ssh"},
			sshArgs(port, known, "-o", "StrictHostKeyChecking=accept-new", "-o", "HostKeyAlgorithms=rsa-sha2-256", "admin@127.0.0.1", "display ssh server status")...)...)
		return out + errOut, status
	}
	if out, status := rsaOnly(); status == 0 {
		t.Fatalf("an RSA-only client connected before the key pair was made:\n%s", out)
	}
	c := mustDial(t, addr)
	out, status := run(t, c, "system-view\nrsa local-key-pair create", "2048\n")
	want := "Enter system view, return user view with Ctrl+Z.\n" +
		"The key name will be: Host\n" +
		"The range of public key size is (512 ~ 2048).\n" +
		"NOTES: If the key modulus is greater than 512,\n" +
		"       it will take a few minutes.\n" +
		"Input the bits in the modulus[default = 512]:\n" +
		"Generating keys...\n" +
		"..........+++\n" +
		"..............++++++++\n"
	if out != want || status != 0 {
		t.Fatalf("rsa local-key-pair create: status %d, output:\n%s\nwant:\n%s", status, out, want)
	}
	if out, status := rsaOnly(); status != 0 || !strings.Contains(out, "Stelnet server                      :Enable") {
		t.Fatalf("an RSA-only client cannot connect (status %d):\n%s", status, out)
	}
	// the key the client stored is the one the device shows
	kh, err := os.ReadFile(known)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(kh))
	if len(f) < 3 || f[1] != "ssh-rsa" {
		t.Fatalf("known_hosts: %q", kh)
	}
	shown, _ := run(t, c, "display rsa local-key-pair public", "")
	if !strings.Contains(shown, "ssh-rsa "+f[2]+" rsa-key\n") {
		t.Errorf("display rsa local-key-pair public does not show the host key %s:\n%s", f[2], shown)
	}
	// a second create asks before replacing, and n keeps the key
	out, _ = run(t, c, "system-view\nrsa local-key-pair create", "n\n")
	if !strings.Contains(out, "% RSA keys defined for Host already exist.\nConfirm to replace them? (y/n)[n]:") || strings.Contains(out, "Generating") {
		t.Errorf("second create:\n%s", out)
	}
	if again, _ := run(t, c, "display rsa local-key-pair public", ""); again != shown {
		t.Error("answering n replaced the key pair")
	}
}

// TestOpenSSHCiphers: OpenSSH's ssh with its default ciphers gets
// aes128-ctr, as from a VRP device, and one that offers only
// chacha20-poly1305@openssh.com finds no cipher in common.
func TestOpenSSHCiphers(t *testing.T) {
	sshpass := tool(t, "/usr/bin/sshpass")
	tool(t, "/usr/bin/ssh")
	_, addr := startServer(t, newDevice(t))
	port := portOf(t, addr)
	ssh := func(more ...string) (string, int) {
		args := append([]string{"-p", adminPassword, "ssh", "-v"}, sshArgs(port, "/dev/null", more...)...)
		out, errOut, status := command(t, "", sshpass, append(args, "admin@127.0.0.1", "display clock")...)
		return out + errOut, status
	}
	out, status := ssh()
	if status != 0 || !strings.Contains(out, "kex: server->client cipher: aes128-ctr ") || !strings.Contains(out, "kex: client->server cipher: aes128-ctr ") {
		t.Errorf("default ciphers: status %d, want aes128-ctr both ways:\n%s", status, out)
	}
	out, status = ssh("-c", "chacha20-poly1305@openssh.com")
	if status == 0 || !strings.Contains(out, "no matching cipher found") {
		t.Errorf("chacha20-poly1305 only: status %d, want no matching cipher:\n%s", status, out)
	}
}
