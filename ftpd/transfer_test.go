package ftpd

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/flash"
)

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestListFormats(t *testing.T) {
	// days below 10 have two digits, as the device writes them: Jan 09
	old := time.Date(2012, 1, 9, 8, 5, 0, 0, time.UTC)
	clock := fixedTime
	ts := startServer(t, "127.0.0.1", func(c *Config) {
		fs := flash.NewMemory(flash.Options{Clock: func() time.Time { return clock }})
		clock = old
		putFile(t, fs, "flash:/Old.cfg", []byte("old"))
		clock = fixedTime
		putFile(t, fs, "flash:/statemach.efs", bytes.Repeat([]byte("x"), 2263))
		if err := fs.Mkdir("flash:/logfile"); err != nil {
			t.Fatal(err)
		}
		clock = time.Date(fixedTime.Year(), 9, 3, 7, 4, 0, 0, time.UTC)
		putFile(t, fs, "flash:/logfile/log.log", []byte("log\n"))
		clock = fixedTime
		c.FS = fs
		c.Now = func() time.Time { return fixedTime.Add(time.Hour) }
	})
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	type result struct{ Data, First, Last string }
	tests := []struct {
		line string
		want result
	}{{
		"LIST", result{
			"drwxrwxrwx   1 noone    nogroup         0 Sep 19 13:34 ..\r\n" +
				"drwxrwxrwx   1 noone    nogroup         0 Sep 03 07:04 logfile\r\n" +
				"-rwxrwxrwx   1 noone    nogroup         3 Jan 09 2012 Old.cfg\r\n" +
				"-rwxrwxrwx   1 noone    nogroup      2263 Sep 19 13:34 statemach.efs\r\n" +
				"drwxrwxrwx   1 noone    nogroup         0 Sep 19 13:34 .\r\n",
			"150 Opening ASCII mode data connection for *.", "226 Transfer complete.",
		},
	}, {
		"LIST -la logfile", result{
			"drwxrwxrwx   1 noone    nogroup         0 Sep 19 13:34 ..\r\n" +
				"-rwxrwxrwx   1 noone    nogroup         4 Sep 03 07:04 log.log\r\n" +
				"drwxrwxrwx   1 noone    nogroup         0 Sep 03 07:04 .\r\n",
			"150 Opening ASCII mode data connection for logfile.", "226 Transfer complete.",
		},
	}, {
		"LIST statemach.efs", result{
			"-rwxrwxrwx   1 noone    nogroup      2263 Sep 19 13:34 statemach.efs\r\n",
			"150 Opening ASCII mode data connection for statemach.efs.", "226 Transfer complete.",
		},
	}, {
		"LIST *.EFS", result{
			"-rwxrwxrwx   1 noone    nogroup      2263 Sep 19 13:34 statemach.efs\r\n",
			"150 Opening ASCII mode data connection for *.EFS.", "226 Transfer complete.",
		},
	}, {
		"LIST nosuch", result{"", "550 nosuch: No such file or directory.", ""},
	}, {
		"NLST", result{
			"..\r\nlogfile\r\nOld.cfg\r\nstatemach.efs\r\n.\r\n",
			"150 Opening ASCII mode data connection for *.", "226 Transfer complete.",
		},
	}, {
		"MLSD", result{
			"type=cdir;modify=20260919133400;perm=cdeflmp; .\r\n" +
				"type=pdir;modify=20260919133400;perm=cdeflmp; ..\r\n" +
				"type=dir;modify=20260903070400;perm=cdeflmp; logfile\r\n" +
				"type=file;size=3;modify=20120109080500;perm=adfrw; Old.cfg\r\n" +
				"type=file;size=2263;modify=20260919133400;perm=adfrw; statemach.efs\r\n",
			"150 Opening ASCII mode data connection for *.", "226 Transfer complete.",
		},
	}, {
		"MLSD Old.cfg", result{"", "501 Old.cfg: Not a directory.", ""},
	}}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			var got result
			got.Data, got.First, got.Last = c.list(tt.line)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.line, diff)
			}
		})
	}
	// STAT with a path lists over the control connection.
	want := "213-Status of logfile:\n" +
		"drwxrwxrwx   1 noone    nogroup         0 Sep 19 13:34 ..\n" +
		"-rwxrwxrwx   1 noone    nogroup         4 Sep 03 07:04 log.log\n" +
		"drwxrwxrwx   1 noone    nogroup         0 Sep 03 07:04 .\n" +
		"213 End of status."
	if diff := cmp.Diff(want, c.cmd("STAT logfile")); diff != "" {
		t.Errorf("STAT (-want +got):\n%s", diff)
	}
}

