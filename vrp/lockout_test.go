package vrp

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
)

// TestFTPLockoutPerSource: three wrong passwords from 127.0.0.2 lock huawei
// out for 127.0.0.2 only: the right password from 127.0.0.3 logs in. The
// log and display local-user say which address the lock holds.
func TestFTPLockoutPerSource(t *testing.T) {
	d := newFTPTestDevice(t)
	run(t, d, "system-view", "ftp server enable", "set default ftp-directory flash:", "aaa",
		"local-user huawei password cipher huawei123", "local-user huawei service-type ftp",
		"local-user huawei privilege level 15")

	attacker, _ := ftpDial(t, d, "127.0.0.2")
	var got []string
	for _, pw := range []string{"guess1", "guess2", "guess3"} {
		got = append(got, cmdReply(t, attacker, "USER huawei"), cmdReply(t, attacker, "PASS "+pw))
	}
	again, _ := ftpDial(t, d, "127.0.0.2")
	got = append(got, cmdReply(t, again, "USER huawei"), cmdReply(t, again, "PASS huawei123"))
	user, _ := ftpDial(t, d, "127.0.0.3")
	got = append(got, cmdReply(t, user, "USER huawei"), cmdReply(t, user, "PASS huawei123"))
	want := []string{
		"331 Password required for huawei.", "530 Login incorrect.",
		"331 Password required for huawei.", "530 Login incorrect.",
		"331 Password required for huawei.", "530 Login incorrect.",
		"331 Password required for huawei.", "530 Login incorrect.", // 127.0.0.2 is locked out
		"331 Password required for huawei.", "230 User logged in.", // 127.0.0.3 is not
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FTP logins (-want +got):\n%s", diff)
	}

	out := run(t, d, "display local-user", "display local-user username huawei")
	wantOut := "" +
		"  ----------------------------------------------------------------------------\n" +
		"  User-name                      State  AuthMask  AdminLevel\n" +
		"  ----------------------------------------------------------------------------\n" +
		"  admin                          A      MS        15\n" +
		"  huawei                         B      F         15\n" +
		"  ----------------------------------------------------------------------------\n" +
		"  Total 2 user(s)\n" +
		"\n" +
		"  User-name                      Block-source                   Block-time-left\n" +
		"  ----------------------------------------------------------------------------\n" +
		"  huawei                         127.0.0.2                      5 Min(s)\n" +
		"  ----------------------------------------------------------------------------\n" +
		"  The contents of local user(s):\n" +
		"  Password          : ****************\n" +
		"  State             : block\n" +
		"  Service-type-mask : F\n" +
		"  Privilege level   : 15\n" +
		"  Ftp-directory     : -\n" +
		"  Access-limit      : -\n" +
		"  Accessed-num      : 1\n" +
		"  Idle-timeout      : -\n" +
		"  User-group        : -\n" +
		"  Login fail count  : 0\n" +
		"  Block-source      : 127.0.0.2\n" +
		"  Block-time-left   : 5 Min(s)\n"
	if diff := cmp.Diff(wantOut, out); diff != "" {
		t.Errorf("display local-user (-want +got):\n%s", diff)
	}

	var lockLines []string
	for _, l := range d.Log() {
		if i := strings.Index(l, "AAA/6/LOCALACCOUNT"); i >= 0 {
			lockLines = append(lockLines, l[i:])
		}
	}
	wantLog := []string{"AAA/6/LOCALACCOUNT_LOCK(l)[0]:Local account huawei has been locked. (Ip=127.0.0.2)"}
	if diff := cmp.Diff(wantLog, lockLines); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}

	// `state active` ends the lock, and says for which address.
	run(t, d, "system-view", "aaa", "local-user huawei state active")
	lockLines = nil
	for _, l := range d.Log() {
		if i := strings.Index(l, "AAA/6/LOCALACCOUNT_UNLOCK"); i >= 0 {
			lockLines = append(lockLines, l[i:])
		}
	}
	wantLog = []string{"AAA/6/LOCALACCOUNT_UNLOCK(l)[0]:Local account huawei has been unlocked. (Ip=127.0.0.2)"}
	if diff := cmp.Diff(wantLog, lockLines); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

