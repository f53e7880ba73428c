package instructor

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/lab"
	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/sshd"
	gossh "golang.org/x/crypto/ssh"
)

// The lesson of the tests: R1's FTP client puts a file to R2 in passive
// binary mode and gets it back in active mode; a student mistypes the SSH
// password on R2 and an FTP password on R2; a client behind a "firewall"
// (its data port closed) gets 425 from R2.

const (
	adminPassword = "Admin@huawei"
	instrPassword = "teach-ftp"
)

// testClock is the devices' and the actions' clock: every event has one time.
func testClock() time.Time { return time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC) }

// lessonLab is a running lab of two devices with the instructor's page.
type lessonLab struct {
	lab    *lab.Lab
	rec    *Recorder
	srv    *Server
	http   *httptest.Server
	r1, r2 lab.Status
}

// labText is the lab file of the tests; base is the 127.x.y of its devices'
// addresses (each test its own, so that parallel packages do not collide).
func labText(base, hash string) string {
	return fmt.Sprintf(`devices:
  - {sysname: R1, address: %[1]s.1, ssh-port: 0, ftp-port: 0, startup: R.cfg}
  - {sysname: R2, address: %[1]s.2, ssh-port: 0, ftp-port: 0, startup: R.cfg}
instructor:
  password: "%[2]s"
  checks:
    - name: "R2 has user admin with ftp-directory flash:"
      devices: [R2]
      user: admin
      ftp-directory: "flash:"
    - name: a binary transfer from R1 to R2 succeeded in passive mode
      devices: [R1]
      transfer: {to: R2, mode: passive, type: binary}
    - name: an ASCII transfer from R1 to R2 succeeded in active mode
      devices: [R1]
      transfer: {to: R2, mode: active, type: ascii}
    - name: the FTP server is enabled
      ftp-server: enabled
`, base, hash)
}

func startLessonLab(t *testing.T, base string) *lessonLab {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/R.cfg")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "R.cfg"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "lab.yaml")
	// a cheap hash: the tests check the password, not argon2's cost
	hash := hashWith(instrPassword, []byte("0123456789abcdef"), 64, 1, 1)
	if err := os.WriteFile(path, []byte(labText(base, hash)), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := lab.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder()
	l, err := lab.Start(f, lab.Options{
		Device: func(name string, o *vrp.Options) {
			rec.Hook(name, o)
			o.Now = testClock
			o.AAA = aaa.Options{KDF: aaa.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}}
			o.FTPFailureDelay = -1
		},
		SSH: func(_ string, s *sshd.Server) { s.FailureDelay = -1 },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Shutdown(context.Background()) })
	srv, err := New(l, rec, Options{TokenKey: []byte("test key"), Now: testClock})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	ll := &lessonLab{lab: l, rec: rec, srv: srv, http: hs}
	for _, st := range l.Status() {
		switch st.Sysname {
		case "R1":
			ll.r1 = st
		case "R2":
			ll.r2 = st
		}
	}
	return ll
}

func sshClient(addr netip.AddrPort, password string) (*gossh.Client, error) {
	return gossh.Dial("tcp", addr.String(), &gossh.ClientConfig{
		User:            "admin",
		Auth:            []gossh.AuthMethod{gossh.Password(password)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	})
}

// shell logs in to a device and types input into its shell (no pty, as a
// script would), returning what the device printed.
func shell(t *testing.T, addr netip.AddrPort, input string) string {
	t.Helper()
	c, err := sshClient(addr, adminPassword)
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
	var out strings.Builder
	s.Stdout, s.Stderr = &out, &out
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	s.Wait()
	return out.String()
}

// transfers runs the two transfers of the lesson on R1's FTP client.
func (ll *lessonLab) transfers(t *testing.T) string {
	t.Helper()
	return shell(t, ll.r1.SSH, fmt.Sprintf(`ftp %s %d
admin
%s
binary
passive
put vrpcfg.cfg r1.cfg
ascii
undo passive
get r1.cfg back.cfg
bye
quit
`, ll.r2.FTP.Addr(), ll.r2.FTP.Port(), adminPassword))
}

// refusedLogins: a wrong SSH password and a wrong FTP password on R2.
func (ll *lessonLab) refusedLogins(t *testing.T) {
	t.Helper()
	if c, err := sshClient(ll.r2.SSH, "wrong"); err == nil {
		c.Close()
		t.Fatal("SSH login with a wrong password succeeded")
	}
	f := dialFTP(t, ll.r2.FTP, "")
	f.cmd(t, "USER admin")
	if got := f.cmd(t, "PASS wrong"); !strings.HasPrefix(got, "530 ") {
		t.Fatalf("PASS wrong: %q", got)
	}
	f.cmd(t, "QUIT")
}

// firewalled: a client whose data port is closed asks R2 for an active
// transfer: R2 answers 425.
func (ll *lessonLab) firewalled(t *testing.T, from string) {
	t.Helper()
	f := dialFTP(t, ll.r2.FTP, from)
	f.cmd(t, "USER admin")
	f.cmd(t, "PASS "+adminPassword)
	ln, err := net.Listen("tcp", net.JoinHostPort(from, "0"))
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // the firewall: nothing listens there any more
	ip := strings.ReplaceAll(from, ".", ",")
	f.cmd(t, fmt.Sprintf("PORT %s,%d,%d", ip, port>>8, port&255))
	if got := f.cmd(t, "RETR vrpcfg.cfg"); got != "425 Can't open data connection." {
		t.Fatalf("RETR behind the firewall: %q", got)
	}
	f.cmd(t, "QUIT")
}

type ftpConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialFTP(t *testing.T, addr netip.AddrPort, from string) *ftpConn {
	t.Helper()
	d := net.Dialer{Timeout: 10 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	c, err := d.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	f := &ftpConn{c: c, r: bufio.NewReader(c)}
	f.reply(t)
	return f
}

func (f *ftpConn) cmd(t *testing.T, line string) string {
	t.Helper()
	fmt.Fprintf(f.c, "%s\r\n", line)
	return f.reply(t)
}

func (f *ftpConn) reply(t *testing.T) string {
	t.Helper()
	f.c.SetReadDeadline(time.Now().Add(10 * time.Second))
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

// settle waits until no session is left on the devices, so that every
// event of the lesson has been recorded.
func (ll *lessonLab) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		busy := false
		for _, name := range []string{"R1", "R2"} {
			if d := ll.lab.Device(name); d != nil && (len(d.CLISessions()) > 0 || len(d.FTPSessions()) > 0) {
				busy = true
			}
		}
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("sessions still open after the lesson")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// get fetches path with the instructor's password (auth "instructor"), a
// token ("token:..."), or nothing ("").
func (ll *lessonLab) get(t *testing.T, path, auth string) (int, string) {
	t.Helper()
	return ll.do(t, http.MethodGet, path, auth, "")
}

func (ll *lessonLab) do(t *testing.T, method, path, auth, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ll.http.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case auth == "instructor":
		req.SetBasicAuth("instructor", instrPassword)
	case strings.HasPrefix(auth, "token:"):
		req.Header.Set("Authorization", "Bearer "+strings.TrimPrefix(auth, "token:"))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}
