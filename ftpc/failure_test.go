package ftpc

// Failure injection that real servers cannot produce on demand: a server that
// vanishes or stalls mid-transfer, connects from a foreign address, answers
// late, refuses PASV/PORT. The scripted server below is used ONLY for these.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeSession is one control connection of the scripted server.
type fakeSession struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func (s *fakeSession) send(lines ...string) {
	for _, l := range lines {
		if _, err := io.WriteString(s.conn, l+"\r\n"); err != nil {
			s.t.Errorf("fake server: writing %q: %v", l, err)
		}
	}
}

// expect reads the next command and checks its verb; it returns the argument.
func (s *fakeSession) expect(verb string) string {
	line, err := s.r.ReadString('\n')
	if err != nil {
		s.t.Errorf("fake server: waiting for %s: %v", verb, err)
		return ""
	}
	line = strings.TrimRight(line, "\r\n")
	got, arg, _ := strings.Cut(line, " ")
	if got != verb {
		s.t.Errorf("fake server: got %q, want %s", line, verb)
	}
	return arg
}

// login plays the greeting and login.
func (s *fakeSession) login() {
	s.send("220 FTP service ready.")
	s.expect("USER")
	s.send("331 Password required for admin.")
	s.expect("PASS")
	s.send("230 User logged in.")
}

// passive answers PASV and returns the data listener.
func (s *fakeSession) passive() net.Listener {
	s.expect("PASV")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.t.Errorf("fake server: %v", err)
		return nil
	}
	p := ln.Addr().(*net.TCPAddr).Port
	s.send(fmt.Sprintf("227 Entering Passive Mode (127,0,0,1,%d,%d).", p>>8, p&0xff))
	return ln
}