// TestFTPRefusalsTakeTheSameWork: whatever refuses an FTP login, the password
// is hashed exactly once and the failure delay is waited once, also when the
// password was right and in the login cache; so the answer takes the same
// time whether or not the password was right. The work is counted (the KDF
// hook, the recorded delays), not timed.
func TestFTPRefusalsTakeTheSameWork(t *testing.T) {
	var mu sync.Mutex
	kdf := 0
	var delays []time.Duration
	fs := flash.NewMemory(flash.Options{})
	d, err := New(Options{
		Flash: fs, Now: func() time.Time { return testClock },
		AAA:             aaa.Options{KDF: cheapKDF, KDFHook: func() { mu.Lock(); kdf++; mu.Unlock() }},
		FTPFailureDelay: 3 * time.Second,
		FTPSleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			delays = append(delays, d)
			mu.Unlock()
			return nil
		},
		Listen: func(network, addr string) (net.Listener, error) {
			host, _, _ := net.SplitHostPort(addr)
			return net.Listen(network, net.JoinHostPort(host, "0"))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := fs.Mkdir("flash:/gone"); err != nil {
		t.Fatal(err)
	}
	const pw = "Huawei@123"
	setup := []string{"system-view", "ftp server enable", "aaa"}
	for _, u := range []struct{ name, attrs string }{
		{"huawei", "service-type ftp|privilege level 15|ftp-directory flash:"},
		{"sshonly", "service-type ssh|privilege level 15|ftp-directory flash:"},
		{"low", "service-type ftp|privilege level 2|ftp-directory flash:"},
		{"nodir", "service-type ftp|privilege level 15"},
		{"gone", "service-type ftp|privilege level 15|ftp-directory flash:/gone"},
		{"blocked", "service-type ftp|privilege level 15|ftp-directory flash:|state block"},
		{"locked", "service-type ftp|privilege level 15|ftp-directory flash:"},
		{"limited", "service-type ftp|privilege level 15|ftp-directory flash:|access-limit 1"},
	} {
		setup = append(setup, "local-user "+u.name+" password cipher "+pw)
		for _, a := range strings.Split(u.attrs, "|") {
			setup = append(setup, "local-user "+u.name+" "+a)
		}
	}
	run(t, d, setup...)
	if err := fs.Rmdir("flash:/gone"); err != nil {
		t.Fatal(err)
	}
	users := d.Users()
	src := netip.MustParseAddr("127.0.0.3")
	// Fill the login cache of every user who can pass AAA with the right
	// password, so that a refusal after the password would be quick if it
	// skipped the KDF.
	for _, u := range []struct {
		name string
		svc  aaa.Service
	}{{"huawei", aaa.ServiceFTP}, {"sshonly", aaa.ServiceSSH}, {"low", aaa.ServiceFTP}, {"nodir", aaa.ServiceFTP}, {"gone", aaa.ServiceFTP}, {"locked", aaa.ServiceFTP}, {"limited", aaa.ServiceFTP}} {
		if _, err := users.Authenticate(u.name, pw, u.svc, src); err != nil {
			t.Fatalf("%s: %v", u.name, err)
		}
	}
	for range 3 {
		users.Authenticate("locked", "wrong", aaa.ServiceFTP, src)
	}
	held, _ := ftpDial(t, d, "127.0.0.4")
	cmdReply(t, held, "USER limited")
	if r := cmdReply(t, held, "PASS "+pw); r != "230 User logged in." {
		t.Fatalf("limited's first session: %s", r)
	}

	tests := []struct{ what, user, password, want string }{
		{"unknown user", "nobody", pw, "530 Login incorrect."},
		{"wrong password", "huawei", "wrong", "530 Login incorrect."},
		{"no ftp service", "sshonly", pw, "530 Login incorrect."},
		{"privilege level 2", "low", pw, "530 Login incorrect."},
		{"no directory", "nodir", pw, "530 Login incorrect."},
		{"directory gone", "gone", pw, "530 Login incorrect."},
		{"blocked", "blocked", pw, "530 Login incorrect."},
		{"locked out", "locked", pw, "530 Login incorrect."},
		{"access-limit", "limited", pw, "530 Login incorrect."},
		{"right password, cached", "huawei", pw, "230 User logged in."},
	}
	var got, want []string
	for _, tt := range tests {
		mu.Lock()
		kdf, delays = 0, nil
		mu.Unlock()
		c, _ := ftpDial(t, d, "127.0.0.3")
		cmdReply(t, c, "USER "+tt.user)
		reply := cmdReply(t, c, "PASS "+tt.password)
		mu.Lock()
		got = append(got, fmt.Sprintf("%s: %s, KDF %d, delays %v", tt.what, reply, kdf, delays))
		mu.Unlock()
		if strings.HasPrefix(tt.want, "230") {
			want = append(want, fmt.Sprintf("%s: %s, KDF 0, delays []", tt.what, tt.want))
		} else {
			want = append(want, fmt.Sprintf("%s: %s, KDF 1, delays [3s]", tt.what, tt.want))
		}
		c.Close()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestSSHRefusalsTakeTheSameWork: the device's own reasons to refuse an SSH
// login (STelnet disabled, VTY settings) take one KDF run like a wrong
// password, also when the right password is in the login cache.
func TestSSHRefusalsTakeTheSameWork(t *testing.T) {
	var mu sync.Mutex
	kdf := 0
	d, err := New(Options{
		Flash: flash.NewMemory(flash.Options{}), Now: func() time.Time { return testClock },
		AAA: aaa.Options{KDF: cheapKDF, KDFHook: func() { mu.Lock(); kdf++; mu.Unlock() }},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Users().SetPassword("admin", "Admin@huawei", aaa.IrreversibleCipher); err != nil {
		t.Fatal(err)
	}
	remote := netip.MustParseAddrPort("127.0.0.3:50000")
	count := func(password string) (string, int) {
		mu.Lock()
		kdf = 0
		mu.Unlock()
		result := "ok"
		if err := d.AuthenticateSSH("admin", password, remote); err != nil {
			result = err.Error()
		}
		mu.Lock()
		defer mu.Unlock()
		return result, kdf
	}
	var got []string
	add := func(what, password string) {
		r, n := count(password)
		got = append(got, fmt.Sprintf("%s: %s, KDF %d", what, r, n))
	}
	add("first login", "Admin@huawei")
	add("cached login", "Admin@huawei")
	add("wrong password", "wrong")
	run(t, d, "system-view", "undo stelnet server enable")
	add("STelnet disabled", "Admin@huawei")
	run(t, d, "system-view", "stelnet server enable", "user-interface vty 0 4", "authentication-mode password")
	add("VTY not AAA", "Admin@huawei")
	want := []string{
		"first login: ok, KDF 1",
		"cached login: ok, KDF 0",
		"wrong password: login refused, KDF 1",
		"STelnet disabled: login refused, KDF 1",
		"VTY not AAA: login refused, KDF 1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var reasons []string
	for _, l := range d.Log() {
		if i := strings.Index(l, "FailedReason="); i >= 0 {
			reasons = append(reasons, l[i:strings.Index(l, ", UserName")])
		}
	}
	wantReasons := []string{
		"FailedReason=" + aaa.ReasonWrongPassword,
		"FailedReason=the STelnet, SFTP and SCP servers are disabled",
		"FailedReason=the VTY authentication mode is not AAA",
	}
	if diff := cmp.Diff(wantReasons, reasons); diff != "" {
		t.Errorf("log reasons (-want +got):\n%s", diff)
	}
}
