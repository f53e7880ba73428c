package ftpd

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/flash"
)

func sha(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

// TestCurl transfers a random multi-MiB file with curl in passive (EPSV and
// PASV) and active mode, and resumes downloads and uploads.
func TestCurl(t *testing.T) {
	curl := tool(t, "/usr/bin/curl")
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.ActiveFromPort20 = true })
	data := randomBytes(t, 4<<20+777)
	dir := t.TempDir()
	src := filepath.Join(dir, "src.bin")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("ftp://127.0.0.1:%d/", ts.port)
	modes := []struct {
		name string
		args []string
	}{
		{"EPSV", nil},
		{"PASV", []string{"--disable-epsv"}},
		{"active", []string{"--ftp-port", "127.0.0.1"}},
		{"active EPRT", []string{"--ftp-port", "127.0.0.1", "--disable-eprt"}},
	}
	for i, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			name := fmt.Sprintf("curl%d.bin", i)
			args := append([]string{"-sS", "--user", "huawei:Huawei@123", "-T", src, base + name}, m.args...)
			if out, err := run(t, "", curl, args...); err != nil {
				t.Fatalf("upload: %v\n%s", err, out)
			}
			stored, _ := getFile(t, ts.fs, flash.Root+name)
			if sha(stored) != sha(data) {
				t.Fatalf("stored %d bytes, want %d", len(stored), len(data))
			}
			dst := filepath.Join(dir, name)
			args = append([]string{"-sS", "--user", "huawei:Huawei@123", "-o", dst, base + name}, m.args...)
			if out, err := run(t, "", curl, args...); err != nil {
				t.Fatalf("download: %v\n%s", err, out)
			}
			back, _ := os.ReadFile(dst)
			if sha(back) != sha(data) {
				t.Errorf("downloaded %d bytes, want %d", len(back), len(data))
			}
		})
	}
	t.Run("resume download", func(t *testing.T) {
		putFile(t, ts.fs, "flash:/resume.bin", data)
		dst := filepath.Join(dir, "resume.bin")
		os.WriteFile(dst, data[:1<<20+3], 0o600)
		if out, err := run(t, "", curl, "-sS", "--user", "huawei:Huawei@123", "-C", "-", "-o", dst, base+"resume.bin"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		back, _ := os.ReadFile(dst)
		if sha(back) != sha(data) {
			t.Errorf("resumed download: %d bytes, want %d", len(back), len(data))
		}
	})
	t.Run("resume upload", func(t *testing.T) {
		putFile(t, ts.fs, "flash:/partial.bin", data[:2<<20+5])
		if out, err := run(t, "", curl, "-sS", "--user", "huawei:Huawei@123", "-C", "-", "-T", src, base+"partial.bin"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		stored, _ := getFile(t, ts.fs, "flash:/partial.bin")
		if sha(stored) != sha(data) {
			t.Errorf("resumed upload: %d bytes, want %d", len(stored), len(data))
		}
	})
	t.Run("ASCII listing and errors", func(t *testing.T) {
		out, err := run(t, "", curl, "-sS", "--user", "huawei:Huawei@123", "-l", base)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		names := strings.Fields(out)
		sort.Strings(names)
		if !strings.Contains(strings.Join(names, " "), "curl0.bin") || !strings.Contains(out, "vrpcfg.zip") {
			t.Errorf("NLST via curl: %q", out)
		}
		out, err = run(t, "", curl, "-sS", "--user", "huawei:wrong", base+"vrpcfg.zip")
		if err == nil || !strings.Contains(out, "Access denied: 530") {
			t.Errorf("bad password: err=%v out=%q", err, out)
		}
		out, err = run(t, "", curl, "-sS", "--user", "huawei:Huawei@123", base+"nosuch.bin")
		if err == nil || !strings.Contains(out, "(78) The file does not exist") {
			t.Errorf("missing file: err=%v out=%q", err, out)
		}
	})
}

// writeTree creates a small directory tree with random contents.
func writeTree(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string][]byte{
		"a.txt":            []byte("alpha\n"),
		"empty.cfg":        nil,
		"big.bin":          randomBytes(t, 1<<20+17),
		"sub/b.txt":        []byte("beta\n"),
		"sub/deeper/c.bin": randomBytes(t, 5000),
		"Spaced name.txt":  []byte("space\n"),
	}
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(root, "emptydir"), 0o755)
	return treeSums(t, root)
}

