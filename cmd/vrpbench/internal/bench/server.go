package bench

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vrpsim/vrpsim/cmd/vrpbench/internal/bench/proc"
)

const serverHelp = `Usage: vrpbench [flags]   (scripts/bench.sh [flags])

vrpsim's FTP server against vsftpd, on loopback, in one run.

Both servers run on this machine at the same time and serve files from tmpfs
(/dev/shm); curl is the client of every transfer. It prints, per server,
medians over several runs:

  - RETR and STOR of a large binary file (-size, 1 GiB), MiB/s; with each
    transfer figure also the median of the per-run vrpsim/vsftpd ratios (the
    two servers run back to back in a run, in alternating order). Every
    transfer figure comes twice: with curl and the server placed by the
    scheduler, and with curl pinned to CPU 0 and the server to CPU 1
    (taskset; see "placements" below);
  - ASCII (TYPE A) RETR of a text file (-text-size, 256 MiB of LF-terminated
    lines); both servers convert to CRLF (vsftpd gets ascii_download_enable),
    the rate counts the bytes on the wire;
  - one session's setup: connect, log in, SIZE, QUIT (curl -I), milliseconds;
  - -clients (200) clients downloading a 1 MiB file at once (one curl
    process, --parallel): wall time and failures, each client bounded by
    --max-time;
  - server memory (PSS; for vsftpd the sum over all its processes) at start,
    with no session after some logins, and with -idle (200) idle logged-in
    sessions;
  - the server's CPU time per GiB of each transfer and for the crowd test
    (steadier than MiB/s when the machine is busy). vsftpd runs under
    "vrpbench reaper", a child subreaper, so that the CPU time of all its
    session processes is counted.

Placements: on this loopback benchmark the client and the server each keep
one CPU busy, so "placed by the scheduler" also measures where the scheduler
happened to put them (single RETRs of either server spread from about 1,300
to 3,900 MiB/s on 2 CPUs, slow when the two share a CPU for long). "Pinned"
takes that lottery out and compares the servers' work. Both are printed.

vsftpd comes from scripts/ftp-peers.sh (unpacked from Debian's package, user
vrpsimftp with a SHA-512 crypt hash, as fair as its login gets). vsftpd's
listen backlog is hard-coded to 32: with 200 clients at once some wait for
SYN retransmissions. That is part of the result, not tuned away.

vrpsim's FTP server lets 5 users log in at once by default (the AR's "Max user
number 5") and accepts 2*5+2 control connections. The crowd test runs once at
that default, then the device is reconfigured with "ftp server max-sessions"
(VRPv8 syntax) and the FTP server restarted, and the memory and crowd tests
run against the raised limit.

Runs as root (after scripts/test.sh installed curl). Everything listens on
127.0.0.1 only; everything started is stopped on exit (also on Ctrl+C), and
the run stops when it overruns -time-limit. The full run (31 runs) takes
about 15 minutes on 2 CPUs; a short run (-quick, or -runs 3 -size 64MiB)
checks the benchmark, its figures are not for comparison.

  scripts/bench.sh                    full run: 1 GiB, 256 MiB, 200 clients, 31 runs
  scripts/bench.sh -quick             64 MiB, 16 MiB, 50 clients, 1 run
  scripts/bench.sh -runs 3 -size 64MiB
  scripts/bench.sh lab                a 1,000-device lab (lab -h)
  scripts/bench.sh client             the device's FTP client against curl (client -h)

Flags:
`

// serverOptions are the parameters of RunServer.
type serverOptions struct {
	bigSize       int64 // RETR / STOR file
	textSize      int64 // ASCII RETR file
	smallSize     int64 // file of the crowd test
	clients       int   // crowd test
	idle          int   // memory test
	runs          int   // runs per transfer figure
	crowdRuns     int   // runs of the crowd test (raised limit)
	clientMaxTime time.Duration
	raised        int // vrpsim: ftp server max-sessions
	limit         time.Duration
	keep          bool
}