// dataMode opens the data connection of one transfer in some mode.
type dataMode struct {
	name string
	// prepare sends the PASV/EPSV/PORT command and returns a function that
	// yields the data connection once the transfer command was sent.
	prepare func(t *testing.T, c *ctrl) func() net.Conn
}

var dataModes = []dataMode{
	{"PASV", func(t *testing.T, c *ctrl) func() net.Conn {
		d := c.pasv()
		return func() net.Conn { return d }
	}},
	{"EPSV", func(t *testing.T, c *ctrl) func() net.Conn {
		got := c.cmd("EPSV")
		var port int
		if _, err := fmt.Sscanf(got, "229 Entering Extended Passive Mode (|||%d|).", &port); err != nil {
			t.Fatalf("EPSV: %q", got)
		}
		d, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		return func() net.Conn { return d }
	}},
	{"PORT", func(t *testing.T, c *ctrl) func() net.Conn {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		if got := c.cmd(fmt.Sprintf("PORT 127,0,0,1,%d,%d", port>>8, port&0xff)); got != "200 Port command okay." {
			t.Fatalf("PORT: %q", got)
		}
		return func() net.Conn {
			defer l.Close()
			l.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
			d, err := l.Accept()
			if err != nil {
				t.Fatal(err)
			}
			// Active connections start from port 20 (ActiveFromPort20, root here)
			// or, when that is not allowed, an ephemeral port.
			if p := d.RemoteAddr().(*net.TCPAddr).Port; p != 20 && len(c.t.(*testing.T).Name()) > 0 {
				t.Logf("active data connection from port %d", p)
			}
			return d
		}
	}},
	{"EPRT", func(t *testing.T, c *ctrl) func() net.Conn {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		if got := c.cmd(fmt.Sprintf("EPRT |1|127.0.0.1|%d|", port)); got != "200 EPRT command successful." {
			t.Fatalf("EPRT: %q", got)
		}
		return func() net.Conn {
			defer l.Close()
			d, err := l.Accept()
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
	}},
}

// TestRoundTrip sends a random multi-MiB file up and down in every data mode and
// type and compares SHA-256 sums; binary must be byte-exact.
func TestRoundTrip(t *testing.T) {
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.ActiveFromPort20 = true })
	data := randomBytes(t, 3<<20+12345)
	sum := sha256.Sum256(data)
	for _, mode := range dataModes {
		t.Run(mode.name, func(t *testing.T) {
			c := dialCtrl(t, ts.addr)
			c.reply()
			c.login("huawei", "Huawei@123")
			if got := c.cmd("TYPE I"); got != "200 Type set to I." {
				t.Fatal(got)
			}
			name := "rt-" + mode.name + ".bin"
			conn := mode.prepare(t, c)
			if got := c.cmd("STOR " + name); got != "150 Opening BINARY mode data connection for "+name+"." {
				t.Fatalf("STOR: %q", got)
			}
			d := conn()
			if _, err := d.Write(data); err != nil {
				t.Fatal(err)
			}
			d.Close()
			if got := c.reply(); got != "226 Transfer complete." {
				t.Fatalf("STOR end: %q", got)
			}
			conn = mode.prepare(t, c)
			if got := c.cmd("RETR " + name); got != "150 Opening BINARY mode data connection for "+name+"." {
				t.Fatalf("RETR: %q", got)
			}
			d = conn()
			back, err := io.ReadAll(d)
			if err != nil {
				t.Fatal(err)
			}
			d.Close()
			if got := c.reply(); got != "226 Transfer complete." {
				t.Fatalf("RETR end: %q", got)
			}
			if sha256.Sum256(back) != sum {
				t.Errorf("download differs: %d bytes, want %d", len(back), len(data))
			}
			stored, _ := getFile(t, ts.fs, "flash:/"+name)
			if sha256.Sum256(stored) != sum {
				t.Errorf("stored file differs: %d bytes, want %d", len(stored), len(data))
			}
		})
	}
	ups := ts.events.find(EventUpload)
	if len(ups) != len(dataModes) || ups[0].Bytes != int64(len(data)) || ups[0].Err != nil || ups[0].User != "huawei" {
		t.Errorf("upload events: %+v", ups)
	}
}

