package bench

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMainUsage(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"-h"}, 0, "vrpsim's FTP server against vsftpd"},
		{[]string{"lab", "-h"}, 0, "Many devices in one vrpsim process"},
		{[]string{"client", "-h"}, 0, "Throughput of the device's FTP client"},
		{[]string{"-runs", "0"}, exitUsage, "-runs and -crowd-runs take positive numbers"},
		{[]string{"-size", "64"}, exitUsage, `size "64": give a unit`},
		{[]string{"-size", "2GiB"}, exitUsage, "at most 1039MiB"},
		{[]string{"-clients", "1000"}, exitUsage, "numbers from 1 to 999"},
		{[]string{"extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"--bogus"}, exitUsage, "flag provided but not defined: -bogus"},
		{[]string{"lab", "-devices", "10", "-sessions", "6"}, exitUsage, "need at least 2*sessions and backups devices"},
		{[]string{"client", "-size", "1041MiB"}, exitUsage, "at most 1040MiB"},
		{[]string{"reaper", "pidfile"}, exitUsage, "usage: vrpbench reaper PIDFILE COMMAND"},
	} {
		var stdout, stderr bytes.Buffer
		code := Main(tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.inStderr) {
			t.Errorf("Main(%q) = %d, stderr %q; want %d and %q in it", tc.args, code, stderr.String(), tc.code, tc.inStderr)
		}
		if stdout.Len() != 0 {
			t.Errorf("Main(%q) wrote %q on stdout, want nothing", tc.args, stdout.String())
		}
	}
}

func TestParseServerFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want serverOptions
	}{
		{nil, serverOptions{bigSize: gib, textSize: 256 * mib, smallSize: mib, clients: 200, idle: 200, runs: 31,
			crowdRuns: 3, clientMaxTime: 30 * time.Second, raised: 256, limit: 20 * time.Minute}},
		{[]string{"--quick"}, serverOptions{bigSize: 64 * mib, textSize: 16 * mib, smallSize: mib, clients: 50, idle: 50, runs: 1,
			crowdRuns: 1, clientMaxTime: 15 * time.Second, raised: 64, limit: 5 * time.Minute}},
		// -quick takes what the command line does not set.
		{[]string{"-quick", "-runs", "3", "-size", "128MiB", "-keep"}, serverOptions{bigSize: 128 * mib, textSize: 16 * mib, smallSize: mib,
			clients: 50, idle: 50, runs: 3, crowdRuns: 1, clientMaxTime: 15 * time.Second, raised: 64, limit: 5 * time.Minute, keep: true}},
		{[]string{"-runs", "3", "-size", "64MiB"}, serverOptions{bigSize: 64 * mib, textSize: 256 * mib, smallSize: mib, clients: 200, idle: 200,
			runs: 3, crowdRuns: 3, clientMaxTime: 30 * time.Second, raised: 256, limit: 20 * time.Minute}},
	} {
		got, err := parseServerFlags(tc.args, new(bytes.Buffer))
		if err != nil {
			t.Errorf("parseServerFlags(%q): %v", tc.args, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(serverOptions{})); diff != "" {
			t.Errorf("parseServerFlags(%q) (-want +got):\n%s", tc.args, diff)
		}
	}
}

func TestParseClientFlags(t *testing.T) {
	got, err := parseClientFlags([]string{"-quick", "-active"}, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	want := clientOptions{transferOptions: transferOptions{size: 64 * mib, runs: 1, limit: time.Hour, quick: true}, active: true}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(clientOptions{}, transferOptions{})); diff != "" {
		t.Errorf("parseClientFlags (-want +got):\n%s", diff)
	}
}