// full reports whether the options are those of the full run, whose figures
// are for comparison.
func (o serverOptions) full() bool {
	return o.bigSize == gib && o.textSize == 256*mib && o.clients == 200 && o.idle == 200 && o.runs == 31 && o.crowdRuns == 3
}

func parseServerFlags(args []string, stderr io.Writer) (serverOptions, error) {
	o := serverOptions{bigSize: gib, textSize: 256 * mib, smallSize: mib}
	fl := flag.NewFlagSet("vrpbench", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, serverHelp); fl.PrintDefaults() }
	quick := fl.Bool("quick", false, "a quick check: 64MiB, 16MiB, 50 clients, 50 idle sessions, 1 run, time limit 5m")
	fl.Var(sizeFlag{&o.bigSize}, "size", "`SIZE` of the RETR and STOR file (KiB, MiB, GiB)")
	fl.Var(sizeFlag{&o.textSize}, "text-size", "`SIZE` of the ASCII RETR file")
	fl.IntVar(&o.clients, "clients", 200, "clients of the crowd test, at once")
	fl.IntVar(&o.idle, "idle", 200, "idle sessions of the memory test")
	fl.IntVar(&o.runs, "runs", 31, "runs per transfer figure")
	fl.IntVar(&o.crowdRuns, "crowd-runs", 3, "runs of the crowd test")
	fl.DurationVar(&o.limit, "time-limit", 20*time.Minute, "stop the run when it takes longer")
	fl.BoolVar(&o.keep, "keep", false, "leave the work directory in /dev/shm for inspection")
	if err := parseFlags(fl, args); err != nil {
		return o, err
	}
	if *quick {
		for name, set := range map[string]func(){
			"size":       func() { o.bigSize = 64 * mib },
			"text-size":  func() { o.textSize = 16 * mib },
			"clients":    func() { o.clients = 50 },
			"idle":       func() { o.idle = 50 },
			"runs":       func() { o.runs = 1 },
			"crowd-runs": func() { o.crowdRuns = 1 },
			"time-limit": func() { o.limit = 5 * time.Minute },
		} {
			if !isSet(fl, name) {
				set()
			}
		}
	}
	o.clientMaxTime = 30 * time.Second
	if o.clients <= 50 {
		o.clientMaxTime = 15 * time.Second
	}
	switch {
	case o.runs < 1 || o.crowdRuns < 1:
		return o, fmt.Errorf("%w: -runs and -crowd-runs take positive numbers", errUsage)
	case o.clients < 1 || o.idle < 1 || o.clients > 999 || o.idle > 999:
		return o, fmt.Errorf("%w: -clients and -idle take numbers from 1 to 999 (the device's max-sessions ends at 1000)", errUsage)
	case o.bigSize < o.smallSize:
		return o, fmt.Errorf("%w: -size is at least 1MiB (the crowd test's file is cut from it)", errUsage)
	case o.bigSize+o.smallSize > 1040*mib || o.textSize+o.smallSize > 1040*mib:
		return o, fmt.Errorf("%w: -size and -text-size are at most 1039MiB: the device's flash holds 1,090,732 KB (an AR2220's)", errUsage)
	}
	o.raised = raisedLimit(o.clients, o.idle)
	return o, nil
}

// raisedLimit is the device's "ftp server max-sessions" for the crowd and
// memory tests: the first power of two above both (256 for 200), at most
// the device's 1000.
func raisedLimit(clients, idle int) int {
	n := 1
	for n <= max(clients, idle) {
		n *= 2
	}
	return min(n, 1000)
}

// The device's FTP user of the benchmark.
const (
	benchUser     = "bench"
	benchPassword = "Bench@123"
)

// ftpServer is one of the two servers compared: where it listens, where its
// uploads land, and how its CPU time and memory are accounted.
type ftpServer struct {
	name  string // "vrpsim" or "vsftpd"
	login ftpLogin
	dir   string // the directory that receives STOR
	acct  accountant
}

