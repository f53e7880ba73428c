package ftpc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/ftpc/ftptest"
)

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	var key [32]byte
	key[0] = byte(seed)
	b := make([]byte, n)
	rand.NewChaCha8(key).Read(b)
	return b
}

func sum(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

// replyLines returns the "< " lines of a recorded dialogue.
func replyLines(rec []string) []string {
	var out []string
	for _, l := range rec {
		if strings.HasPrefix(l, "< ") {
			out = append(out, l[2:])
		}
	}
	return out
}

// commands returns the "> " lines of a recorded dialogue.
func commands(rec []string) []string {
	var out []string
	for _, l := range rec {
		if strings.HasPrefix(l, "> ") {
			out = append(out, l[2:])
		}
	}
	return out
}

func replyCode(err error) int {
	var re *ReplyError
	if errors.As(err, &re) {
		return re.Reply.Code
	}
	return 0
}

// cancelWriter cancels after `after` bytes have been written to it.
type cancelWriter struct {
	n, after int
	cancel   context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	if w.n >= w.after {
		w.cancel()
	}
	return len(p), nil
}

// cancelReader cancels once `after` bytes have been read from it; it never
// ends by itself.
type cancelReader struct {
	n, after int
	cancel   context.CancelFunc
}

func (r *cancelReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n += len(p)
	if r.n >= r.after {
		r.cancel()
	}
	return len(p), nil
}

func TestPeers(t *testing.T) {
	for _, name := range ftptest.Peers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := ftptest.Start(t, name, "127.0.0.1")
			testPeer(t, p)
		})
	}
}