func TestFullRun(t *testing.T) {
	o, err := parseServerFlags(nil, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	if !o.full() {
		t.Error("the default options are not the full run")
	}
	o.runs = 3
	if o.full() {
		t.Error("3 runs count as the full run")
	}
}

func TestRaisedLimit(t *testing.T) {
	for _, tc := range []struct{ clients, idle, want int }{
		{200, 200, 256}, {50, 50, 64}, {64, 10, 128}, {1, 1, 2}, {999, 5, 1000},
	} {
		if got := raisedLimit(tc.clients, tc.idle); got != tc.want {
			t.Errorf("raisedLimit(%d, %d) = %d, want %d", tc.clients, tc.idle, got, tc.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"64MiB", 64 << 20}, {"1GiB", 1 << 30}, {"512KiB", 512 << 10}, {"100B", 100},
	} {
		got, err := parseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
		if s := formatSize(got); s != tc.in {
			t.Errorf("formatSize(%d) = %q, want %q", got, s, tc.in)
		}
	}
	for _, in := range []string{"64", "64MB", "-1MiB", "0GiB", "1.5GiB", "MiB", ""} {
		if n, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, n)
		}
	}
}

func TestRunOrders(t *testing.T) {
	a, b := &ftpServer{name: "vrpsim"}, &ftpServer{name: "vsftpd"}
	var got []string
	for r := 1; r <= 3; r++ {
		for _, p := range placementOrder(r, []string{"free", "pinned"}) {
			for _, s := range inOrder(r, a, b) {
				got = append(got, sampleKey("retr", p)+"/"+s.name)
			}
		}
	}
	want := []string{
		"retr/vrpsim", "retr/vsftpd", "retr_pinned/vrpsim", "retr_pinned/vsftpd",
		"retr_pinned/vsftpd", "retr_pinned/vrpsim", "retr/vsftpd", "retr/vrpsim",
		"retr/vrpsim", "retr/vsftpd", "retr_pinned/vrpsim", "retr_pinned/vsftpd",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("run order (-want +got):\n%s", diff)
	}
}

func TestVsftpdConfig(t *testing.T) {
	cfg := vsftpdConfig{Host: "127.0.0.1", Port: 21021, Root: "/dev/shm/w/vsftpd", EmptyDir: "/dev/shm/w/empty", ASCII: true}
	want := `listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=21021
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
local_root=/dev/shm/w/vsftpd
ascii_upload_enable=YES
ascii_download_enable=YES
seccomp_sandbox=NO
secure_chroot_dir=/dev/shm/w/empty
pam_service_name=vrpsim-bench
xferlog_enable=NO
connect_from_port_20=NO
max_per_ip=0
max_clients=0
`
	if diff := cmp.Diff(want, cfg.String()); diff != "" {
		t.Errorf("vsftpd.conf (-want +got):\n%s", diff)
	}
	cfg.ASCII = false
	if strings.Contains(cfg.String(), "ascii") {
		t.Errorf("vsftpd.conf without ASCII:\n%s", cfg.String())
	}
}

func TestParsePeersEnv(t *testing.T) {
	got, err := parsePeersEnv([]byte("export VRPSIM_PEERS_DIR='/var/cache/vrpsim-peers'\n"))
	if err != nil || got != "/var/cache/vrpsim-peers" {
		t.Errorf("parsePeersEnv = %q, %v; want /var/cache/vrpsim-peers", got, err)
	}
	if _, err := parsePeersEnv([]byte("ftp-peers.sh: downloading vsftpd\n")); err == nil {
		t.Error("parsePeersEnv without the export line: no error")
	}
}

