package lab

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/sshd"
	gossh "golang.org/x/crypto/ssh"
)

const (
	adminUser     = "admin"
	adminPassword = "Admin@huawei"
)

// testOptions make password hashing cheap and refusals quick.
func testOptions() Options {
	return Options{
		Device: func(_ string, o *vrp.Options) {
			o.AAA = aaa.Options{KDF: aaa.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}}
			o.FTPFailureDelay = -1
			o.PingWait = -1
		},
		SSH: func(_ string, s *sshd.Server) { s.FailureDelay = -1 },
	}
}

// startLab writes a lab file into a temporary directory (with the startup
// configurations of testdata), loads and starts it; the lab is shut down
// when the test ends.
func startLab(t *testing.T, text string) (*Lab, string) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"ftp.cfg"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "lab.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
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
	return l, dir
}

func status(t *testing.T, l *Lab, name string) Status {
	t.Helper()
	for _, s := range l.Status() {
		if s.Sysname == name {
			return s
		}
	}
	t.Fatalf("no device %s", name)
	return Status{}
}

func dial(addr netip.AddrPort, password string) (*gossh.Client, gossh.PublicKey, error) {
	var key gossh.PublicKey
	c, err := gossh.Dial("tcp", addr.String(), &gossh.ClientConfig{
		User: adminUser,
		Auth: []gossh.AuthMethod{gossh.Password(password)},
		HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			key = k
			return nil
		},
		Timeout: 10 * time.Second,
	})
	return c, key, err
}

// execute logs in to a device and runs command lines, returning their output.
func execute(t *testing.T, addr netip.AddrPort, lines ...string) string {
	t.Helper()
	return executeInput(t, addr, "", lines...)
}

