package vrp

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/vrp/cli"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/flash"
)

// everyCommand is a configuration that uses every configuration command.
const everyCommand = `[V200R007C00SPC600]
#
 sysname R1
 ftp server port 2121
 ftp server max-sessions 50
 ftp timeout 5
 ftp acl 2000
 ftp server-source -a 127.0.0.1
 ftp server enable
 set default ftp-directory flash:
 telnet server port 2323
 telnet server enable
 ftp client-source -a 127.0.0.1
 tftp client-source -a 127.0.0.1
#
acl number 2000
 rule 5 permit source 127.0.0.0 0.0.0.255
 rule 10 deny
#
rsa peer-public-key 192.0.2.2
 public-key-code begin
  308188
    028180
      D273612C 1BF8D8EB 9193F043 9716646E C0C635A5 0CC49C5F 2C91A96E B8F8D4BB
      A470D410 50A2517C DD90F435 94D747E6 CDA2BAEB F1A4A980 17523EB2 2A1C8230
      8614825F 4886A3E4 75A7FDEB 084A5D64 5433DB5B 63B8DA2D 4C7F321E F8A08CB6
      209322CB DF153BA7 FB8B5849 91CBF366 AA2BA57A A6A88624 FB33273B FA406ED3
    0203
      010001
 public-key-code end
peer-public-key end
#
ecc peer-public-key 192.0.2.3 encoding-type der
 public-key-code begin
    048DCB6C 3CFDE9E6 02A7BB23 8B98340B D413005B EBD71E55 C0F00A31 BF81E32A
    6C89BC82 4C75379C 03CD3673 C2B31AF2 97FAF23D 10ACCD85 D3381D8E A39E70EA
    39
 public-key-code end
peer-public-key end
#
ed25519 peer-public-key sw1 encoding-type der
 public-key-code begin
    BB22B157 29110E61 68EB75F4 8E2C9242 E0C10E14 21001C21 FADF07C0 F184619D
 public-key-code end
peer-public-key end
#
aaa
 authentication-scheme default
 authorization-scheme default
 accounting-scheme default
 domain default
 domain default_admin
 local-aaa-user wrong-password retry-interval 6 retry-time 4 block-time 8
 local-user admin password irreversible-cipher Admin@huawei
 local-user admin privilege level 15
 local-user admin service-type ssh terminal
 local-user huawei password cipher huawei123
 local-user huawei privilege level 3
 local-user huawei ftp-directory flash:/logfile
 local-user huawei access-limit 2
 local-user huawei idle-timeout 5 30
 local-user huawei state block
 local-user huawei service-type ftp ssh
 local-user bob password cipher Bob@12345
 local-user bob service-type terminal
 local-user carol password cipher Carol@123
 local-user carol service-type telnet
#
interface GigabitEthernet0/0/0
 description to R2  (uplink)
 shutdown
 ip address 10.0.12.1 255.255.255.0
#
interface GigabitEthernet0/0/1
#
interface GigabitEthernet0/0/2
 ip address 192.0.2.1 255.255.255.252
#
interface LoopBack0
 ip address 1.1.1.1 255.255.255.255
#
interface LoopBack12
#
interface NULL0
#
 stelnet server enable
 sftp server enable
 scp server enable
 ssh server-source -i LoopBack0
 ssh user admin
 ssh user admin authentication-type password
 ssh user admin service-type stelnet
 ssh user bob
 ssh user huawei
 ssh user huawei service-type all
 ssh user huawei sftp-directory flash:/logfile
#
 ssh client first-time enable
 ssh client 192.0.2.2 assign rsa-key 192.0.2.2
 ssh client 192.0.2.3 assign ecc-key 192.0.2.3
 ssh client sw1.example assign ed25519-key sw1
#
user-interface con 0
 authentication-mode password
 set authentication password cipher Con@12345
 user privilege level 3
 idle-timeout 0 0
 screen-length 40
user-interface vty 0 4
 authentication-mode aaa
 user privilege level 2
 protocol inbound ssh
 idle-timeout 15 0
 screen-length 0
#
return
`