// treeSums maps every file and directory under root to a SHA-256 ("dir" for
// directories).
func treeSums(t *testing.T, root string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		if d.IsDir() {
			sums[filepath.ToSlash(rel)] = "dir"
			return nil
		}
		b, _ := os.ReadFile(p)
		sums[filepath.ToSlash(rel)] = sha(b)
		return nil
	})
	return sums
}

// TestLftpMirror mirrors a tree up to the server and back down with lftp.
func TestLftpMirror(t *testing.T) {
	lftp := tool(t, "/usr/bin/lftp")
	ts := startServer(t, "127.0.0.1", nil)
	dir := t.TempDir()
	up, down := filepath.Join(dir, "up"), filepath.Join(dir, "down")
	want := writeTree(t, up)
	for _, passive := range []string{"on", "off"} {
		t.Run("passive "+passive, func(t *testing.T) {
			remote := "/tree-" + passive
			os.RemoveAll(down)
			script := fmt.Sprintf("set ftp:ssl-allow no; set net:max-retries 1; set net:timeout 10; "+
				"set ftp:passive-mode %s; set cmd:fail-exit yes; "+
				"open -u huawei,Huawei@123 -p %d 127.0.0.1; "+
				"mkdir %s; mirror -R %s %s; mirror %s %s; quit",
				passive, ts.port, remote, up, remote, remote, down)
			if out, err := run(t, "", lftp, "-c", script); err != nil {
				t.Fatalf("lftp: %v\n%s", err, out)
			}
			if diff := cmp.Diff(want, treeSums(t, down)); diff != "" {
				t.Errorf("mirrored tree (-want +got):\n%s", diff)
			}
			big, _ := getFile(t, ts.fs, "flash:"+remote+"/big.bin")
			if sha(big) != want["big.bin"] {
				t.Errorf("flash copy of big.bin differs")
			}
		})
	}
}