// startFake runs script on the first connection to a new listener on
// 127.0.0.1 and returns the address. The test waits for the script to end.
func startFake(t *testing.T, script func(s *fakeSession)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		conn, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer conn.Close()
		script(&fakeSession{t: t, conn: conn, r: bufio.NewReader(conn)})
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

func dialFake(t *testing.T, addr string, opts Options) *Conn {
	t.Helper()
	c, err := Dial(context.Background(), addr, opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Login(context.Background(), "admin", "pw"); err != nil {
		t.Fatalf("Login: %v", err)
	}
	return c
}

func TestServerVanishesMidTransfer(t *testing.T) {
	for _, upload := range []bool{false, true} {
		for _, reset := range []bool{false, true} {
			name := map[bool]string{false: "RETR", true: "STOR"}[upload] + map[bool]string{false: " close", true: " reset"}[reset]
			t.Run(name, func(t *testing.T) {
				addr := startFake(t, func(s *fakeSession) {
					s.login()
					ln := s.passive()
					if ln == nil {
						return
					}
					defer ln.Close()
					if upload {
						s.expect("STOR")
					} else {
						s.expect("RETR")
					}
					s.send("150 Opening BINARY mode data connection for big.bin.")
					data, err := ln.Accept()
					if err != nil {
						t.Errorf("fake server: %v", err)
						return
					}
					if upload {
						io.ReadFull(data, make([]byte, 10000))
					} else {
						data.Write(make([]byte, 10000))
					}
					if reset {
						data.(*net.TCPConn).SetLinger(0)
						s.conn.(*net.TCPConn).SetLinger(0)
					}
					data.Close()
					s.conn.Close()
				})
				c := dialFake(t, addr, Options{ReplyTimeout: 30 * time.Second})
				c.SetPassive(true)
				var err error
				if upload {
					_, err = c.Stor(context.Background(), "big.bin", endless{})
				} else {
					_, err = c.Retr(context.Background(), "big.bin", io.Discard, 0)
				}
				if err == nil {
					t.Fatalf("transfer with a vanished server succeeded")
				}
				if _, _, err := c.Pwd(context.Background()); !errors.Is(err, ErrClosed) {
					t.Errorf("Pwd after the server vanished: %v, want ErrClosed", err)
				}
			})
		}
	}
}

// endless is a reader that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }

func TestServerStallsMidTransfer(t *testing.T) {
	release := make(chan struct{})
	addr := startFake(t, func(s *fakeSession) {
		s.login()
		ln := s.passive()
		if ln == nil {
			return
		}
		defer ln.Close()
		s.expect("RETR")
		s.send("150 Opening BINARY mode data connection for big.bin.")
		data, err := ln.Accept()
		if err != nil {
			return
		}
		defer data.Close()
		data.Write(make([]byte, 1000))
		<-release // then says nothing more, ABOR included
	})
	defer close(release)
	c := dialFake(t, addr, Options{ReplyTimeout: 200 * time.Millisecond})
	c.SetPassive(true)
	tr, err := c.Retr(context.Background(), "big.bin", io.Discard, 0)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Retr from a stalled server: %v, want a deadline error", err)
	}
	if !strings.Contains(err.Error(), "no progress on the data connection") {
		t.Errorf("error %q does not say what timed out", err)
	}
	if tr.Bytes != 1000 {
		t.Errorf("Retr counted %d bytes, want 1000", tr.Bytes)
	}
}

// TestActiveRejectsForeignDataConnection: in active mode only a connection
// from the server's own address is taken as the data connection.
func TestActiveRejectsForeignDataConnection(t *testing.T) {
	addr := startFake(t, func(s *fakeSession) {
		s.login()
		arg := s.expect("PORT")
		f := strings.Split(arg, ",")
		if len(f) != 6 {
			t.Errorf("PORT argument %q", arg)
			return
		}
		p1, _ := strconv.Atoi(f[4])
		p2, _ := strconv.Atoi(f[5])
		target := net.JoinHostPort(strings.Join(f[:4], "."), strconv.Itoa(p1<<8|p2))
		s.send("200 Port command okay.")
		s.expect("RETR")
		s.send("150 Opening ASCII mode data connection for f.txt.")
		// An intruder at another address connects first ...
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
		evil, err := d.Dial("tcp", target)
		if err != nil {
			t.Errorf("fake server: intruder: %v", err)
			return
		}
		evil.Write([]byte("EVIL\r\n"))
		io.Copy(io.Discard, evil) // ... and is hung up on.
		evil.Close()
		good, err := net.Dial("tcp", target)
		if err != nil {
			t.Errorf("fake server: %v", err)
			return
		}
		good.Write([]byte("GOOD\r\n"))
		good.Close()
		s.send("226 Transfer complete.")
		s.expect("QUIT")
		s.send("221 Server closing.")
	})
	c := dialFake(t, addr, Options{ReplyTimeout: 5 * time.Second})
	var got bytes.Buffer
	tr, err := c.Retr(context.Background(), "f.txt", &got, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != "GOOD\n" || tr.Bytes != 6 {
		t.Errorf("Retr = %q (%d bytes on the wire), want \"GOOD\\n\" (6)", got.String(), tr.Bytes)
	}
	if r, err := c.Quit(context.Background()); err != nil || r.String() != "221 Server closing." {
		t.Errorf("Quit = %v, %v", r, err)
	}
}

// TestLateReply: a reply that comes after the wait for it timed out or was
// cancelled is read (and traced) before the next command's reply.
func TestLateReply(t *testing.T) {
	for _, how := range []string{"timeout", "cancel"} {
		t.Run(how, func(t *testing.T) {
			late := make(chan struct{})
			addr := startFake(t, func(s *fakeSession) {
				s.login()
				s.expect("PWD")
				<-late
				s.send(`257 "/" is current directory.`)
				s.expect("NOOP")
				s.send("200 NOOP ok.")
			})
			rec := &recorder{}
			opts := Options{Trace: rec.trace(), ReplyTimeout: 10 * time.Second}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if how == "timeout" {
				opts.ReplyTimeout = 100 * time.Millisecond
			} else {
				opts.Trace.Command = func(line string) {
					rec.add("> " + line)
					if line == "PWD" {
						cancel()
					}
				}
			}
			c := dialFake(t, addr, opts)
			rec.take()
			_, _, err := c.Pwd(ctx)
			if how == "cancel" && !errors.Is(err, context.Canceled) {
				t.Errorf("Pwd: %v, want context.Canceled", err)
			}
			if how == "timeout" && !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("Pwd: %v, want a deadline error", err)
			}
			close(late)
			c.opts.ReplyTimeout = 10 * time.Second
			c.replyTimeout = 10 * time.Second
			r, err := c.Noop(context.Background())
			if err != nil || r.Code != 200 {
				t.Errorf("Noop = %v, %v", r, err)
			}
			want := []string{"> PWD", `< 257 "/" is current directory.`, "> NOOP", "< 200 NOOP ok."}
			if diff := cmp.Diff(want, rec.take()); diff != "" {
				t.Errorf("dialogue mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExtendedFallback: PASV and PORT refused as unknown lead to EPSV and
// EPRT, and the connection keeps using them.
func TestExtendedFallback(t *testing.T) {
	addr := startFake(t, func(s *fakeSession) {
		s.login()
		s.expect("PASV")
		s.send("500 PASV not understood.")
		s.expect("EPSV")
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Errorf("fake server: %v", err)
			return
		}
		defer ln.Close()
		s.send(fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)", ln.Addr().(*net.TCPAddr).Port))
		s.expect("LIST")
		s.send("150 Opening ASCII mode data connection for *.")
		data, err := ln.Accept()
		if err != nil {
			return
		}
		data.Write([]byte("a\r\nb\r\n"))
		data.Close()
		s.send("226 Transfer complete.")
		s.expect("EPRT")
		s.send("200 EPRT ok.")
		s.expect("NLST")
		s.send("550 No files.")
	})
	rec := &recorder{}
	c := dialFake(t, addr, Options{Trace: rec.trace()})
	c.SetPassive(true)
	rec.take()
	var got bytes.Buffer
	tr, err := c.List(context.Background(), "", &got)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != "a\nb\n" || tr.Bytes != 6 || tr.Reply.String() != "226 Transfer complete." {
		t.Errorf("List = %q, %d bytes, %v", got.String(), tr.Bytes, tr.Reply)
	}
	if !c.Extended() {
		t.Errorf("Extended() = false after the PASV fallback")
	}
	c.SetPassive(false)
	_, err = c.NameList(context.Background(), "", &got)
	if replyCode(err) != 550 {
		t.Errorf("NameList: %v, want 550", err)
	}
	cmds := commands(rec.take())
	if len(cmds) != 5 || cmds[0] != "PASV" || cmds[1] != "EPSV" || cmds[2] != "LIST" ||
		!strings.HasPrefix(cmds[3], "EPRT |1|127.0.0.1|") || cmds[4] != "NLST" {
		t.Errorf("commands %q", cmds)
	}
}

// TestCancelWhileWaitingForData: the server announces the transfer but never
// connects; cancelling sends ABOR and leaves the connection usable.
func TestCancelWhileWaitingForData(t *testing.T) {
	addr := startFake(t, func(s *fakeSession) {
		s.login()
		s.expect("PORT")
		s.send("200 Port command okay.")
		s.expect("RETR")
		s.send("150 Opening BINARY mode data connection for f.")
		s.expect("ABOR")
		s.send("426 Connection closed; transfer aborted.", "226 Abort successful.")
		s.expect("PWD")
		s.send(`257 "/" is current directory.`)
	})
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := rec.trace()
	tr.Reply = func(line string) {
		rec.add("< " + line)
		if strings.HasPrefix(line, "150 ") {
			cancel() // Ctrl+C as soon as the transfer is announced
		}
	}
	c := dialFake(t, addr, Options{Trace: tr})
	rec.take()
	res, err := c.Retr(ctx, "f", io.Discard, 0)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Retr: %v, want context.Canceled", err)
	}
	if res.Reply.String() != "226 Abort successful." {
		t.Errorf("last reply %q", res.Reply)
	}
	if _, _, err := c.Pwd(context.Background()); err != nil {
		t.Errorf("Pwd after abort: %v", err)
	}
	got := rec.take()
	if !slices.Contains(got, "> ABOR") || !slices.Contains(got, "< 426 Connection closed; transfer aborted.") {
		t.Errorf("dialogue %q", got)
	}
}

func TestGreeting(t *testing.T) {
	tests := []struct {
		name    string
		lines   []string
		want    Reply
		wantErr int
	}{
		{
			name:  "VRP",
			lines: []string{"220 FTP service ready."},
			want:  Reply{220, []string{"220 FTP service ready."}},
		},
		{
			name:  "newer VRP, multi-line",
			lines: []string{"220-Warning: Ftp is not a secure protocol, and it is recommended to use Sftp.", "220 FTP service ready."},
			want:  Reply{220, []string{"220-Warning: Ftp is not a secure protocol, and it is recommended to use Sftp.", "220 FTP service ready."}},
		},
		{
			name:  "120 first",
			lines: []string{"120 Ready in 1 minute.", "220 FTP service ready."},
			want:  Reply{220, []string{"220 FTP service ready."}},
		},
		{
			name:    "too many users",
			lines:   []string{"421 Too many users."},
			wantErr: 421,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := startFake(t, func(s *fakeSession) { s.send(tt.lines...) })
			var order []string
			trace := &Trace{
				Connected: func(local, remote net.Addr) { order = append(order, "connected to "+remote.String()) },
				Reply:     func(l string) { order = append(order, l) },
			}
			c, err := Dial(context.Background(), addr, Options{Trace: trace})
			if tt.wantErr != 0 {
				if replyCode(err) != tt.wantErr {
					t.Errorf("Dial: %v, want %d", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if diff := cmp.Diff(tt.want, c.Greeting()); diff != "" {
				t.Errorf("greeting mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(append([]string{"connected to " + addr}, tt.lines...), order); diff != "" {
				t.Errorf("trace mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDialRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := Dial(context.Background(), addr, Options{}); err == nil {
		t.Errorf("Dial to a closed port succeeded")
	}
	if _, err := Dial(context.Background(), addr, Options{LocalAddr: "not-an-ip"}); err == nil {
		t.Errorf("Dial with a bad source address succeeded")
	}
}

// TestLineBreakRefused: an argument with CR or LF is refused before anything
// is sent (it would smuggle in a second command), and the connection stays
// usable.
func TestLineBreakRefused(t *testing.T) {
	addr := startFake(t, func(s *fakeSession) {
		s.login()
		s.expect("NOOP")
		s.send("200 NOOP ok.")
	})
	rec := &recorder{}
	c := dialFake(t, addr, Options{Trace: rec.trace()})
	rec.take()
	ctx := context.Background()
	for _, name := range []string{"a\r\nDELE b", "a\nb", "a\rb"} {
		if _, err := c.Dele(ctx, name); !errors.Is(err, ErrLineBreak) {
			t.Errorf("Dele(%q): %v, want ErrLineBreak", name, err)
		}
		if _, err := c.Retr(ctx, name, io.Discard, 0); !errors.Is(err, ErrLineBreak) {
			t.Errorf("Retr(%q): %v, want ErrLineBreak", name, err)
		}
	}
	if _, err := c.Login(ctx, "x\r\nDELE y", "pw"); !errors.Is(err, ErrLineBreak) {
		t.Errorf("Login: %v, want ErrLineBreak", err)
	}
	if r, err := c.Noop(ctx); err != nil || r.Code != 200 {
		t.Errorf("Noop = %v, %v", r, err)
	}
	if diff := cmp.Diff([]string{"NOOP"}, commands(rec.take())); diff != "" {
		t.Errorf("commands sent mismatch (-want +got):\n%s", diff)
	}
}