func TestActiveFromPort20(t *testing.T) {
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.ActiveFromPort20 = true })
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	// Port 20 of 127.0.0.1 may be busy for a moment (other active-mode tests
	// of this package or of others running at the same time): the server then
	// uses an ephemeral port for that transfer, so try a few transfers.
	var ports []int
	for try := 0; try < 5; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		c.cmd(fmt.Sprintf("PORT 127,0,0,1,%d,%d", port>>8, port&0xff))
		c.send("RETR vrpcfg.zip")
		d, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(d)
		d.Close()
		l.Close()
		c.reply()
		c.reply()
		from := d.RemoteAddr().(*net.TCPAddr).Port
		fallback := ts.events.find(EventActivePortFallback)
		busy := ts.events.find(EventActivePortBusy)
		switch {
		case from == 20 && len(fallback) == 0:
			return
		case from != 20 && len(fallback) == 1:
			t.Logf("port 20 not allowed here (%v); fell back to %d", fallback[0].Err, from)
			return
		case from != 20 && len(busy) > try:
			t.Logf("port 20 busy (%v); this transfer used %d", busy[len(busy)-1].Err, from)
		default:
			t.Fatalf("data connection from port %d with no event saying why (fallback %d, busy %d)", from, len(fallback), len(busy))
		}
		ports = append(ports, from)
		time.Sleep(50 * time.Millisecond)
	}
	// Port 20 stayed busy: every transfer said so, which is what is asked.
	t.Logf("port 20 busy for every try; transfers used %v", ports)
}

// TestASCII checks the conversion on the wire: CRLF sent, LF stored.
func TestASCII(t *testing.T) {
	ts := startServer(t, "127.0.0.1", nil)
	putFile(t, ts.fs, "flash:/unix.txt", []byte("one\ntwo\r\nthree\n\nlast"))
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	c.cmd("TYPE A")
	data, first, last := c.retr("unix.txt")
	got := []string{string(data), first, last}
	want := []string{"one\r\ntwo\r\nthree\r\n\r\nlast", "150 Opening ASCII mode data connection for unix.txt.", "226 Transfer complete."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ASCII RETR (-want +got):\n%s", diff)
	}
	first, last = c.stor("STOR", "dos.txt", []byte("a\r\nb\r\rc\r\n"))
	stored, _ := getFile(t, ts.fs, "flash:/dos.txt")
	got = []string{string(stored), first, last}
	want = []string{"a\nb\r\rc\n", "150 Opening ASCII mode data connection for dos.txt.", "226 Transfer complete."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ASCII STOR (-want +got):\n%s", diff)
	}
	c.cmd("TYPE I")
	data, _, _ = c.retr("unix.txt")
	if string(data) != "one\ntwo\r\nthree\n\nlast" {
		t.Errorf("binary RETR = %q", data)
	}
}

func TestASCIIConversion(t *testing.T) {
	tests := []struct{ file, wire string }{
		{"", ""},
		{"a", "a"},
		{"\n", "\r\n"},
		{"a\nb\n", "a\r\nb\r\n"},
		{"a\r\nb", "a\r\nb"},
		{"\r", "\r"},
		{"\n\n\r\n", "\r\n\r\n\r\n"},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = strings.NewReader(tt.file)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			var wire bytes.Buffer
			if _, err := toCRLF(&wire, src, make([]byte, 48)); err != nil {
				t.Fatal(err)
			}
			if wire.String() != tt.wire {
				t.Errorf("toCRLF(%q, oneByte=%v) = %q, want %q", tt.file, oneByte, wire.String(), tt.wire)
			}
		}
	}
	uploads := []struct{ wire, file string }{
		{"a\r\nb\r\n", "a\nb\n"},
		{"a\rb", "a\rb"},
		{"a\r", "a\r"},
		{"\r\r\n", "\r\n"},
		{"a\nb", "a\nb"},
	}
	for _, tt := range uploads {
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = strings.NewReader(tt.wire)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			var file bytes.Buffer
			if _, err := fromCRLF(&file, src, make([]byte, 16)); err != nil {
				t.Fatal(err)
			}
			if file.String() != tt.file {
				t.Errorf("fromCRLF(%q, oneByte=%v) = %q, want %q", tt.wire, oneByte, file.String(), tt.file)
			}
		}
	}
}