// ftplibScript exercises every command through Python's ftplib and prints the
// replies, errors included.
const ftplibScript = `
import ftplib, io, sys
port = int(sys.argv[1])
out = []
def show(label, f):
    try:
        r = f()
    except ftplib.all_errors as e:
        r = "ERR " + str(e)
    out.append("%s -> %s" % (label, r))
ftp = ftplib.FTP()
out.append("connect -> " + ftp.connect("127.0.0.1", port))
show("RETR before login", lambda: ftp.sendcmd("RETR vrpcfg.zip"))
show("PASS without USER", lambda: ftp.sendcmd("PASS x"))
show("login wrong", lambda: ftp.login("huawei", "wrong"))
show("login", lambda: ftp.login("huawei", "Huawei@123"))
show("SYST", lambda: ftp.sendcmd("SYST"))
show("NOOP", lambda: ftp.voidcmd("NOOP"))
show("pwd", ftp.pwd)
show("mkd", lambda: ftp.mkd("py"))
show("cwd", lambda: ftp.cwd("py"))
show("pwd", ftp.pwd)
show("cwd ..", lambda: ftp.cwd(".."))
show("cwd missing", lambda: ftp.cwd("missing"))
show("TYPE I", lambda: ftp.voidcmd("TYPE I"))
data = bytes(range(256)) * 4096
show("storbinary", lambda: ftp.storbinary("STOR py/data.bin", io.BytesIO(data)))
show("size", lambda: ftp.size("py/data.bin"))
buf = io.BytesIO()
show("retrbinary", lambda: ftp.retrbinary("RETR py/data.bin", buf.write))
out.append("same -> %s" % (buf.getvalue() == data))
buf = io.BytesIO()
show("retrbinary rest", lambda: ftp.retrbinary("RETR py/data.bin", buf.write, rest=1000))
out.append("rest same -> %s" % (buf.getvalue() == data[1000:]))
show("storlines", lambda: ftp.storlines("STOR py/text.txt", io.BytesIO(b"one\ntwo\n")))
lines = []
show("retrlines", lambda: ftp.retrlines("RETR py/text.txt", lines.append))
out.append("lines -> %r" % lines)
show("nlst", lambda: ftp.nlst("py"))
show("mlsd", lambda: sorted((n, f["type"]) for n, f in ftp.mlsd("py", ["type"])))
show("rename", lambda: ftp.rename("py/text.txt", "py/renamed.txt"))
show("rename missing", lambda: ftp.rename("py/none.txt", "py/x.txt"))
show("RNTO alone", lambda: ftp.sendcmd("RNTO x"))
show("delete", lambda: ftp.delete("py/renamed.txt"))
show("delete missing", lambda: ftp.delete("py/renamed.txt"))
show("rmd not empty", lambda: ftp.rmd("py"))
show("MDTM", lambda: ftp.sendcmd("MDTM py/data.bin")[:4])
show("FEAT", lambda: ftp.sendcmd("FEAT").splitlines()[0])
show("HELP", lambda: ftp.sendcmd("HELP").splitlines()[-1])
show("STAT", lambda: ftp.sendcmd("STAT").splitlines()[0])
show("EPSV proto", lambda: ftp.sendcmd("EPSV 2"))
show("PORT bounce", lambda: ftp.sendcmd("PORT 127,0,0,2,100,100"))
show("unknown", lambda: ftp.sendcmd("XYZQ"))
show("long line", lambda: ftp.sendcmd("NOOP " + "x" * 5000))
show("after long", lambda: ftp.voidcmd("NOOP"))
# Abort a download in the middle: ftplib sends ABOR as urgent data.
big = bytes(8 << 20)
show("store big", lambda: ftp.storbinary("STOR py/big.bin", io.BytesIO(big)))
conn = ftp.transfercmd("RETR py/big.bin")
conn.recv(1024)
show("abort", ftp.abort)
conn.close()
show("after abort", ftp.getline)
show("NOOP after abort", lambda: ftp.voidcmd("NOOP"))
ftp.set_pasv(False)
buf = io.BytesIO()
show("active retr", lambda: ftp.retrbinary("RETR py/data.bin", buf.write))
out.append("active same -> %s" % (buf.getvalue() == data))
show("quit", ftp.quit)
print("\n".join(out))
`