func bootFrom(t *testing.T, fs flash.FS, name, text string) *Device {
	t.Helper()
	if err := writeConfigFile(fs, name, text, testClock); err != nil {
		t.Fatal(err)
	}
	d0 := newTestDevice(t, fs)
	if err := d0.setStartup(name); err != nil {
		t.Fatal(err)
	}
	d0.Close()
	d, err := New(Options{Flash: fs, Now: func() time.Time { return testClock }, AAA: aaa.Options{KDF: cheapKDF},
		Listen: func(network, addr string) (net.Listener, error) { return net.Listen(network, "127.0.0.1:0") }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestRoundTrip: render -> replay -> render is identical, for .cfg and .zip.
func TestRoundTrip(t *testing.T) {
	for _, name := range []string{"flash:/r1.cfg", "flash:/vrpcfg.zip"} {
		fs := flash.NewMemory(flash.Options{})
		if err := fs.Mkdir("flash:/logfile"); err != nil {
			t.Fatal(err)
		}
		d := bootFrom(t, fs, name, everyCommand)
		if d.FTPAddr() == nil {
			t.Fatalf("%s: the FTP server did not start at boot: %s", name, strings.Join(d.Log(), "\n"))
		}
		first := d.render(sectionAll)
		if strings.Contains(first, "Admin@huawei") || strings.Contains(first, "huawei123") || strings.Contains(first, "Con@12345") {
			t.Fatalf("plaintext password in the configuration:\n%s", first)
		}
		norm := func(s string) string { return cipherRe.ReplaceAllString(s, "$1<cipher>") }
		want := strings.Replace(norm(everyCommand), "cipher Admin@huawei", "cipher $1a$<cipher>", 1)
		want = strings.Replace(want, "password cipher huawei123", "password irreversible-cipher $1a$<cipher>", 1)
		want = strings.Replace(want, "password cipher Carol@123", "password irreversible-cipher $1a$<cipher>", 1)
		want = strings.Replace(want, "password cipher Bob@12345", "password cipher %$%$<cipher>", 1)
		want = strings.Replace(want, "password cipher Con@12345", "password cipher %$%$<cipher>", 1)
		if diff := cmp.Diff(want, norm(first)); diff != "" {
			t.Errorf("%s: first render (-want +got):\n%s", name, diff)
		}
		d2 := bootFrom(t, fs, name, first)
		if diff := cmp.Diff(first, d2.render(sectionAll)); diff != "" {
			t.Errorf("%s: render -> replay -> render differs (-first +second):\n%s", name, diff)
		}
		if d2.booted != name {
			t.Errorf("booted from %q, want %q", d2.booted, name)
		}
		// the replayed passwords still authenticate, and only with the
		// right password
		if _, err := d2.Users().Authenticate("bob", "Bob@12345", aaa.ServiceTerminal, testAddr.Addr()); err != nil {
			t.Errorf("bob cannot log in after replay: %v", err)
		}
		if _, err := d2.Users().Authenticate("bob", "Bob@1234", aaa.ServiceTerminal, testAddr.Addr()); err == nil {
			t.Error("bob logs in with a wrong password after replay")
		}
		if err := d2.authenticateConsole(context.Background(), "", "Con@12345"); err != nil {
			t.Errorf("the console password does not log in after replay: %v", err)
		}
		if err := d2.authenticateConsole(context.Background(), "", "Con@1234"); err == nil {
			t.Error("a wrong console password logs in after replay")
		}
		if err := d2.AuthenticateSSH("admin", "Admin@huawei", testAddr); err != nil {
			t.Errorf("admin cannot log in after replay: %v", err)
		}
	}
}

// TestBadStartupFile: a startup file that fails to replay boots the default
// configuration and logs the failing line.
func TestBadStartupFile(t *testing.T) {
	for _, tc := range []struct{ name, text, logged string }{
		{"flash:/bad.cfg", "#\n sysname R9\n bogus command here\nreturn\n", `line 3 ("bogus command here")`},
		{"flash:/bad.zip", "not a zip archive", "zip: not a valid zip file"},
		{"flash:/lvl.cfg", "#\naaa\n local-user x privilege level 99\n", `line 3 ("local-user x privilege level 99")`},
	} {
		fs := flash.NewMemory(flash.Options{})
		w, _ := fs.Create(tc.name, 0)
		w.Write([]byte(tc.text))
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		d0 := newTestDevice(t, fs)
		d0.setStartup(tc.name)
		d := newTestDevice(t, fs)
		if d.Sysname() != "Huawei" {
			t.Errorf("%s: sysname %q after a bad startup file", tc.name, d.Sysname())
		}
		if err := d.AuthenticateSSH("admin", "Admin@huawei", testAddr); err != nil {
			t.Errorf("%s: default admin cannot log in: %v", tc.name, err)
		}
		log := strings.Join(d.Log(), "\n")
		if !strings.Contains(log, tc.logged) || !strings.Contains(log, "RESTORE_FAIL") {
			t.Errorf("%s: log does not name the failure %q:\n%s", tc.name, tc.logged, log)
		}
		if d.BootError() == nil {
			t.Errorf("%s: BootError is nil after booting the default", tc.name)
		}
	}
}

// TestExecCaret: without a prompt on the screen (SSH exec), a syntax error
// shows the line it points into.
func TestExecCaret(t *testing.T) {
	d := newTestDevice(t, nil)
	got := run(t, d, "display versoin")
	want := "display versoin\n        ^\nError: Unrecognized command found at '^' position.\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestCheckConfigAndSeedStartup: a configuration is checked as a boot would
// replay it, and a seeded flash boots it.
func TestCheckConfigAndSeedStartup(t *testing.T) {
	err := CheckConfig("#\n sysname R9\naaa\n local-user x privilege level 99\nreturn\n")
	want := `line 4 "local-user x privilege level 99": Error: Wrong parameter found at '^' position.`
	if err == nil || err.Error() != want {
		t.Errorf("CheckConfig = %v, want %s", err, want)
	}
	if err := CheckConfig(everyCommand); err != nil {
		t.Errorf("CheckConfig(everyCommand) = %v", err)
	}
	fs := flash.NewMemory(flash.Options{})
	if wrote, err := SeedStartup(fs, "#\n sysname R9\nreturn\n"); !wrote || err != nil {
		t.Fatalf("SeedStartup = %v, %v", wrote, err)
	}
	if wrote, err := SeedStartup(fs, "#\n sysname R8\nreturn\n"); wrote || err != nil {
		t.Errorf("second SeedStartup = %v, %v; want no write", wrote, err)
	}
	d := newTestDevice(t, fs)
	if d.Sysname() != "R9" || d.BootError() != nil || d.nextStartup() != "flash:/vrpcfg.cfg" {
		t.Errorf("seeded device: sysname %q, boot error %v, startup %q", d.Sysname(), d.BootError(), d.nextStartup())
	}
}

// TestFixtureHasEveryConfigCommand: the round-trip fixture everyCommand uses
// every configuration command, that is every command declared in a view that
// return leaves (the configuration views), apart from the undo forms and
// return itself. A configuration command added without its line in the
// fixture fails here, so the round trip covers it.
// notConfiguration are the commands of configuration views that act
// rather than configure: they have no line in the configuration.
var notConfiguration = map[string]bool{
	"rsa local-key-pair create": true, // makes the key pair, kept outside the configuration
}

func TestFixtureHasEveryConfigCommand(t *testing.T) {
	g, err := grammar()
	if err != nil {
		t.Fatal(err)
	}
	d := newTestDevice(t, nil)
	d.reset()
	seen := map[string]bool{}
	if err := d.replay(everyCommand, func(c *cli.Call) { seen[c.Syntax()] = true }); err != nil {
		t.Fatalf("replay the fixture: %v", err)
	}
	configViews := returnViews()
	n := 0
	for _, r := range g.Reference() {
		// sftp is a client that system view runs, not configuration
		if strings.HasPrefix(r.Syntax, "undo ") || r.Syntax == "return" || strings.HasPrefix(r.Syntax, "sftp ") || notConfiguration[r.Syntax] ||
			!slices.ContainsFunc(r.Views, func(v string) bool { return slices.Contains(configViews, v) }) {
			continue
		}
		n++
		if !seen[r.Syntax] {
			t.Errorf("configuration command %q (%s) has no line in everyCommand", r.Syntax, strings.Join(r.Views, ", "))
		}
	}
	if n < 20 {
		t.Errorf("only %d configuration commands found", n)
	}
}