// accountant measures a server's processes.
type accountant interface {
	CPUTicks() (int64, error)
	Memory() (proc.Memory, error)
	// Settle waits (up to a limit) until ended sessions have left the
	// counters.
	Settle(ctx context.Context, limit time.Duration) error
	// Pin puts the server on cpus (taskset syntax).
	Pin(ctx context.Context, cpus string) error
}

// inOrder returns the servers in the order of run r (from 1): the first
// alternates from run to run.
func inOrder(r int, a, b *ftpServer) []*ftpServer {
	if r%2 == 1 {
		return []*ftpServer{a, b}
	}
	return []*ftpServer{b, a}
}

// placementOrder returns the placements in the order of run r (from 1):
// reversed in every other run.
func placementOrder(r int, placements []string) []string {
	if r%2 == 1 {
		return placements
	}
	out := make([]string, len(placements))
	for i, p := range placements {
		out[len(out)-1-i] = p
	}
	return out
}

// sampleKey names a transfer figure in a placement: "retr" for the
// scheduler's placement ("free"), "retr_pinned" for the other.
func sampleKey(kind, placement string) string {
	if placement == "free" {
		return kind
	}
	return kind + "_" + placement
}

// serverRun is the state of one RunServer.
type serverRun struct {
	*job
	opts       serverOptions
	servers    [2]*ftpServer // vrpsim, vsftpd
	dev        *device
	curlPrefix []string // taskset -c 0 when curl runs pinned
	curlErr    *os.File
	deviceLog  *os.File
	files      string
	res        serverResult
}

// RunServer measures vrpsim's FTP server against vsftpd and prints the
// report to stdout (see serverHelp, "vrpbench -h").
func RunServer(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseServerFlags(args, stderr)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("run as root (scripts/ftp-peers.sh installs vsftpd's libraries and its user)")
	}
	ctx, cancel := withLimit(ctx, o.limit)
	defer cancel()
	j, err := newJob(ctx, "bench", stdout, stderr, o.keep, "curl", "taskset")
	if err != nil {
		return err
	}
	defer func() {
		err = stopped(ctx, err)
		j.finish(ctx, err, "files", "vsftpd", "vrpsim-data", "vrpsim")
	}()
	r := &serverRun{job: j, opts: o}
	r.res = serverResult{opts: o, samples: make(map[string]map[string][]string),
		memStart: map[string]int64{}, mem0: map[string]proc.Memory{}, mem: map[string]proc.Memory{}, idleOK: map[string]int{}}
	return r.run(ctx)
}

func (r *serverRun) run(ctx context.Context) error {
	o := r.opts
	r.logf("file %d MiB, text %d MiB, %d clients x %d KiB, %d idle sessions, %d run(s)",
		o.bigSize>>20, o.textSize>>20, o.clients, o.smallSize>>10, o.idle, o.runs)
	r.res.loadStart = loadAverage()
	var err error
	if r.curlErr, err = r.create("curl.err"); err != nil {
		return err
	}
	if r.deviceLog, err = r.create("device.log"); err != nil {
		return err
	}
	bin, err := r.buildVrpsim(ctx)
	if err != nil {
		return err
	}
	vsftpdBin, err := r.vsftpdBinary(ctx)
	if err != nil {
		return err
	}
	if err := r.makeFiles(); err != nil {
		return err
	}
	vs, err := r.startVsftpd(ctx, vsftpdBin)
	if err != nil {
		return err
	}
	vr, err := r.startVrpsim(ctx, bin)
	if err != nil {
		return err
	}
	r.servers = [2]*ftpServer{vr, vs}
	if err := r.crowdDefault(ctx); err != nil {
		return err
	}
	if err := r.memoryTest(ctx); err != nil {
		return err
	}
	if err := r.sessionSetup(ctx); err != nil {
		return err
	}
	if err := r.crowdRaised(ctx); err != nil {
		return err
	}
	if err := r.transfers(ctx); err != nil {
		return err
	}
	r.res.loadEnd = loadAverage()
	r.res.curlVersion = curlVersion(ctx)
	r.res.cpus = runtime.NumCPU()
	r.res.date = time.Now().UTC()
	return r.res.report(r.stdout)
}

