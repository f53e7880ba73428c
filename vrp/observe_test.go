package vrp

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
)

// recordingObserver keeps what a device reports, as lines.
type recordingObserver struct {
	mu    sync.Mutex
	lines []string
}

func (o *recordingObserver) add(s string) {
	o.mu.Lock()
	o.lines = append(o.lines, s)
	o.mu.Unlock()
}

func (o *recordingObserver) Log(e LogEntry) {
	o.add(fmt.Sprintf("log %s/%s %s", e.Module, e.Brief, e.Text))
}
func (o *recordingObserver) FTP(t FTPTrace) { o.add("ftp " + t.Line) }
func (o *recordingObserver) CLI(e CLIEvent) {
	o.add(fmt.Sprintf("cli %d #%d %s %s %q %q", e.Kind, e.Session, e.Line, e.User, e.Command, e.Output))
}

// TestObserverCLI: the observer sees a session open, each command with its
// secret parameters masked and its output (the answer to a question
// included), and the session close.
func TestObserverCLI(t *testing.T) {
	obs := &recordingObserver{}
	d, err := New(Options{Flash: flash.NewMemory(flash.Options{}), Now: func() time.Time { return testClock },
		AAA: aaa.Options{KDF: cheapKDF}, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	obs.mu.Lock()
	obs.lines = nil // the boot's log
	obs.mu.Unlock()
	term := &scriptTerminal{answers: []string{"y"}}
	s, err := d.OpenSession(SessionInfo{Line: LineConsole, Interactive: true}, term)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"system-view", "aaa", "local-user bob password cipher Bob@12345", "return", "reset saved-configuration"} {
		s.Execute(line)
	}
	s.Close()
	want := []string{
		`cli 1 #1 Console  "" ""`,
		`cli 3 #1 Console  "system-view" "Enter system view, return user view with Ctrl+Z.\n"`,
		`cli 3 #1 Console  "aaa" ""`,
		`cli 3 #1 Console  "local-user bob password cipher ******" "Info: Add a new user.\n"`,
		`cli 3 #1 Console  "return" ""`,
		`cli 3 #1 Console  "reset saved-configuration" "This will delete the configuration in the flash memory.\nThe device configurations will be erased to reconfigure.\nAre you sure? (y/n)[n]:y\nError: The configuration file does not exist.\n"`,
		`cli 2 #1 Console  "" ""`,
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if diff := cmp.Diff(want, obs.lines); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
}

// TestFaultRefuseLogins: with the fault on, a right password is refused
// and the log says why; with it off, the login succeeds.
func TestFaultRefuseLogins(t *testing.T) {
	obs := &recordingObserver{}
	faults := &Faults{}
	d, err := New(Options{Flash: flash.NewMemory(flash.Options{}), Now: func() time.Time { return testClock },
		AAA: aaa.Options{KDF: cheapKDF}, Observer: obs, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Users().SetPassword("admin", "Admin@huawei", aaa.IrreversibleCipher); err != nil {
		t.Fatal(err)
	}
	remote := netip.MustParseAddrPort("127.0.0.3:50000")
	faults.RefuseLogins.Store(true)
	if err := d.AuthenticateSSH("admin", "Admin@huawei", remote); !errors.Is(err, ErrLoginRefused) {
		t.Errorf("login with the fault: %v, want ErrLoginRefused", err)
	}
	faults.RefuseLogins.Store(false)
	if err := d.AuthenticateSSH("admin", "Admin@huawei", remote); err != nil {
		t.Errorf("login without the fault: %v", err)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.lines) == 0 {
		t.Fatal("nothing observed")
	}
	last := obs.lines[len(obs.lines)-1]
	want := "log SSH/SSH_USER_LOGIN_FAIL The SSH user failed to login. (ServiceType=stelnet, FailedReason=injected fault, UserName=admin, IPAddress=127.0.0.3, VPNInstanceName=)"
	if last != want {
		t.Errorf("last observed %q, want %q", last, want)
	}
}

// TestFaultFlashFull: with the fault on, the flash refuses writes and shows
// no free space.
func TestFaultFlashFull(t *testing.T) {
	faults := &Faults{}
	d, err := New(Options{Flash: flash.NewMemory(flash.Options{}), Now: func() time.Time { return testClock },
		AAA: aaa.Options{KDF: cheapKDF}, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	faults.FlashFull.Store(true)
	if _, err := d.Flash().Create("flash:/a.txt", 0); !errors.Is(err, flash.ErrNoSpace) {
		t.Errorf("Create with the flash full: %v", err)
	}
	if _, free := d.Flash().Usage(); free != 0 {
		t.Errorf("free %d with the flash full", free)
	}
	faults.FlashFull.Store(false)
	w, err := d.Flash().Create("flash:/a.txt", 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Abort()
}