func TestResume(t *testing.T) {
	ts := startServer(t, "127.0.0.1", nil)
	putFile(t, ts.fs, "flash:/big.bin", []byte("0123456789"))
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	c.cmd("TYPE I")
	var got []string
	got = append(got, c.cmd("REST 4"))
	data, _, last := c.retr("big.bin")
	got = append(got, string(data), last)
	// Upload resume: keep the first 6 bytes, send the rest.
	got = append(got, c.cmd("REST 6"))
	_, last = c.stor("STOR", "big.bin", []byte("xyz"))
	stored, _ := getFile(t, ts.fs, "flash:/big.bin")
	got = append(got, last, string(stored))
	_, last = c.stor("APPE", "big.bin", []byte("++"))
	stored, _ = getFile(t, ts.fs, "flash:/big.bin")
	got = append(got, last, string(stored))
	_, last = c.stor("APPE", "new.bin", []byte("new"))
	stored, _ = getFile(t, ts.fs, "flash:/new.bin")
	got = append(got, last, string(stored))
	// REST applies to the next transfer only.
	data, _, _ = c.retr("big.bin")
	got = append(got, string(data))
	first, last := c.stor("STOU", "", []byte("u1"))
	got = append(got, first, last)
	first, last = c.stor("STOU", "big.bin", []byte("u2"))
	got = append(got, first, last)
	u1, _ := getFile(t, ts.fs, "flash:/ftp.0")
	u2, _ := getFile(t, ts.fs, "flash:/big.bin.1")
	got = append(got, string(u1), string(u2))
	want := []string{
		"350 Restarting at 4. Send STORE or RETRIEVE to initiate transfer.",
		"456789", "226 Transfer complete.",
		"350 Restarting at 6. Send STORE or RETRIEVE to initiate transfer.",
		"226 Transfer complete.", "012345xyz",
		"226 Transfer complete.", "012345xyz++",
		"226 Transfer complete.", "new",
		"012345xyz++",
		"150 FILE: ftp.0", "226 Transfer complete (unique file name: ftp.0).",
		"150 FILE: big.bin.1", "226 Transfer complete (unique file name: big.bin.1).",
		"u1", "u2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resume (-want +got):\n%s", diff)
	}
}

// TestAtomicUpload checks that a full flash and an aborted upload both leave the
// previous file and no partial one.
func TestAtomicUpload(t *testing.T) {
	ts := startServer(t, "127.0.0.1", func(c *Config) {
		fs := flash.NewMemory(flash.Options{Capacity: 1 << 20})
		putFile(t, fs, "flash:/keep.cfg", []byte("previous"))
		c.FS = fs
	})
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	c.cmd("TYPE I")

	// Full flash: 552, old contents stay, nothing new appears.
	d := c.pasv()
	if got := c.cmd("STOR keep.cfg"); !strings.HasPrefix(got, "150 ") {
		t.Fatal(got)
	}
	go func(d net.Conn) {
		d.Write(make([]byte, 2<<20))
		d.Close()
	}(d)
	if got := c.reply(); got != "552 Requested file action aborted. Exceeded storage allocation." {
		t.Errorf("full flash: %q", got)
	}
	d = c.pasv()
	c.cmd("STOR fresh.bin")
	go func(d net.Conn) {
		d.Write(make([]byte, 2<<20))
		d.Close()
	}(d)
	if got := c.reply(); got != "552 Requested file action aborted. Exceeded storage allocation." {
		t.Errorf("full flash: %q", got)
	}
	if _, err := ts.fs.Stat("flash:/fresh.bin"); !errors.Is(err, flash.ErrNotExist) {
		t.Errorf("partial file after a full flash: %v", err)
	}

	// ABOR in the middle of an upload.
	d = c.pasv()
	if got := c.cmd("STOR keep.cfg"); !strings.HasPrefix(got, "150 ") {
		t.Fatal(got)
	}
	if _, err := d.Write([]byte("half of the new")); err != nil {
		t.Fatal(err)
	}
	c.send("ABOR")
	got := []string{c.reply(), c.reply(), c.cmd("NOOP")}
	want := []string{"426 Connection closed; transfer aborted.", "226 Abort successful.", "200 NOOP command successful."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ABOR (-want +got):\n%s", diff)
	}
	d.Close()
	if data, _ := getFile(t, ts.fs, "flash:/keep.cfg"); string(data) != "previous" {
		t.Errorf("keep.cfg = %q after failed uploads", data)
	}
	if _, free := ts.fs.Usage(); free != 1<<20-int64(len("previous")) {
		t.Errorf("free space %d: aborted uploads leaked", free)
	}
}

// TestCommandDuringTransfer checks that a command sent during a transfer waits
// for its end, and STAT reports progress.
func TestCommandDuringTransfer(t *testing.T) {
	ts := startServer(t, "127.0.0.1", nil)
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	c.cmd("TYPE I")
	d := c.pasv()
	c.cmd("STOR slow.bin")
	d.Write([]byte("12345"))
	c.send("STAT")
	stat := c.reply()
	c.send("PWD")
	d.Write([]byte("678"))
	d.Close()
	got := []string{stat, c.reply(), c.reply()}
	want := []string{
		"213-Status of transfer:\n5 bytes transferred.\n213 End of status.",
		"226 Transfer complete.",
		`257 "/" is current directory.`,
	}
	// The server may not have read the first bytes when STAT arrives.
	if strings.Contains(got[0], "\n0 bytes") {
		want[0] = strings.Replace(want[0], "5 bytes", "0 bytes", 1)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if data, _ := getFile(t, ts.fs, "flash:/slow.bin"); string(data) != "12345678" {
		t.Errorf("slow.bin = %q", data)
	}
}