// makeFiles writes the test files: big.bin and small.bin (random), text.txt
// (base64 lines).
func (r *serverRun) makeFiles() error {
	o := r.opts
	r.files = r.path("files")
	r.logf("making test files in %s", r.files)
	if err := os.Mkdir(r.files, 0o755); err != nil {
		return err
	}
	chunk, err := randomBytes(min(64*mib, o.bigSize))
	if err != nil {
		return err
	}
	if err := writeRepeated(r.file("big.bin"), chunk, o.bigSize); err != nil {
		return err
	}
	if err := writeRepeated(r.file("small.bin"), chunk, o.smallSize); err != nil {
		return err
	}
	random, err := randomBytes(12 * mib)
	if err != nil {
		return err
	}
	if err := writeRepeated(r.file("text.txt"), textOf(random), o.textSize); err != nil {
		return err
	}
	lines, err := countLines(r.file("text.txt"))
	if err != nil {
		return err
	}
	r.res.textLines = lines
	return nil
}

func (r *serverRun) file(name string) string { return r.files + "/" + name }

// startVsftpd starts vsftpd serving hard links to the test files.
func (r *serverRun) startVsftpd(ctx context.Context, bin string) (*ftpServer, error) {
	root := r.path("vsftpd")
	if err := os.Mkdir(root, 0o755); err != nil {
		return nil, err
	}
	for _, f := range []string{"big.bin", "text.txt", "small.bin"} {
		if err := os.Link(r.file(f), root+"/"+f); err != nil {
			return nil, err
		}
	}
	port, err := r.freePort("127.0.0.1")
	if err != nil {
		return nil, err
	}
	cfg := vsftpdConfig{Host: "127.0.0.1", Port: port, Root: root, EmptyDir: r.path("vsftpd-empty"), ASCII: true}
	v, err := r.job.startVsftpd(ctx, bin, cfg)
	if err != nil {
		return nil, err
	}
	return &ftpServer{name: "vsftpd", login: ftpLogin{"127.0.0.1", port, peerUser, peerPassword}, dir: root, acct: v}, nil
}

// startVrpsim starts the device with copies of big.bin and small.bin on its
// flash (which holds 1,090,732 KB, an AR2220's: the text file is uploaded
// after the large one is deleted), measures both servers' memory before any
// login (the device's SSH login is the first), and configures its FTP server
// with its default limit of 5 users.
func (r *serverRun) startVrpsim(ctx context.Context, bin string) (*ftpServer, error) {
	data := r.path("vrpsim-data")
	flashDir := data + "/flash"
	if err := os.MkdirAll(flashDir, 0o755); err != nil {
		return nil, err
	}
	for _, f := range []string{"big.bin", "small.bin"} {
		if err := copyFile(r.file(f), flashDir+"/"+f); err != nil {
			return nil, err
		}
	}
	port, err := r.freePort("127.0.0.1")
	if err != nil {
		return nil, err
	}
	r.logf("starting vrpsim")
	d, err := r.startDevice(ctx, bin, "127.0.0.1", data)
	if err != nil {
		return nil, err
	}
	r.dev = d
	s := &ftpServer{name: "vrpsim", login: ftpLogin{"127.0.0.1", port, benchUser, benchPassword}, dir: flashDir, acct: d}
	return s, nil
}

// configureDevice sets up the device's FTP server and its user.
func (r *serverRun) configureDevice(ctx context.Context) error {
	s := r.servers[0]
	r.logf("configuring the device's FTP server on %s (default limit of 5 users)", s.login.addr())
	err := r.dev.configure(ctx, deviceFTPConfig(s.login.port, benchUser, benchPassword), r.deviceLog)
	if err != nil {
		return err
	}
	if err := waitPort(ctx, r.dev.p, s.login.addr(), 20*time.Second); err != nil {
		return fmt.Errorf("the device's FTP server did not start: %w", err)
	}
	// Sanity check: each server serves the small file whole.
	for _, s := range r.servers {
		got := r.curl(ctx, s, "-o", "/dev/null", "-w", "%{size_download} %{exitcode}", s.login.url("small.bin"))
		if want := fmt.Sprintf("%d 0", r.opts.smallSize); got != want {
			return fmt.Errorf("%s: RETR small.bin gave %q, want %q (see %s)", s.name, got, want, r.curlErr.Name())
		}
	}
	return nil
}

