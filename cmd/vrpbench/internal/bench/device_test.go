package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/sshd"
)

// testDevice serves a device with the default configuration (cheap password
// hashing) over SSH on loopback, in this process, and returns the benchmark's
// handle on it: what device.exec and device.configure talk to.
func testDevice(t *testing.T) *device {
	t.Helper()
	clock := func() time.Time { return time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC) }
	d, err := vrp.New(vrp.Options{
		Flash: flash.NewMemory(flash.Options{Clock: clock}),
		Now:   clock,
		AAA:   aaa.Options{KDF: aaa.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}, Now: clock},
		// Refusals at once: the limit test refuses logins.
		FTPFailureDelay: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Users().SetPassword(adminUser, adminPassword, aaa.IrreversibleCipher); err != nil {
		t.Fatal(err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	srv := &sshd.Server{Device: d, HostKey: key}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		<-served
	})
	return &device{sshAddr: l.Addr().String(), hostKey: key.PublicKey()}
}

// TestDeviceExec runs CLI lines in an exec session whose input answers the
// device's question, as the client benchmark answers the FTP client's
// login: the whole output comes back, and the answer reached the device.
func TestDeviceExec(t *testing.T) {
	dev := testDevice(t)
	ctx := context.Background()
	out, err := dev.exec(ctx, "system-view\nsysname R9\nquit\nsave", "y\n", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := "Enter system view, return user view with Ctrl+Z.\n" +
		"  The current configuration will be written to the device.\n" +
		"  Are you sure to continue? (y/n)[n]:\n" + // an exec session echoes nothing
		"  It will take several minutes to save configuration file, please wait.........\n" +
		"  Configuration file had been saved successfully\n" +
		"  Note: The configuration file will take effect after being activated\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("exec output (-want +got):\n%s", diff)
	}
	// Without an answer, the question gets the device's default, "n".
	out, err = dev.exec(ctx, "save", "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want = "  The current configuration will be written to the device.\n  Are you sure to continue? (y/n)[n]:\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("exec output without an answer (-want +got):\n%s", diff)
	}

	wrong := *dev
	other, err := ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	if err != nil {
		t.Fatal(err)
	}
	wrong.hostKey = other.PublicKey()
	if _, err := wrong.exec(ctx, "display clock", "", time.Minute); err == nil || !strings.Contains(err.Error(), "host key mismatch") {
		t.Errorf("exec with another host key pinned: error %v, want a host key mismatch", err)
	}
}

// TestDeviceConfigure sets the device up as the server benchmark does and
// checks, with the benchmark's own idle sessions, the limit its crowd test
// meets: 5 users at the default, all of them once the limit is raised.
func TestDeviceConfigure(t *testing.T) {
	dev := testDevice(t)
	ctx := context.Background()
	log := new(strings.Builder)
	j := &job{ports: make(map[int]bool)}
	port, err := j.freePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	login := ftpLogin{"127.0.0.1", port, benchUser, benchPassword}
	if err := dev.configure(ctx, deviceFTPConfig(port, benchUser, benchPassword), log); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "Info: Succeeded in starting the FTP server.") {
		t.Errorf("configuration log %q, want the FTP server started", log.String())
	}
	conns, ok := openIdle(ctx, login, 7)
	for _, c := range conns {
		c.Close()
	}
	if len(conns) != 7 || ok != 5 {
		t.Errorf("7 sessions at the default limit: %d connected, %d logged in; want 7 and 5", len(conns), ok)
	}

	if err := dev.configure(ctx, raiseConfig(8), log); err != nil {
		t.Fatal(err)
	}
	// The restarted server has forgotten the closed sessions once it
	// accepts connections again; wait for the old ones to be gone.
	for range 100 {
		conns, ok = openIdle(ctx, login, 7)
		for _, c := range conns {
			c.Close()
		}
		if ok == 7 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ok != 7 {
		t.Errorf("7 sessions with max-sessions 8: %d logged in, want 7", ok)
	}

	err = dev.configure(ctx, "system-view\nftp server bogus", log)
	if err == nil || !strings.Contains(err.Error(), "the device refused a configuration line") {
		t.Errorf("configure of a line the device does not know: error %v, want a refusal", err)
	}
}