func TestDeviceConfigs(t *testing.T) {
	want := `system-view
ftp server port 23000
ftp server enable
set default ftp-directory flash:
aaa
local-user bench password cipher Bench@123
local-user bench service-type ftp
local-user bench privilege level 15
local-user bench ftp-directory flash:`
	if diff := cmp.Diff(want, deviceFTPConfig(23000, "bench", "Bench@123")); diff != "" {
		t.Errorf("deviceFTPConfig (-want +got):\n%s", diff)
	}
	want = "system-view\nundo ftp server\nftp server max-sessions 256\nftp server enable"
	if diff := cmp.Diff(want, raiseConfig(256)); diff != "" {
		t.Errorf("raiseConfig (-want +got):\n%s", diff)
	}
	want = "ftp 127.0.0.1 2121\nbinary\npassive\nget big.bin\nput big.bin up-device.bin\nbye\ndelete /unreserved /force big.bin"
	if diff := cmp.Diff(want, deviceFTPLines(2121, false)); diff != "" {
		t.Errorf("deviceFTPLines, passive (-want +got):\n%s", diff)
	}
	want = "ftp 127.0.0.1 2121\nbinary\nget big.bin\nput big.bin up-device.bin\nbye\ndelete /unreserved /force big.bin"
	if diff := cmp.Diff(want, deviceFTPLines(2121, true)); diff != "" {
		t.Errorf("deviceFTPLines, active (-want +got):\n%s", diff)
	}
}

func TestCrowd(t *testing.T) {
	want := "url = \"ftp://127.0.0.1:2121/small.bin\"\noutput = \"/dev/null\"\n" +
		"url = \"ftp://127.0.0.1:2121/small.bin\"\noutput = \"/dev/null\"\n"
	l := ftpLogin{host: "127.0.0.1", port: 2121}
	if diff := cmp.Diff(want, crowdConfig(l.url("small.bin"), 2)); diff != "" {
		t.Errorf("crowdConfig (-want +got):\n%s", diff)
	}
	// 6 clients: 2 whole, 1 short, 2 refused with 421, 1 timed out without a
	// greeting; one never printed (curl killed).
	out := "0 226 1048576\n28 421 0\n0 226 1048576\n28 000 0\n18 226 5000\n28 421 0\n"
	failed, why := parseCrowd(out, 7, 1048576)
	if failed != 5 {
		t.Errorf("parseCrowd: %d failed, want 5", failed)
	}
	if want := "1 x curl exit 18, last reply 226; 1 x curl exit 28, last reply 000; 2 x curl exit 28, last reply 421; 1 x no result (curl killed)"; why != want {
		t.Errorf("parseCrowd: why %q, want %q", why, want)
	}
	if failed, why := parseCrowd("0 226 10\n", 1, 10); failed != 0 || why != "" {
		t.Errorf("parseCrowd of a success = %d, %q; want 0, \"\"", failed, why)
	}
}

func TestParseDeviceFTP(t *testing.T) {
	out := `Trying 127.0.0.1 ...
Press CTRL+K to abort
Connected to 127.0.0.1.
220 (vsFTPd 3.0.3)
User(127.0.0.1:(none)):331 Please specify the password.
Enter password:230 Login successful.
[ftp]binary
200 Switching to Binary mode.
[ftp]passive
[ftp]get big.bin
200 PORT command successful. Consider using PASV.
150 Opening BINARY mode data connection for big.bin (67108864 bytes).
226 Transfer complete.
FTP: 67108864 byte(s) received in 0.100 second(s) 671088.64Kbyte(s)/sec.
[ftp]put big.bin up-device.bin
FTP: 67108864 byte(s) sent in 0.064 second(s) 1048576.00Kbyte(s)/sec.
`
	get, put, ok := parseDeviceFTP(out)
	if !ok || get != (transferRate{67108864, 0.1}) || put != (transferRate{67108864, 0.064}) {
		t.Errorf("parseDeviceFTP = %+v, %+v, %v", get, put, ok)
	}
	if get.mbps() != "671.1" || put.mbps() != "1048.6" {
		t.Errorf("rates %s, %s MB/s; want 671.1, 1048.6", get.mbps(), put.mbps())
	}
	if _, _, ok := parseDeviceFTP("Error: Failed to connect to the remote host.\n"); ok {
		t.Error("parseDeviceFTP of a failed session: ok")
	}
}