func testPeer(t *testing.T, p *ftptest.Peer) {
	ctx := context.Background()

	t.Run("login dialogue", func(t *testing.T) {
		rec := &recorder{}
		c, err := Dial(ctx, p.Addr, Options{Trace: rec.trace()})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if c.Greeting().Code != 220 {
			t.Errorf("greeting %v, want 220", c.Greeting())
		}
		r, need, err := c.User(ctx, p.User)
		if err != nil || !need || r.Code != 331 {
			t.Fatalf("User = %v, %v, %v; want 331 asking for a password", r, need, err)
		}
		r, err = c.Pass(ctx, p.Password)
		if err != nil || r.Code != 230 {
			t.Fatalf("Pass = %v, %v; want 230", r, err)
		}
		got := rec.take()
		if diff := cmp.Diff([]string{"USER " + p.User, "PASS ******"}, commands(got)); diff != "" {
			t.Errorf("commands mismatch (-want +got):\n%s", diff)
		}
		// Every reply line reached the trace, the greeting's too, in order.
		want := slices.Concat(c.Greeting().Lines, replyLinesOf(t, got, 331), r.Lines)
		if diff := cmp.Diff(want, replyLines(got)); diff != "" {
			t.Errorf("traced replies mismatch (-want +got):\n%s", diff)
		}
		r, err = c.Quit(ctx)
		if err != nil || r.Code != 221 {
			t.Errorf("Quit = %v, %v; want 221", r, err)
		}
		if _, _, err := c.Pwd(ctx); !errors.Is(err, ErrClosed) {
			t.Errorf("Pwd after Quit: %v, want ErrClosed", err)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		c, err := Dial(ctx, p.Addr, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = c.Login(ctx, p.User, "wrong")
		if got := replyCode(err); got != 530 {
			t.Errorf("Login with a wrong password: %v, want 530", err)
		}
	})

	for _, passive := range []bool{false, true} {
		mode := map[bool]string{false: "active", true: "passive"}[passive]
		t.Run("binary "+mode, func(t *testing.T) {
			rec := &recorder{}
			c := login(t, p, Options{Trace: rec.trace()})
			c.SetPassive(passive)
			if _, err := c.SetType(ctx, Binary); err != nil {
				t.Fatal(err)
			}
			rec.take()
			data := randomBytes(3<<20+123, 1)
			name := "up-" + mode + ".bin"
			tr, err := c.Stor(ctx, name, bytes.NewReader(data))
			if err != nil {
				t.Fatalf("Stor: %v", err)
			}
			if tr.Bytes != int64(len(data)) || tr.Reply.Class() != 2 {
				t.Errorf("Stor = %d bytes, reply %v; want %d, 2xx", tr.Bytes, tr.Reply, len(data))
			}
			onDisk, err := os.ReadFile(filepath.Join(p.Dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if sum(onDisk) != sum(data) {
				t.Errorf("stored file differs: %d bytes, want %d", len(onDisk), len(data))
			}
			cmds := commands(rec.take())
			checkDataCommands(t, cmds, passive, "127,0,0,1,", "STOR "+name)

			var got bytes.Buffer
			tr, err = c.Retr(ctx, name, &got, 0)
			if err != nil {
				t.Fatalf("Retr: %v", err)
			}
			if tr.Bytes != int64(len(data)) || sum(got.Bytes()) != sum(data) {
				t.Errorf("Retr = %d bytes (%d written), want %d identical", tr.Bytes, got.Len(), len(data))
			}
			checkDataCommands(t, commands(rec.take()), passive, "127,0,0,1,", "RETR "+name)

			// Resume at an offset.
			got.Reset()
			if _, err := c.Retr(ctx, name, &got, 1000); err != nil {
				t.Fatalf("Retr at offset: %v", err)
			}
			if sum(got.Bytes()) != sum(data[1000:]) {
				t.Errorf("Retr at offset 1000: %d bytes, want %d identical", got.Len(), len(data)-1000)
			}
		})

		t.Run("ASCII "+mode, func(t *testing.T) {
			c := login(t, p, Options{})
			c.SetPassive(passive)
			if c.Type() != ASCII {
				t.Errorf("default type %v, want ASCII", c.Type())
			}
			text := "line one\nline two\n\nlast line without end"
			name := "text-" + mode + ".txt"
			tr, err := c.Stor(ctx, name, strings.NewReader(text))
			if err != nil {
				t.Fatalf("Stor: %v", err)
			}
			if want := int64(len(text) + 3); tr.Bytes != want {
				t.Errorf("ASCII Stor sent %d bytes on the wire, want %d (CRLF line ends)", tr.Bytes, want)
			}
			// The servers store TYPE A uploads with LF: the wire had CRLF.
			onDisk, _ := os.ReadFile(filepath.Join(p.Dir, name))
			if diff := cmp.Diff(text, string(onDisk)); diff != "" {
				t.Errorf("stored text mismatch (-want +got):\n%s", diff)
			}

			// A file with LF line ends on disk comes over the wire with
			// CRLF and is written locally with LF again.
			disk := "a\nbb\nccc\n"
			os.WriteFile(filepath.Join(p.Dir, "lf.txt"), []byte(disk), 0o644)
			var got bytes.Buffer
			tr, err = c.Retr(ctx, "lf.txt", &got, 0)
			if err != nil {
				t.Fatalf("Retr: %v", err)
			}
			if diff := cmp.Diff(disk, got.String()); diff != "" {
				t.Errorf("ASCII Retr mismatch (-want +got):\n%s", diff)
			}
			if want := int64(len(disk) + 3); tr.Bytes != want {
				t.Errorf("ASCII Retr received %d bytes, want %d", tr.Bytes, want)
			}

			// The same file in binary: bytes unchanged.
			if _, err := c.SetType(ctx, Binary); err != nil {
				t.Fatal(err)
			}
			got.Reset()
			if _, err := c.Retr(ctx, "lf.txt", &got, 0); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(disk, got.String()); diff != "" {
				t.Errorf("binary Retr mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("listings "+mode, func(t *testing.T) {
			c := login(t, p, Options{})
			c.SetPassive(passive)
			dir, err := c.Mkd(ctx, "list-"+mode)
			if err != nil {
				t.Fatal(err)
			}
			_ = dir
			sub := filepath.Join(p.Dir, "list-"+mode)
			os.WriteFile(filepath.Join(sub, "a.txt"), []byte("12345"), 0o644)
			os.WriteFile(filepath.Join(sub, "b.bin"), make([]byte, 2263), 0o644)
			os.Mkdir(filepath.Join(sub, "sub"), 0o755)

			var names bytes.Buffer
			tr, err := c.NameList(ctx, "list-"+mode, &names)
			if err != nil {
				t.Fatalf("NameList: %v", err)
			}
			var got []string
			for _, l := range strings.Split(strings.TrimSuffix(names.String(), "\n"), "\n") {
				if strings.Contains(l, "\r") {
					t.Errorf("NLST line %q still has CR", l)
				}
				base := l[strings.LastIndexByte(l, '/')+1:]
				if base != "." && base != ".." {
					got = append(got, base)
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff([]string{"a.txt", "b.bin", "sub"}, got); diff != "" {
				t.Errorf("NLST mismatch (-want +got):\n%s", diff)
			}
			if tr.Bytes != int64(names.Len()+strings.Count(names.String(), "\n")) {
				t.Errorf("NLST counted %d bytes, have %d with LF", tr.Bytes, names.Len())
			}

			if _, err := c.Cwd(ctx, "list-"+mode); err != nil {
				t.Fatal(err)
			}
			var long bytes.Buffer
			if _, err := c.List(ctx, "", &long); err != nil {
				t.Fatalf("List: %v", err)
			}
			want := map[string]*regexp.Regexp{
				"a.txt": regexp.MustCompile(`^-\S+\s+\d+\s+\S+\s+\S+\s+5 .* a\.txt$`),
				"b.bin": regexp.MustCompile(`^-\S+\s+\d+\s+\S+\s+\S+\s+2263 .* b\.bin$`),
				"sub":   regexp.MustCompile(`^d\S+\s+.* sub$`),
			}
			for _, l := range strings.Split(long.String(), "\n") {
				for name, re := range want {
					if re.MatchString(l) {
						delete(want, name)
					}
				}
			}
			if len(want) > 0 {
				t.Errorf("LIST lacks lines for %v:\n%s", slices.Sorted(mapKeys(want)), long.String())
			}
		})
	}

	t.Run("file and directory commands", func(t *testing.T) {
		c := login(t, p, Options{})
		pwd, r, err := c.Pwd(ctx)
		if err != nil || r.Code != 257 {
			t.Fatalf("Pwd = %q, %v, %v", pwd, r, err)
		}
		if p.RemoteDir != "" && pwd != p.RemoteDir {
			t.Errorf("Pwd = %q, want %q", pwd, p.RemoteDir)
		}
		if r, err := c.Mkd(ctx, "d1"); err != nil || r.Code != 257 {
			t.Fatalf("Mkd = %v, %v; want 257", r, err)
		}
		if fi, err := os.Stat(filepath.Join(p.Dir, "d1")); err != nil || !fi.IsDir() {
			t.Errorf("d1 not created: %v", err)
		}
		if _, err := c.Cwd(ctx, "d1"); err != nil {
			t.Fatal(err)
		}
		sub, _, _ := c.Pwd(ctx)
		if !strings.HasSuffix(sub, "/d1") {
			t.Errorf("Pwd in d1 = %q", sub)
		}
		if _, err := c.Cdup(ctx); err != nil {
			t.Fatal(err)
		}
		if back, _, _ := c.Pwd(ctx); back != pwd {
			t.Errorf("Pwd after Cdup = %q, want %q", back, pwd)
		}
		if _, err := c.Cwd(ctx, "no-such-dir"); replyCode(err) != 550 {
			t.Errorf("Cwd to a missing directory: %v, want 550", err)
		}

		if _, err := c.Stor(ctx, "f1", strings.NewReader("hello")); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Append(ctx, "f1", strings.NewReader(" world")); err != nil {
			t.Fatalf("Append: %v", err)
		}
		if b, _ := os.ReadFile(filepath.Join(p.Dir, "f1")); string(b) != "hello world" {
			t.Errorf("after Append: %q", b)
		}
		if _, err := c.SetType(ctx, Binary); err != nil {
			t.Fatal(err)
		}
		n, r, err := c.Size(ctx, "f1")
		if err != nil || n != 11 || r.Code != 213 {
			t.Errorf("Size = %d, %v, %v; want 11, 213", n, r, err)
		}
		if r, err := c.Rename(ctx, "f1", "f2"); err != nil || r.Class() != 2 {
			t.Errorf("Rename = %v, %v", r, err)
		}
		if _, err := os.Stat(filepath.Join(p.Dir, "f2")); err != nil {
			t.Errorf("f2 after rename: %v", err)
		}
		var got bytes.Buffer
		_, err = c.Retr(ctx, "f1", &got, 0)
		if replyCode(err) != 550 {
			t.Errorf("Retr of a missing file: %v, want 550", err)
		}
		if r, err := c.Dele(ctx, "f2"); err != nil || r.Code != 250 {
			t.Errorf("Dele = %v, %v; want 250", r, err)
		}
		if _, err := os.Stat(filepath.Join(p.Dir, "f2")); !os.IsNotExist(err) {
			t.Errorf("f2 after Dele: %v", err)
		}
		if r, err := c.Rmd(ctx, "d1"); err != nil || r.Code != 250 {
			t.Errorf("Rmd = %v, %v; want 250", r, err)
		}
		if r, err := c.Help(ctx, ""); err != nil || r.Class() != 2 || len(r.Lines) < 2 {
			t.Errorf("Help = %v, %v; want a multi-line 2xx", r, err)
		}
		if r, err := c.Feat(ctx); err != nil || r.Code != 211 {
			t.Errorf("Feat = %v, %v; want 211", r, err)
		}
		if r, err := c.Quote(ctx, "NOSUCHCOMMAND x"); err != nil || r.Class() != 5 {
			t.Errorf("Quote of an unknown command = %v, %v; want 5xx", r, err)
		}
		if r, err := c.Quote(ctx, "NOOP"); err != nil || r.Code != 200 {
			t.Errorf("Quote NOOP = %v, %v; want 200", r, err)
		}
	})

	for _, passive := range []bool{false, true} {
		mode := map[bool]string{false: "active", true: "passive"}[passive]
		t.Run("abort "+mode, func(t *testing.T) {
			rec := &recorder{}
			c := login(t, p, Options{Trace: rec.trace()})
			c.SetPassive(passive)
			if _, err := c.SetType(ctx, Binary); err != nil {
				t.Fatal(err)
			}
			big := make([]byte, 16<<20) // more than the socket buffers hold
			os.WriteFile(filepath.Join(p.Dir, "big.bin"), big, 0o644)
			rec.take()

			cctx, cancel := context.WithCancel(ctx)
			w := &cancelWriter{after: 1 << 20, cancel: cancel}
			_, err := c.Retr(cctx, "big.bin", w, 0)
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled Retr: %v, want context.Canceled", err)
			}
			if w.n >= len(big) {
				t.Errorf("cancelled Retr wrote all %d bytes", w.n)
			}
			if dialogue := rec.take(); !slices.Contains(commands(dialogue), "ABOR") {
				t.Errorf("no ABOR sent: %q", dialogue)
			} else {
				t.Logf("abort dialogue: %q", dialogue)
			}
			// The connection is usable after the abort.
			var small bytes.Buffer
			os.WriteFile(filepath.Join(p.Dir, "small.bin"), []byte("after abort"), 0o644)
			if _, err := c.Retr(ctx, "small.bin", &small, 0); err != nil || small.String() != "after abort" {
				t.Errorf("Retr after abort = %q, %v", small.String(), err)
			}
			if _, _, err := c.Pwd(ctx); err != nil {
				t.Errorf("Pwd after abort: %v", err)
			}

			cctx, cancel = context.WithCancel(ctx)
			_, err = c.Stor(cctx, "endless.bin", &cancelReader{after: 1 << 20, cancel: cancel})
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled Stor: %v, want context.Canceled", err)
			}
			if dialogue := rec.take(); !slices.Contains(commands(dialogue), "ABOR") {
				t.Errorf("no ABOR sent: %q", dialogue)
			} else {
				t.Logf("abort dialogue: %q", dialogue)
			}
			if _, _, err := c.Pwd(ctx); err != nil {
				t.Errorf("Pwd after aborted Stor: %v", err)
			}
			small.Reset()
			if _, err := c.Retr(ctx, "small.bin", &small, 0); err != nil || small.String() != "after abort" {
				t.Errorf("Retr after aborted Stor = %q, %v", small.String(), err)
			}
		})
	}
}

// replyLinesOf returns the lines of the reply with the given code in a
// recorded dialogue.
func replyLinesOf(t *testing.T, rec []string, code int) []string {
	t.Helper()
	prefix := strconv.Itoa(code)
	var out []string
	for _, l := range replyLines(rec) {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// checkDataCommands checks the commands of one transfer: PORT with the
// expected address prefix and then the transfer command, or PASV and then it.
func checkDataCommands(t *testing.T, cmds []string, passive bool, portPrefix, transfer string) {
	t.Helper()
	if len(cmds) != 2 {
		t.Errorf("commands %q, want a data command and %q", cmds, transfer)
		return
	}
	if passive {
		if cmds[0] != "PASV" {
			t.Errorf("data command %q, want PASV", cmds[0])
		}
	} else if !regexp.MustCompile(`^PORT ` + regexp.QuoteMeta(portPrefix) + `\d+,\d+$`).MatchString(cmds[0]) {
		t.Errorf("data command %q, want PORT %s<p1>,<p2>", cmds[0], portPrefix)
	}
	if cmds[1] != transfer {
		t.Errorf("transfer command %q, want %q", cmds[1], transfer)
	}
}

// TestSourceAddress: with LocalAddr the control connection leaves from the
// device's own address, PORT announces it, and pyftpdlib (which checks that
// the data connection's address is the control connection's) accepts both
// modes.
func TestSourceAddress(t *testing.T) {
	p := ftptest.Start(t, "pyftpdlib", "127.0.0.1")
	ctx := context.Background()
	for _, passive := range []bool{false, true} {
		rec := &recorder{}
		var local net.Addr
		tr := rec.trace()
		tr.Connected = func(l, _ net.Addr) { local = l }
		c := login(t, p, Options{LocalAddr: "127.0.1.1", Trace: tr})
		if ip := local.(*net.TCPAddr).IP.String(); ip != "127.0.1.1" {
			t.Errorf("control connection from %s, want 127.0.1.1", ip)
		}
		c.SetPassive(passive)
		rec.take()
		if _, err := c.Stor(ctx, "src.txt", strings.NewReader("x")); err != nil {
			t.Fatalf("Stor (passive %v): %v", passive, err)
		}
		checkDataCommands(t, commands(rec.take()), passive, "127,0,1,1,", "STOR src.txt")
		c.Quit(ctx)
	}
}

// TestIPv6 uses EPRT and EPSV over ::1.
func TestIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	p := ftptest.Start(t, "pyftpdlib", "::1")
	ctx := context.Background()
	for _, passive := range []bool{false, true} {
		rec := &recorder{}
		c := login(t, p, Options{Trace: rec.trace()})
		c.SetPassive(passive)
		if _, err := c.SetType(ctx, Binary); err != nil {
			t.Fatal(err)
		}
		rec.take()
		data := randomBytes(1<<20, 3)
		if _, err := c.Stor(ctx, "v6.bin", bytes.NewReader(data)); err != nil {
			t.Fatalf("Stor: %v", err)
		}
		var got bytes.Buffer
		if _, err := c.Retr(ctx, "v6.bin", &got, 0); err != nil {
			t.Fatalf("Retr: %v", err)
		}
		if sum(got.Bytes()) != sum(data) {
			t.Errorf("IPv6 round trip differs")
		}
		cmds := commands(rec.take())
		want := regexp.MustCompile(`^EPRT \|2\|::1\|\d+\|$`)
		if passive {
			want = regexp.MustCompile(`^EPSV$`)
		}
		if len(cmds) != 4 || !want.MatchString(cmds[0]) || !want.MatchString(cmds[2]) {
			t.Errorf("commands %q, want %v before each transfer", cmds, want)
		}
		c.Quit(ctx)
	}
}

// Failure on a copy to an io.Writer that fails: ABOR, connection usable.
func TestLocalWriteFailure(t *testing.T) {
	p := ftptest.Start(t, "pyftpdlib", "127.0.0.1")
	ctx := context.Background()
	c := login(t, p, Options{})
	c.SetPassive(true)
	os.WriteFile(filepath.Join(p.Dir, "f.bin"), randomBytes(8<<20, 4), 0o644)
	boom := errors.New("flash full")
	_, err := c.Retr(ctx, "f.bin", failingWriter{boom}, 0)
	if !errors.Is(err, boom) {
		t.Errorf("Retr into a failing writer: %v, want %v", err, boom)
	}
	if _, _, err := c.Pwd(ctx); err != nil {
		t.Errorf("Pwd after failed Retr: %v", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

var _ io.Writer = failingWriter{}