// deviceFTPConfig is the CLI that enables the device's FTP server on port
// with a user of level 15 whose directory is flash:.
func deviceFTPConfig(port int, user, password string) string {
	return fmt.Sprintf(`system-view
ftp server port %d
ftp server enable
set default ftp-directory flash:
aaa
local-user %[2]s password cipher %[3]s
local-user %[2]s service-type ftp
local-user %[2]s privilege level 15
local-user %[2]s ftp-directory flash:`, port, user, password)
}

// raiseConfig is the CLI that restarts the device's FTP server with a limit
// of n users.
func raiseConfig(n int) string {
	return fmt.Sprintf("system-view\nundo ftp server\nftp server max-sessions %d\nftp server enable", n)
}

// curl runs curl against s (pinned when the transfers are), with the time
// limits of a transfer: 240 s for curl, 300 s before it is killed.
func (r *serverRun) curl(ctx context.Context, s *ftpServer, args ...string) string {
	return curlRun(ctx, r.curlErr, 5*time.Minute, r.curlPrefix, s.login, args...)
}

// crowd runs the crowd test once against s: clients downloads of small.bin
// at once from one curl process.
func (r *serverRun) crowd(ctx context.Context, s *ftpServer) crowdResult {
	o := r.opts
	cfg := r.path("crowd.curlrc")
	if err := os.WriteFile(cfg, []byte(crowdConfig(s.login.url("small.bin"), o.clients)), 0o644); err != nil {
		return crowdResult{failed: o.clients, why: err.Error()}
	}
	t0 := time.Now()
	out := curlRun(ctx, r.curlErr, o.clientMaxTime+time.Minute, nil, s.login,
		"-K", cfg, "--parallel", "--parallel-immediate", "--parallel-max", strconv.Itoa(o.clients),
		"-w", "%{exitcode} %{response_code} %{size_download}\n")
	res := crowdResult{wall: time.Since(t0)}
	res.failed, res.why = parseCrowd(out, o.clients, o.smallSize)
	return res
}