// executeInput is execute with input for the commands' questions.
func executeInput(t *testing.T, addr netip.AddrPort, input string, lines ...string) string {
	t.Helper()
	c, _, err := dial(addr, adminPassword)
	if err != nil {
		t.Fatalf("ssh %s: %v", addr, err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Stdin = strings.NewReader(input)
	out, err := s.CombinedOutput(strings.Join(lines, "\n"))
	if err != nil {
		t.Fatalf("%q on %s: %v (output %q)", lines, addr, err, out)
	}
	return string(out)
}

const twoDevices = `devices:
  - sysname: R1
    address: 127.88.1.1
    ssh-port: 0
    ftp-port: 0
    startup: ftp.cfg
  - sysname: R2
    address: 127.88.1.2
    ssh-port: 0
    ftp-port: 0
    startup: ftp.cfg
`

// TestDevicesAreIndependent checks that each device has its own address
// (CLI, PASV, FTP client source), host key and users.
func TestDevicesAreIndependent(t *testing.T) {
	l, _ := startLab(t, twoDevices)
	r1, r2 := status(t, l, "R1"), status(t, l, "R2")

	if diff := cmp.Diff("The source address of FTP client is 127.88.1.1.\n", execute(t, r1.SSH, "display ftp-client")); diff != "" {
		t.Errorf("display ftp-client on R1 (-want +got):\n%s", diff)
	}

	// R1's FTP client logs in to R2 and stays; R2 shows R1's address.
	c, _, err := dial(r1.SSH, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.Stdout, s.Stderr = io.Discard, io.Discard
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(in, "ftp %s %d\n%s\n%s\n", r2.FTP.Addr(), r2.FTP.Port(), adminUser, adminPassword)
	users := ""
	port := regexp.MustCompile(`(127\.88\.1\.1 +)\d+ +`)
	id := regexp.MustCompile(`(?m)^  \d+ +`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		users = port.ReplaceAllString(execute(t, r2.SSH, "display ftp-users"), "${1}PORT ")
		users = id.ReplaceAllString(users, "  ID    ")
		if strings.Count(users, "\n") > 1 {
			break
		}
	}
	want := "  id    username    host              port    idle    topdir\n" +
		"  ID    admin       127.88.1.1        PORT 0       flash:\n"
	if diff := cmp.Diff(want, users); diff != "" {
		t.Errorf("display ftp-users on R2 (-want +got):\n%s", diff)
	}
	in.Close()

	// Each device logs in its own log buffer.
	logins := func(name string) (n int) {
		for _, line := range l.Device(name).Log() {
			if strings.Contains(line, "/LOGIN_OK(") {
				n++
				if !strings.Contains(line, "IpAddress=127.88.1.1,") || !strings.Contains(line, " "+name+" %%01FTPS/") {
					t.Errorf("%s logged %q", name, line)
				}
			}
		}
		return n
	}
	if r1n, r2n := logins("R1"), logins("R2"); r1n != 0 || r2n != 1 {
		t.Errorf("FTP logins logged: R1 %d, R2 %d; want 0 and 1", r1n, r2n)
	}

	// R2's PASV reply carries R2's address; a PORT to R1's address is refused.
	ftp := ftpLogin(t, r2.FTP)
	reply := ftp.cmd(t, "PASV")
	if !strings.HasPrefix(reply, "227 ") || !strings.Contains(reply, "(127,88,1,2,") {
		t.Errorf("PASV on R2: %q, want 227 with (127,88,1,2,...)", reply)
	}
	if reply := ftp.cmd(t, "PORT 127,88,1,1,4,1"); !strings.HasPrefix(reply, "5") {
		t.Errorf("PORT to R1's address on R2: %q, want a refusal", reply)
	}

	// Separate host keys and separate users.
	_, k1, err := dial(r1.SSH, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	_, k2, err := dial(r2.SSH, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	if string(k1.Marshal()) == string(k2.Marshal()) {
		t.Error("R1 and R2 present the same host key")
	}
	execute(t, r1.SSH, "system-view", "aaa", "local-user admin password irreversible-cipher Other@pass1")
	if _, _, err := dial(r1.SSH, adminPassword); err == nil {
		t.Error("R1 still accepts the old password")
	}
	if _, _, err := dial(r2.SSH, adminPassword); err != nil {
		t.Errorf("R2 refuses its own password after R1 changed R1's: %v", err)
	}
}

// TestListenElsewhere checks a device that listens on another address than
// the one it shows: its CLI shows its address, its servers listen on the
// listening address only, and its FTP client's connections leave from there.
// R2 has no address and learns its listening address.
func TestListenElsewhere(t *testing.T) {
	l, _ := startLab(t, `defaults:
  ssh-port: 0
  ftp-port: 0
  startup: ftp.cfg
devices:
  - sysname: R1
    address: 127.88.2.1
    listen: 127.88.2.11
  - sysname: R2
    listen: 127.88.2.12
`)
	r1, r2 := status(t, l, "R1"), status(t, l, "R2")
	if r1.SSH.Addr().String() != "127.88.2.1" || r2.Address.String() != "127.88.2.12" {
		t.Fatalf("R1 shows SSH at %s, R2's address is %s", r1.SSH, r2.Address)
	}
	if r1.FTP.Addr().String() != "127.88.2.11" {
		t.Errorf("R1's FTP server listens at %s, want 127.88.2.11", r1.FTP)
	}
	if c, err := net.Dial("tcp", r1.SSH.String()); err == nil {
		c.Close()
		t.Errorf("something listens at R1's shown address %s", r1.SSH)
	}
	r1SSH := netip.AddrPortFrom(netip.MustParseAddr("127.88.2.11"), r1.SSH.Port())
	if diff := cmp.Diff("The source address of FTP client is 127.88.2.1.\n", execute(t, r1SSH, "display ftp-client")); diff != "" {
		t.Errorf("display ftp-client on R1 (-want +got):\n%s", diff)
	}

	// R1's FTP client logs in to R2: R2 sees it come from R1's listening address.
	c, _, err := dial(r1SSH, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.Stdout, s.Stderr = io.Discard, io.Discard
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	fmt.Fprintf(in, "ftp %s %d\n%s\n%s\n", r2.FTP.Addr(), r2.FTP.Port(), adminUser, adminPassword)
	users := ""
	port := regexp.MustCompile(`(127\.88\.2\.11 +)\d+ +`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		users = port.ReplaceAllString(execute(t, r2.SSH, "display ftp-users"), "${1}PORT ")
		if strings.Count(users, "\n") > 1 {
			break
		}
	}
	want := "  id    username    host              port    idle    topdir\n" +
		"  1     admin       127.88.2.11       PORT 0       flash:\n"
	if diff := cmp.Diff(want, users); diff != "" {
		t.Errorf("display ftp-users on R2 (-want +got):\n%s", diff)
	}
}

type ftpConn struct {
	c net.Conn
	r *bufio.Reader
}

func (f *ftpConn) cmd(t *testing.T, line string) string {
	t.Helper()
	if _, err := fmt.Fprintf(f.c, "%s\r\n", line); err != nil {
		t.Fatal(err)
	}
	return f.reply(t)
}

func (f *ftpConn) reply(t *testing.T) string {
	t.Helper()
	var all string
	for {
		line, err := f.r.ReadString('\n')
		if err != nil {
			t.Fatalf("FTP reply: %v (so far %q)", err, all)
		}
		all += line
		if len(line) >= 4 && line[3] == ' ' {
			return strings.TrimRight(all, "\r\n")
		}
	}
}

func ftpLogin(t *testing.T, addr netip.AddrPort) *ftpConn {
	t.Helper()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	f := &ftpConn{c: c, r: bufio.NewReader(c)}
	f.reply(t)
	f.cmd(t, "USER "+adminUser)
	if r := f.cmd(t, "PASS "+adminPassword); !strings.HasPrefix(r, "230") {
		t.Fatalf("FTP login: %q", r)
	}
	return f
}

// TestStopStart stops one device while the other keeps serving, then starts
// it again from its flash with the same host key.
func TestStopStart(t *testing.T) {
	l, _ := startLab(t, twoDevices)
	r1, r2 := status(t, l, "R1"), status(t, l, "R2")
	_, key, err := dial(r1.SSH, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	executeInput(t, r1.SSH, "y\n", "system-view", "sysname Saved", "quit", "save")
	execute(t, r1.SSH, "system-view", "sysname Unsaved")

	held, _, err := dial(r1.SSH, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.StopDevice(t.Context(), "r1"); err != nil {
		t.Fatal(err)
	}
	if _, err := held.NewSession(); err == nil {
		t.Error("a session on R1 survived its stop")
	}
	if _, _, err := dial(r1.SSH, adminPassword); err == nil {
		t.Error("R1 accepts SSH while stopped")
	}
	if c, err := net.Dial("tcp", r1.FTP.String()); err == nil {
		c.Close()
		t.Error("R1's FTP server accepts connections while stopped")
	}
	if got := execute(t, r2.SSH, "display current-configuration | include sysname"); got != " sysname R2\n" {
		t.Errorf("R2 while R1 is stopped: %q", got)
	}
	if l.Device("R1") != nil {
		t.Error("Device returns a stopped device")
	}
	if err := l.StopDevice(t.Context(), "R1"); !errors.Is(err, ErrStopped) {
		t.Errorf("second stop: %v, want ErrStopped", err)
	}

	if err := l.StartDevice("R1"); err != nil {
		t.Fatal(err)
	}
	if err := l.StartDevice("R1"); !errors.Is(err, ErrRunning) {
		t.Errorf("second start: %v, want ErrRunning", err)
	}
	if got := status(t, l, "R1"); got.SSH != r1.SSH || got.FTP != r1.FTP || !got.Running {
		t.Errorf("after restart R1 is %+v, was %+v", got, r1)
	}
	_, key2, err := dial(r1.SSH, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	if string(key.Marshal()) != string(key2.Marshal()) {
		t.Error("R1's host key changed across stop and start")
	}
	if got := execute(t, r1.SSH, "display current-configuration | include sysname"); got != " sysname Saved\n" {
		t.Errorf("R1 after restart: %q, want the saved sysname", got)
	}
	if err := l.StartDevice("R9"); !errors.Is(err, ErrNoDevice) {
		t.Errorf("start of an unknown device: %v", err)
	}
}

// snapshot returns every file under dir but the log files, by path.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "logfile") {
			return err
		}
		data, err := os.ReadFile(p)
		files[strings.TrimPrefix(p, dir)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestShutdownSavesNothing checks that stopping the process leaves the saved
// files as they were, and that the next run boots them.
func TestShutdownSavesNothing(t *testing.T) {
	dir := t.TempDir()
	text := fmt.Sprintf("defaults: {data-root: %q, ssh-port: 0, ftp-port: 0}\ndevices:\n  - {sysname: D1, address: 127.88.2.1, startup: ftp.cfg}\n", dir)
	l, labDir := startLab(t, text)
	d1 := status(t, l, "D1")
	executeInput(t, d1.SSH, "y\n", "system-view", "sysname Saved", "quit", "save")
	execute(t, d1.SSH, "system-view", "sysname Unsaved")
	held, _, err := dial(d1.SSH, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	before := snapshot(t, dir)
	if err := l.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
		t.Errorf("shutdown changed the data directory (-before +after):\n%s", diff)
	}
	if err := l.StartDevice("D1"); !errors.Is(err, ErrLabShutdown) {
		t.Errorf("start after shutdown: %v", err)
	}

	f, err := Load(filepath.Join(labDir, "lab.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	l2, err := Start(f, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Shutdown(context.Background())
	if got := execute(t, status(t, l2, "D1").SSH, "display current-configuration | include sysname"); got != " sysname Saved\n" {
		t.Errorf("next run: %q, want the saved sysname", got)
	}
}

// TestStartRefusesBusyAddress checks that a port in use stops the whole lab
// before any device serves, naming the device's line.
func TestStartRefusesBusyAddress(t *testing.T) {
	busy, err := net.Listen("tcp", "127.88.3.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	text := fmt.Sprintf("devices:\n  - {sysname: R1, address: 127.88.3.1, ssh-port: %d}\n  - {sysname: R2, address: 127.88.3.2, ssh-port: %d}\n", port, port)
	f, err := Parse("lab.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Start(f, testOptions())
	want := fmt.Sprintf("lab.yaml:3: device R2: listen tcp 127.88.3.2:%d: bind: address already in use", port)
	if err == nil || err.Error() != want {
		t.Errorf("Start: %v, want %s", err, want)
	}
	if c, err := net.Dial("tcp", fmt.Sprintf("127.88.3.1:%d", port)); err == nil {
		c.Close()
		t.Error("R1 is serving after a failed start")
	}
}

func TestAdmin(t *testing.T) {
	l, _ := startLab(t, twoDevices)
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	r1, r2 := status(t, l, "R1"), status(t, l, "R2")
	call := func(method, path string) (int, string) {
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	table := func(state1, ftp1 string) string {
		return fmt.Sprintf("DEVICE  STATE    SSH               FTP               FLASH\n"+
			"R1      %-7s  %-16s  %-16s  memory\n"+
			"R2      running  %-16s  %-16s  memory\n", state1, r1.SSH, ftp1, r2.SSH, r2.FTP)
	}
	tests := []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/devices", 200, table("running", r1.FTP.String())},
		{"POST", "/devices/R1/stop", 200, "R1: stopped\n"},
		{"POST", "/devices/R1/stop", 409, "R1: device is stopped\n"},
		{"GET", "/devices", 200, table("stopped", "-")},
		{"POST", "/devices/R3/stop", 404, "R3: no such device\n"},
		{"GET", "/devices/R1/stop", 405, "Method Not Allowed\n"},
		{"POST", "/devices/R1/start", 200, "R1: started\n"},
		{"POST", "/devices/R1/start", 409, "R1: device is running\n"},
		{"GET", "/devices", 200, table("running", r1.FTP.String())},
	}
	for _, tt := range tests {
		code, body := call(tt.method, tt.path)
		if code != tt.code || body != tt.body {
			t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, code, body, tt.code, tt.body)
		}
	}
}

// TestNoGoroutineLeft checks that a lab whose devices had sessions, stops
// and starts leaves no goroutine behind after Shutdown.
func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/ftp.cfg")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ftp.cfg"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Parse(filepath.Join(dir, "lab.yaml"), []byte(twoDevices))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Start(f, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	r1, r2 := status(t, l, "R1"), status(t, l, "R2")
	c, _, err := dial(r1.SSH, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := s.StdinPipe()
	s.Stdout, s.Stderr = io.Discard, io.Discard
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(in, "ftp %s %d\n%s\n%s\n", r2.FTP.Addr(), r2.FTP.Port(), adminUser, adminPassword)
	ftpLogin(t, r2.FTP)
	if err := l.StopDevice(t.Context(), "R2"); err != nil {
		t.Fatal(err)
	}
	if err := l.StartDevice("R2"); err != nil {
		t.Fatal(err)
	}
	ftpLogin(t, r2.FTP)
	if err := l.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.Close()
	after := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if after = runtime.NumGoroutine(); after <= before {
			return
		}
	}
	buf := make([]byte, 1<<20)
	t.Errorf("%d goroutines before the lab, %d after Shutdown:\n%s", before, after, buf[:runtime.Stack(buf, true)])
}

// TestConcurrentControl stops, starts and lists devices from several
// goroutines while the lab shuts down (for the race detector).
func TestConcurrentControl(t *testing.T) {
	f, err := Parse("lab.yaml", []byte("defaults: {ssh-port: 0, ftp-port: 0}\ndevices:\n  - {sysname: C1, address: 127.88.4.1}\n  - {sysname: C2, address: 127.88.4.2}\n"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Start(f, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, name := range []string{"C1", "C2", "C1"} {
		wg.Go(func() {
			for range 20 {
				err := l.StopDevice(context.Background(), name)
				if err != nil && !errors.Is(err, ErrStopped) {
					t.Errorf("stop %s: %v", name, err)
				}
				err = l.StartDevice(name)
				if err != nil && !errors.Is(err, ErrRunning) && !errors.Is(err, ErrLabShutdown) {
					t.Errorf("start %s: %v", name, err)
				}
				l.Status()
				l.Device(name)
			}
		})
	}
	wg.Go(func() {
		time.Sleep(5 * time.Millisecond)
		if err := l.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	wg.Wait()
	l.Shutdown(context.Background())
	for _, s := range l.Status() {
		if s.Running {
			t.Errorf("%s runs after Shutdown", s.Sysname)
		}
	}
}

// TestConfigFile checks the configuration file outside the flash (the
// containerlab convention): R1's does not exist yet, so R1 boots its startup
// configuration and its first save creates the file; R2's exists and wins
// over its startup configuration, and a save rewrites it in place (a bind
// mount cannot be replaced by a rename). Booting a lab again from the files
// gives the saved configurations.
func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	r2cfg := filepath.Join(dir, "r2.cfg")
	ftpCfg, err := os.ReadFile(filepath.Join("testdata", "ftp.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r2cfg, []byte("sysname FromFile\n"+string(ftpCfg)), 0o600); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(r2cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf(`defaults:
  ssh-port: 0
  ftp-port: 0
  startup: ftp.cfg
devices:
  - {sysname: R1, address: 127.88.3.1, config: %s}
  - {sysname: R2, address: 127.88.3.2, config: %s}
`, filepath.Join(dir, "r1.cfg"), r2cfg)
	l, _ := startLab(t, text)
	r1, r2 := status(t, l, "R1"), status(t, l, "R2")
	if got := execute(t, r2.SSH, "display current-configuration | include sysname"); got != " sysname FromFile\n" {
		t.Errorf("R2 booted %q, want its configuration file's sysname FromFile", got)
	}
	for _, r := range []Status{r1, r2} {
		executeInput(t, r.SSH, "y\n", "system-view", "sysname Saved-"+r.Sysname, "quit", "save")
		execute(t, r.SSH, "system-view", "sysname Unsaved")
	}
	for _, r := range []Status{r1, r2} {
		data, err := os.ReadFile(filepath.Join(dir, strings.ToLower(r.Sysname)+".cfg"))
		if err != nil {
			t.Fatal(err)
		}
		saved := execute(t, r.SSH, "display saved-configuration")
		if !strings.Contains(saved, "\n sysname Saved-"+r.Sysname+"\n") {
			t.Errorf("%s saved %q", r.Sysname, saved)
		}
		if diff := cmp.Diff(saved, string(data)); diff != "" {
			t.Errorf("%s's configuration file after save (-saved +file):\n%s", r.Sysname, diff)
		}
	}
	after, err := os.Stat(r2cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || after.Mode() != before.Mode() {
		t.Errorf("r2.cfg was replaced (mode %v, was %v), not rewritten in place", after.Mode(), before.Mode())
	}

	// A new lab (a new container) boots the saved files.
	l2, _ := startLab(t, strings.ReplaceAll(text, "127.88.3.", "127.88.4."))
	for _, name := range []string{"R1", "R2"} {
		if got := execute(t, status(t, l2, name).SSH, "display current-configuration | include sysname"); got != " sysname Saved-"+name+"\n" {
			t.Errorf("%s in a new lab booted %q", name, got)
		}
	}
}

// TestConfigFileNotWritten checks that a save the lab cannot mirror to the
// device's configuration file says so: the flash has the configuration, the
// file outside the device does not.
func TestConfigFileNotWritten(t *testing.T) {
	sub := filepath.Join(t.TempDir(), "config")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(sub, "startup-config.cfg")
	l, _ := startLab(t, fmt.Sprintf("defaults:\n  ssh-port: 0\n  ftp-port: 0\ndevices:\n  - {sysname: R1, address: 127.88.5.1, config: %s}\n", cfg))
	// the configuration file's directory becomes a file: it cannot be written
	if err := os.Remove(sub); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sub, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	got := executeInput(t, status(t, l, "R1").SSH, "y\n", "save")
	want := "Warning: The configuration was saved to flash:/vrpcfg.zip, but not to the configuration file outside the device: "
	if !strings.Contains(got, "\n"+want) || !strings.Contains(got, "Configuration file had been saved successfully") {
		t.Errorf("save with an unwritable configuration file printed:\n%s\nwant a line starting %q, and the flash's success line", got, want)
	}
}