func TestParseCurlTransfer(t *testing.T) {
	got, err := parseCurlTransfer("67108864 0 0.002000 0.102000", false)
	if err != nil || got.bytes != 67108864 || got.mbps() != "671.1" {
		t.Errorf("download: %+v, %v; want 67108864 bytes at 671.1 MB/s", got, err)
	}
	got, err = parseCurlTransfer("0 1000000 0.5 1.5", true)
	if err != nil || got != (transferRate{1000000, 1}) {
		t.Errorf("upload: %+v, %v; want 1000000 bytes in 1 s", got, err)
	}
	for _, bad := range []string{"", "1 2 3", "1 2 x 4", "10 0 1.0 1.0"} {
		if _, err := parseCurlTransfer(bad, false); err == nil {
			t.Errorf("parseCurlTransfer(%q): no error", bad)
		}
	}
}

func TestLoggedIn(t *testing.T) {
	for _, tc := range []struct {
		replies string
		want    bool
	}{
		{"220 FTP service ready.\r\n331 Password required for bench.\r\n230 User logged in.\r\n", true},
		{"220-Welcome\r\n230 is not a reply here\r\n220 ready\r\n331 Password\r\n230-Hello\r\n230 logged in\r\n", true},
		{"421 Too many users.\r\n", false},
		{"220 ready\r\n331 Password\r\n530 Login incorrect.\r\n", false},
	} {
		got, err := loggedIn(bufioReader(tc.replies))
		if err != nil || got != tc.want {
			t.Errorf("loggedIn(%q) = %v, %v; want %v", tc.replies, got, err, tc.want)
		}
	}
	if _, err := loggedIn(bufioReader("220 ready\r\n331 Password\r\n")); err == nil {
		t.Error("loggedIn of a session that ends first: no error")
	}
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

func TestLab(t *testing.T) {
	for i, want := range map[int]string{0: "127.1.0.1", 249: "127.1.0.250", 250: "127.1.1.1", 999: "127.1.3.250"} {
		if got := labAddr(i); got != want {
			t.Errorf("labAddr(%d) = %s, want %s", i, got, want)
		}
	}
	want := `defaults: {ssh-port: 2222, ftp-port: 2121, flash: memory, startup: startup.cfg}
devices:
  - {sysname: D0, address: 127.1.0.1}
  - {sysname: D1, address: 127.1.0.2}
`
	if diff := cmp.Diff(want, labFile(2)); diff != "" {
		t.Errorf("labFile (-want +got):\n%s", diff)
	}
	r1, err := os.ReadFile("../../../../docs/lab-configs/R1.cfg")
	if err != nil {
		t.Fatal(err)
	}
	got := string(startupConfig(r1))
	if strings.Contains(got, "sysname") || len(got) != len(r1)-len(" sysname R1\n") {
		t.Errorf("startupConfig of R1.cfg kept more or less than all but its sysname:\n%s", got)
	}
}

func TestFiles(t *testing.T) {
	random := []byte("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz!") // 73 bytes
	text := textOf(random)
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	if len(lines) != 2 || len(lines[0]) != 76 || len(lines[1]) != 100-76 || text[len(text)-1] != '\n' {
		t.Errorf("textOf: lines %q, want one of 76 characters and the rest of 100, each ended by LF", lines)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := writeRepeated(path, text, 290); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := string(text) + string(text) + string(text[:290-2*len(text)]); string(b) != want {
		t.Errorf("writeRepeated wrote %q, want %q", b, want)
	}
	if n, err := countLines(path); err != nil || n != 5 {
		t.Errorf("countLines = %d, %v; want 5 (2 whole chunks and the first line of a third)", n, err)
	}
	if err := copyFile(path, path+".copy"); err != nil {
		t.Fatal(err)
	}
	c, err := os.ReadFile(path + ".copy")
	if err != nil || !bytes.Equal(c, b) {
		t.Errorf("copyFile: %v, contents equal: %v", err, bytes.Equal(c, b))
	}
	if sum, err := sha256File(path + ".copy"); err != nil || len(sum) != 64 {
		t.Errorf("sha256File = %q, %v", sum, err)
	}
}