// TestPythonFtplib checks the reply codes Python's ftplib sees for every command.
func TestPythonFtplib(t *testing.T) {
	python := tool(t, "/usr/bin/python3")
	ts := startServer(t, "127.0.0.1", nil)
	out, err := run(t, "", python, "-c", ftplibScript, fmt.Sprint(ts.port))
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	want := []string{
		"connect -> 220 FTP service ready.",
		"RETR before login -> ERR 530 Please login with USER and PASS.",
		"PASS without USER -> ERR 503 Login with USER first.",
		"login wrong -> ERR 530 Login incorrect.",
		"login -> 230 User logged in.",
		"SYST -> 215 UNIX Type: L8",
		"NOOP -> 200 NOOP command successful.",
		"pwd -> /",
		"mkd -> py",
		"cwd -> 250 CWD command successfully.",
		"pwd -> /py",
		"cwd .. -> 200 CDUP command successfully.",
		"cwd missing -> ERR 550 missing: No such file or directory.",
		"TYPE I -> 200 Type set to I.",
		"storbinary -> 226 Transfer complete.",
		"size -> 1048576",
		"retrbinary -> 226 Transfer complete.",
		"same -> True",
		"retrbinary rest -> 226 Transfer complete.",
		"rest same -> True",
		"storlines -> 226 Transfer complete.",
		"retrlines -> 226 Transfer complete.",
		"lines -> ['one', 'two']",
		"nlst -> ['..', 'data.bin', 'text.txt', '.']",
		"mlsd -> [('.', 'cdir'), ('..', 'pdir'), ('data.bin', 'file'), ('text.txt', 'file')]",
		"rename -> 250 Rename successful.",
		"rename missing -> ERR 550 py/none.txt: No such file or directory.",
		"RNTO alone -> ERR 503 Bad sequence of commands.",
		"delete -> 250 DELE command successfully.",
		"delete missing -> ERR 550 py/renamed.txt: No such file or directory.",
		"rmd not empty -> ERR 550 py: Directory not empty.",
		"MDTM -> 213 ",
		"FEAT -> 211-Extension Supported",
		"HELP -> 214 Direct comments to Huawei Tech.",
		"STAT -> 211-FTP server status:",
		"EPSV proto -> ERR 522 Network protocol not supported, use (1)",
		"PORT bounce -> ERR 500 Illegal PORT command.",
		"unknown -> ERR 500 'XYZQ': command not understood.",
		"long line -> ERR 500 Command line too long.",
		"after long -> 200 NOOP command successful.",
		"store big -> 226 Transfer complete.",
		"abort -> 426 Connection closed; transfer aborted.",
		"after abort -> 226 Abort successful.",
		"NOOP after abort -> 200 NOOP command successful.",
		"active retr -> 226 Transfer complete.",
		"active same -> True",
		"quit -> 221 Server closing.",
	}
	if diff := cmp.Diff(want, strings.Split(strings.TrimSpace(out), "\n")); diff != "" {
		t.Errorf("ftplib (-want +got):\n%s", diff)
	}
}

// TestTnftp drives tnftp with a script, as a user at a terminal would.
func TestTnftp(t *testing.T) {
	tnftp := tool(t, "/usr/bin/tnftp")
	ts := startServer(t, "127.0.0.1", nil)
	dir := t.TempDir()
	data := randomBytes(t, 2<<20+1)
	src := filepath.Join(dir, "up.bin")
	os.WriteFile(src, data, 0o600)
	text := filepath.Join(dir, "lines.txt")
	os.WriteFile(text, []byte("l1\nl2\n"), 0o600)
	script := fmt.Sprintf(`open 127.0.0.1 %d
user huawei Huawei@123
binary
put %s up.bin
get up.bin %s
ascii
put %s lines.txt
binary
mkdir tn
cd tn
pwd
cd ..
rename lines.txt tn/lines.txt
ls tn
delete up.bin
get nosuch.bin %s
quit
`, ts.port, src, filepath.Join(dir, "down.bin"), text, filepath.Join(dir, "nosuch"))
	out, err := run(t, script, tnftp, "-n", "-v")
	if err != nil {
		t.Fatalf("tnftp: %v\n%s", err, out)
	}
	for _, want := range []string{
		"220 FTP service ready.",
		"331 Password required for huawei.",
		"230 User logged in.",
		"200 Type set to I.",
		"150 Opening BINARY mode data connection for up.bin.",
		"226 Transfer complete.",
		"200 Type set to A.",
		"150 Opening ASCII mode data connection for lines.txt.",
		`257 "tn" new directory created.`,
		"Remote directory: /tn",
		"250 Rename successful.",
		"lines.txt",
		"250 DELE command successfully.",
		"550 nosuch.bin: No such file or directory.",
		"221 Server closing.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tnftp output lacks %q:\n%s", want, out)
		}
	}
	back, _ := os.ReadFile(filepath.Join(dir, "down.bin"))
	if !bytes.Equal(back, data) {
		t.Errorf("tnftp download: %d bytes, want %d", len(back), len(data))
	}
	if stored, _ := getFile(t, ts.fs, "flash:/tn/lines.txt"); string(stored) != "l1\nl2\n" {
		t.Errorf("ASCII upload stored %q", stored)
	}
	if _, ok := getFile(t, ts.fs, "flash:/up.bin"); ok {
		t.Error("up.bin not deleted")
	}
}