// crowdDefault configures the device and runs the crowd test against it at
// its default limit; then raises the limit. Before, it takes the memory of
// both servers at start.
func (r *serverRun) crowdDefault(ctx context.Context) error {
	for _, s := range r.servers {
		m, err := s.acct.Memory()
		if err != nil {
			return fmt.Errorf("%s: memory: %w", s.name, err)
		}
		r.res.memStart[s.name] = m.PSS
	}
	if err := r.configureDevice(ctx); err != nil {
		return err
	}
	o := r.opts
	vr := r.servers[0]
	r.logf("crowd test against vrpsim at its default limit (5 users, 12 connections)")
	c := r.crowd(ctx, vr)
	r.res.crowdDefault = c
	r.res.notes = append(r.res.notes, fmt.Sprintf("vrpsim at the default limit of 5 users: %d of %d failed (%s) in %.2fs",
		c.failed, o.clients, orNone(c.why), c.wall.Seconds()))
	r.logf("  %.2fs, %d failed%s", c.wall.Seconds(), c.failed, paren(c.why))
	r.logf("raising the device's limit: ftp server max-sessions %d, FTP server restarted", o.raised)
	if err := r.dev.configure(ctx, raiseConfig(o.raised), r.deviceLog); err != nil {
		return err
	}
	if err := waitPort(ctx, r.dev.p, vr.login.addr(), 20*time.Second); err != nil {
		return fmt.Errorf("the device's FTP server did not restart: %w", err)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// paren returns " (s)", or "" for no s.
func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// memoryTest measures each server's memory with no session (after the
// logins so far) and with idle sessions logged in.
func (r *serverRun) memoryTest(ctx context.Context) error {
	n := r.opts.idle
	for _, s := range r.servers {
		m, err := s.acct.Memory()
		if err != nil {
			return fmt.Errorf("%s: memory: %w", s.name, err)
		}
		r.res.mem0[s.name] = m
		r.logf("memory test: %s, %d idle sessions", s.name, n)
		conns, ok := openIdle(ctx, s.login, n)
		err = sleep(ctx, time.Second)
		if err == nil {
			m, err = s.acct.Memory()
		}
		for _, c := range conns {
			c.Close()
		}
		if err != nil {
			return fmt.Errorf("%s: memory: %w", s.name, err)
		}
		r.res.mem[s.name] = m
		r.res.idleOK[s.name] = ok
		r.logf("  %d logged in; PSS %d MiB, RSS %d MiB, %d process(es)", ok, m.PSS/1024, m.RSS/1024, m.Processes)
		// Let the server notice the closed sessions before the next test.
		if err := s.acct.Settle(ctx, 30*time.Second); err != nil {
			return err
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
	return nil
}

// openIdle opens n sessions to l and logs them in (curl cannot keep a
// session idle). It returns the connections, to be closed by the caller,
// and how many logged in.
func openIdle(ctx context.Context, l ftpLogin, n int) ([]net.Conn, int) {
	var conns []net.Conn
	d := net.Dialer{Timeout: 20 * time.Second}
	for range n {
		c, err := d.DialContext(ctx, "tcp", l.addr())
		if err != nil {
			break
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		fmt.Fprintf(c, "USER %s\r\nPASS %s\r\n", l.user, l.password)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for _, c := range conns {
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			if in, _ := loggedIn(bufio.NewReader(c)); in {
				mu.Lock()
				ok++
				mu.Unlock()
			}
			c.SetReadDeadline(time.Time{})
		})
	}
	wg.Wait()
	return conns, ok
}

// loggedIn reads FTP replies up to the one that ends the login: true for
// "230 ", false for any 4xx or 5xx reply (a 421 greeting, a 530 refusal).
func loggedIn(r *bufio.Reader) (bool, error) {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return false, err
		}
		if len(line) < 4 || line[3] != ' ' {
			continue // a line of a multi-line reply
		}
		code, err := strconv.Atoi(line[:3])
		switch {
		case err != nil:
		case code == 230:
			return true, nil
		case code >= 400 && code < 600:
			return false, nil
		}
	}
}

// sessionSetup measures connect, login, SIZE and QUIT (curl -I), 2*runs+1
// times for each server.
func (r *serverRun) sessionSetup(ctx context.Context) error {
	n := 2*r.opts.runs + 1
	r.logf("session setup (connect, login, SIZE, QUIT), %d runs each", n)
	for run := 1; run <= n; run++ {
		for _, s := range inOrder(run, r.servers[0], r.servers[1]) {
			got := r.curl(ctx, s, "-I", "-o", "/dev/null", "-w", "%{time_total} %{exitcode}", s.login.url("small.bin"))
			secs, code, _ := strings.Cut(got, " ")
			if code != "0" {
				return fmt.Errorf("%s: curl -I failed (%q)", s.name, got)
			}
			r.res.add("login", s.name, secs)
		}
	}
	return nil
}

// crowdRaised runs the crowd test against both servers, vrpsim with its
// raised limit, with the servers' CPU time.
func (r *serverRun) crowdRaised(ctx context.Context) error {
	o := r.opts
	r.logf("crowd test: %d clients x %d KiB at once, %d run(s) (vrpsim with max-sessions %d)",
		o.clients, o.smallSize>>10, o.crowdRuns, o.raised)
	for run := 1; run <= o.crowdRuns; run++ {
		for _, s := range inOrder(run, r.servers[0], r.servers[1]) {
			var c crowdResult
			ticks, err := r.cpuOf(ctx, s, func() error { c = r.crowd(ctx, s); return ctx.Err() })
			if err != nil {
				return err
			}
			r.res.add("crowd_cpu", s.name, fmt.Sprintf("%.2f", proc.Seconds(ticks)))
			r.res.add("crowd_wall", s.name, fmt.Sprintf("%.2f", c.wall.Seconds()))
			r.res.add("crowd_failed", s.name, strconv.Itoa(c.failed))
			r.logf("  %s run %d: %.2fs, %d failed%s", s.name, run, c.wall.Seconds(), c.failed, paren(c.why))
			if c.why != "" {
				r.res.notes = append(r.res.notes, fmt.Sprintf("%s crowd run %d: %d failed: %s", s.name, run, c.failed, c.why))
			}
			if err := sleep(ctx, time.Second); err != nil {
				return err
			}
		}
	}
	return nil
}

// cpuOf runs f and returns the CPU time s used meanwhile (settled before and
// after).
func (r *serverRun) cpuOf(ctx context.Context, s *ftpServer, f func() error) (int64, error) {
	if err := s.acct.Settle(ctx, 10*time.Second); err != nil {
		return 0, err
	}
	c0, err := s.acct.CPUTicks()
	if err != nil {
		return 0, fmt.Errorf("%s: CPU time: %w", s.name, err)
	}
	if err := f(); err != nil {
		return 0, err
	}
	if err := s.acct.Settle(ctx, 10*time.Second); err != nil {
		return 0, err
	}
	c1, err := s.acct.CPUTicks()
	if err != nil {
		return 0, fmt.Errorf("%s: CPU time: %w", s.name, err)
	}
	return c1 - c0, nil
}

// place puts curl and both servers as placement says: "free", where the
// scheduler likes, or "pinned", curl on CPU 0 and the servers on CPU 1.
func (r *serverRun) place(ctx context.Context, placement string) error {
	cpus := "1"
	r.curlPrefix = []string{"taskset", "-c", "0"}
	if placement == "free" {
		cpus = fmt.Sprintf("0-%d", runtime.NumCPU()-1)
		r.curlPrefix = nil
	}
	for _, s := range r.servers {
		if err := s.acct.Pin(ctx, cpus); err != nil {
			return err
		}
	}
	return nil
}

// transfers measures RETR, STOR and ASCII RETR.
func (r *serverRun) transfers(ctx context.Context) error {
	o := r.opts
	placements := []string{"free"}
	if runtime.NumCPU() >= 2 {
		placements = append(placements, "pinned")
	}
	r.res.placements = placements
	r.logf("RETR of %d MiB, %d run(s) x %d placement(s)", o.bigSize>>20, o.runs, len(placements))
	if err := r.figure(ctx, "retr"); err != nil {
		return err
	}
	// Room on the device's flash for the uploads.
	if err := r.delete(ctx, r.servers[0], "big.bin"); err != nil {
		return err
	}
	r.logf("STOR of %d MiB, %d run(s) x %d placement(s)", o.bigSize>>20, o.runs, len(placements))
	if err := r.figure(ctx, "stor"); err != nil {
		return err
	}
	r.logf("ASCII RETR of %d MiB (%d lines), %d run(s) x %d placement(s)", o.textSize>>20, r.res.textLines, o.runs, len(placements))
	vr := r.servers[0]
	got := r.curl(ctx, vr, "-T", r.file("text.txt"), "-w", "%{size_upload} %{exitcode}", vr.login.url("text.txt"))
	if want := fmt.Sprintf("%d 0", o.textSize); got != want {
		return fmt.Errorf("vrpsim: STOR text.txt gave %q, want %q", got, want)
	}
	return r.figure(ctx, "ascii")
}

// figure measures one kind of transfer: runs runs; in each, both placements
// and, in each placement, both servers back to back (the orders alternate
// from run to run).
func (r *serverRun) figure(ctx context.Context, kind string) error {
	for run := 1; run <= r.opts.runs; run++ {
		for _, p := range placementOrder(run, r.res.placements) {
			if err := r.place(ctx, p); err != nil {
				return err
			}
			for _, s := range inOrder(run, r.servers[0], r.servers[1]) {
				if err := r.transfer(ctx, kind, s, p); err != nil {
					return err
				}
			}
		}
	}
	return r.place(ctx, "free")
}

// transfer makes one transfer of kind with s in placement p, checks it and
// adds its rate and the server's CPU time to the samples.
func (r *serverRun) transfer(ctx context.Context, kind string, s *ftpServer, p string) error {
	o := r.opts
	var got string
	ticks, err := r.cpuOf(ctx, s, func() error {
		switch kind {
		case "retr":
			got = r.curl(ctx, s, "-o", "/dev/null", "-w", "%{speed_download} %{size_download} %{exitcode}", s.login.url("big.bin"))
		case "stor":
			got = r.curl(ctx, s, "-T", r.file("big.bin"), "-w", "%{speed_upload} %{size_upload} %{exitcode}", s.login.url("upload.bin"))
		case "ascii":
			got = r.curl(ctx, s, "-B", "-o", "/dev/null", "-w", "%{speed_download} %{size_download} %{exitcode}", s.login.url("text.txt"))
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	f := strings.Fields(got)
	if len(f) != 3 {
		f = []string{"0", "0", "killed"}
	}
	speed, _ := strconv.ParseFloat(f[0], 64)
	size, _ := strconv.ParseInt(f[1], 10, 64)
	rc := f[2]
	switch kind {
	case "retr":
		if rc != "0" || size != o.bigSize {
			return fmt.Errorf("%s: RETR big.bin: curl exit %s, %d bytes", s.name, rc, size)
		}
	case "stor":
		if rc != "0" || size != o.bigSize {
			return fmt.Errorf("%s: STOR upload.bin: curl exit %s, %d bytes", s.name, rc, size)
		}
		st, err := os.Stat(s.dir + "/upload.bin")
		if err != nil || st.Size() != o.bigSize {
			return fmt.Errorf("%s: upload.bin after STOR: %v, want %d bytes", s.name, statSize(st, err), o.bigSize)
		}
		if err := r.delete(ctx, s, "upload.bin"); err != nil {
			return err
		}
	case "ascii":
		if rc != "0" {
			return fmt.Errorf("%s: ASCII RETR text.txt: curl exit %s", s.name, rc)
		}
		// The size on the wire shows whether the server converted LF to CRLF.
		if want := o.textSize + r.res.textLines; size != want {
			return fmt.Errorf("%s: ASCII RETR sent %d bytes, want %d (LF -> CRLF)", s.name, size, want)
		}
	}
	k := sampleKey(kind, p)
	rate := fmt.Sprintf("%.0f", speed/mib)
	cpu := fmt.Sprintf("%.2f", proc.Seconds(ticks)/(float64(size)/gib))
	r.res.add(k, s.name, rate)
	r.res.add("cpu_"+k, s.name, cpu)
	r.logf("  %s, %s: %s MiB/s, server CPU %s s/GiB", s.name, p, rate, cpu)
	return nil
}

func statSize(st os.FileInfo, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%d bytes", st.Size())
}

// delete removes a file with DELE over FTP (so that vrpsim's flash accounts
// for it).
func (r *serverRun) delete(ctx context.Context, s *ftpServer, name string) error {
	got := r.curl(ctx, s, "-o", "/dev/null", "-Q", "DELE "+name, "-w", "%{exitcode}", s.login.url(""))
	if got != "0" {
		return fmt.Errorf("%s: DELE %s failed (curl exit %q; see %s)", s.name, name, got, r.curlErr.Name())
	}
	return nil
}

// curlVersion returns the version of curl ("8.14.1").
func curlVersion(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "curl", "--version").Output()
	f := strings.Fields(string(out))
	if err != nil || len(f) < 2 {
		return "?"
	}
	return f[1]
}
