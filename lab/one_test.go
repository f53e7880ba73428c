package lab

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// startOne starts the lab of OneDevice; it is shut down when the test ends.
func startOne(t *testing.T, sysname, sshAddr, data string) *Lab {
	t.Helper()
	f, err := OneDevice(sysname, sshAddr, data)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Start(f, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return l
}

// TestOneDevice starts vrpsim's one device: its address follows the SSH
// address, its flash and host key are in the data directory, and a stop and
// start keep the SSH port that was picked at the first start.
func TestOneDevice(t *testing.T) {
	data := t.TempDir()
	l := startOne(t, "One", "127.0.0.2:0", data)
	st := l.Status()
	if len(st) != 1 {
		t.Fatalf("%d devices, want 1", len(st))
	}
	port := st[0].SSH.Port()
	want := Status{Sysname: "One", Address: netip.MustParseAddr("127.0.0.2"),
		SSH: netip.MustParseAddrPort(fmt.Sprintf("127.0.0.2:%d", port)), Running: true,
		InitialPassword: true, Flash: FlashDisk, Data: data}
	if diff := cmp.Diff([]Status{want}, st, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b }),
		cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("Status (-want +got):\n%s", diff)
	}
	executeInput(t, st[0].SSH, "y\n", "system-view", "sysname Saved", "quit", "save")
	for _, name := range []string{"ssh_host_ed25519_key", "flash/vrpcfg.zip"} {
		if _, err := os.Stat(filepath.Join(data, name)); err != nil {
			t.Errorf("data directory: %v", err)
		}
	}
	if err := l.StopDevice(t.Context(), "One"); err != nil {
		t.Fatal(err)
	}
	if err := l.StartDevice("One"); err != nil {
		t.Fatal(err)
	}
	if got := l.Status()[0].SSH; got != st[0].SSH {
		t.Errorf("after a restart the SSH server listens on %s, want %s", got, st[0].SSH)
	}
	if got := execute(t, st[0].SSH, "display current-configuration | include sysname"); got != " sysname Saved\n" {
		t.Errorf("after a restart: %q, want the saved sysname", got)
	}
	if got := l.Device("One").Sysname(); got != "Saved" {
		t.Errorf("Device(One).Sysname() = %q", got)
	}
}

// TestOneDeviceWithoutSSH: with no SSH address the device runs without an
// SSH server and makes no host key.
func TestOneDeviceWithoutSSH(t *testing.T) {
	data := t.TempDir()
	l := startOne(t, "Quiet", "", data)
	st := l.Status()[0]
	if !st.Running || st.SSH.IsValid() || st.Address != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("status %+v, want running, no SSH, address 127.0.0.1", st)
	}
	if l.Device("Quiet") == nil {
		t.Fatal("no device")
	}
	if _, err := os.Stat(filepath.Join(data, "ssh_host_ed25519_key")); !os.IsNotExist(err) {
		t.Errorf("host key file: %v, want none", err)
	}
	if err := l.StopDevice(t.Context(), "Quiet"); err != nil {
		t.Fatal(err)
	}
	if err := l.StartDevice("Quiet"); err != nil {
		t.Fatal(err)
	}
}

// TestOneDeviceErrors: the errors of the one device are its own, with no
// lab file, line or device name.
func TestOneDeviceErrors(t *testing.T) {
	if _, err := OneDevice("R1", "nowhere", t.TempDir()); err == nil || err.Error() != "address nowhere: missing port in address" {
		t.Errorf("OneDevice with a bad SSH address: %v", err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	damaged := t.TempDir()
	key := filepath.Join(damaged, "ssh_host_ed25519_key")
	if err := os.WriteFile(key, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ssh, data, want string
	}{
		{"busy", busy.Addr().String(), t.TempDir(), fmt.Sprintf("listen tcp %s: bind: address already in use", busy.Addr())},
		{"damaged key", "127.0.0.1:0", damaged, "the SSH host key file " + key +
			" is empty or damaged (ssh: no key found): delete it to make a new one (SSH clients will then see a new host key)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := OneDevice("R1", tt.ssh, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			l, err := Start(f, testOptions())
			if err == nil {
				l.Shutdown(context.Background())
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("Start: %v, want %s", err, tt.want)
			}
		})
	}
}

// TestDamagedHostKey: a disk device of a lab file whose host key file is
// damaged stops the lab with the key file's message at the device's line.
func TestDamagedHostKey(t *testing.T) {
	data := t.TempDir()
	key := filepath.Join(data, "ssh_host_ed25519_key")
	if err := os.WriteFile(key, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Parse("lab.yaml", fmt.Appendf(nil, "devices:\n  - {sysname: D1, address: 127.88.5.1, ssh-port: 0, data: %q}\n", data))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Start(f, testOptions())
	if err == nil {
		l.Shutdown(context.Background())
	}
	want := "lab.yaml:2: device D1: the SSH host key file " + key +
		" is empty or damaged (ssh: no key found): delete it to make a new one (SSH clients will then see a new host key)"
	if err == nil || err.Error() != want {
		t.Errorf("Start: %v\nwant %s", err, want)
	}
}

// TestStatusLogin: the login command and the warning follow where the SSH
// server listens and admin's password.
func TestStatusLogin(t *testing.T) {
	tests := []struct {
		ssh     string
		initial bool
		login   string
		exposed bool
	}{
		{"127.0.0.1:2222", true, "ssh -p 2222 admin@127.0.0.1", false},
		{"127.89.0.1:22", true, "ssh -p 22 admin@127.89.0.1", false},
		{"[::1]:2222", true, "ssh -p 2222 admin@::1", false},
		{"0.0.0.0:2222", true, "ssh -p 2222 admin@127.0.0.1", true},
		{"[::]:2222", true, "ssh -p 2222 admin@127.0.0.1", true},
		{"[::]:2222", false, "ssh -p 2222 admin@127.0.0.1", false},
		{"192.0.2.1:22", true, "ssh -p 22 admin@192.0.2.1", true},
		{"192.0.2.1:22", false, "ssh -p 22 admin@192.0.2.1", false},
	}
	for _, tt := range tests {
		s := Status{SSH: netip.MustParseAddrPort(tt.ssh), Running: true, InitialPassword: tt.initial}
		if got := s.LoginCommand(); got != tt.login {
			t.Errorf("%s: LoginCommand() = %q, want %q", tt.ssh, got, tt.login)
		}
		if got := s.Exposed(); got != tt.exposed {
			t.Errorf("%s, initial password %v: Exposed() = %v, want %v", tt.ssh, tt.initial, got, tt.exposed)
		}
	}
	if (Status{}).Exposed() {
		t.Error("a device without SSH is exposed")
	}
}
