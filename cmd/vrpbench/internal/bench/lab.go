package bench

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const labHelp = `Usage: vrpbench lab [flags]   (scripts/bench.sh lab [flags])

Many devices in one vrpsim process (issue 6's scale figures). Prints, for a
lab of -devices (1000) devices with memory flash, each on its own loopback
address (127.1.X.Y), SSH on port 2222 and its FTP server on 2121, all with the
FTP server enabled by their startup configuration (docs/lab-configs/R1.cfg):

  - start time: from exec to the "Press Ctrl+C" line (the lab file is
    checked first, then every listener opened, then the devices booted), and
    the process's own "up in" figure;
  - RSS (VmRSS) idle, a few seconds after the start;
  - RSS with -sessions (100) devices each holding an SSH session (paramiko, a
    shell on a pty) and as many other devices each holding a logged-in FTP
    session (ftplib), opened all at once (the worst case: every login's
    password check runs at the same time) or -logins N at a time;
  - -backups (100) netmiko-style backups in parallel across as many devices:
    log in (Debian's netmiko, huawei driver), display current-configuration,
    save (answering its question), then on the device's FTP client "ftp" to a
    remote server (pyftpdlib on 127.0.0.1), "put vrpcfg.cfg NAME.cfg", "bye";
    wall time and failures (a backup fails unless the remote server holds the
    device's file with the device's configuration in it);
  - shutdown: from SIGTERM to the process's exit.

Needs /usr/bin/python3 with python3-paramiko, python3-netmiko and
python3-pyftpdlib (Debian). Everything listens on loopback; everything it
starts is stopped on exit.

Flags:
`

// pyScripts are the Python peers of the lab benchmark.
//
//go:embed py/*.py
var pyScripts embed.FS

const python = "/usr/bin/python3"

// labOptions are the parameters of RunLab.
type labOptions struct {
	devices, sessions, backups, logins int
	limit                              time.Duration
	keep                               bool
}

func parseLabFlags(args []string, stderr io.Writer) (labOptions, error) {
	var o labOptions
	fl := flag.NewFlagSet("vrpbench lab", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, labHelp); fl.PrintDefaults() }
	fl.IntVar(&o.devices, "devices", 1000, "devices of the lab")
	fl.IntVar(&o.sessions, "sessions", 100, "devices holding an SSH session, and as many holding an FTP session")
	fl.IntVar(&o.backups, "backups", 100, "netmiko backups in parallel, one per device")
	fl.IntVar(&o.logins, "logins", 0, "logins of the held sessions at once (0: all)")
	fl.DurationVar(&o.limit, "time-limit", 30*time.Minute, "stop the run when it takes longer")
	fl.BoolVar(&o.keep, "keep", false, "leave the work directory in /dev/shm for inspection")
	if err := parseFlags(fl, args); err != nil {
		return o, err
	}
	switch {
	case o.devices < 1 || o.devices > 250*256:
		return o, fmt.Errorf("%w: -devices takes 1 to %d (addresses 127.1.0.1 to 127.1.255.250)", errUsage, 250*256)
	case o.sessions < 0 || o.backups < 0 || o.logins < 0:
		return o, fmt.Errorf("%w: -sessions, -backups and -logins take numbers >= 0", errUsage)
	case 2*o.sessions > o.devices || o.backups > o.devices:
		return o, fmt.Errorf("%w: need at least 2*sessions and backups devices", errUsage)
	}
	return o, nil
}

// labAddr is the address of device i (from 0) of the lab: 127.1.X.Y, 250
// devices per X. The Python peers compute the same.
func labAddr(i int) string { return fmt.Sprintf("127.1.%d.%d", i/250, i%250+1) }

// labFile is the lab file of n devices named D0, D1, ... with memory flash,
// SSH on 2222 and FTP on 2121, all booting startup.cfg. It has no admin
// endpoint: nothing to measure there.
func labFile(n int) string {
	var b strings.Builder
	b.WriteString("defaults: {ssh-port: 2222, ftp-port: 2121, flash: memory, startup: startup.cfg}\n")
	b.WriteString("devices:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {sysname: D%d, address: %s}\n", i, labAddr(i))
	}
	return b.String()
}

// startupConfig is a device's configuration without its sysname lines, so
// that the lab file names each device.
func startupConfig(cfg []byte) []byte {
	var b bytes.Buffer
	for _, l := range bytes.SplitAfter(cfg, []byte("\n")) {
		if !bytes.HasPrefix(l, []byte(" sysname ")) {
			b.Write(l)
		}
	}
	return b.Bytes()
}

// labResult is what RunLab measured.
type labResult struct {
	opts      labOptions
	cpus      int
	goVersion string
	start     time.Duration // exec to ready
	own       string        // the process's own "up in" figure
	idleRSS   int64         // KiB
	busyRSS   int64         // KiB
	held      string        // hold.py's summary line
	backups   string        // backup.py's output
	shutdown  time.Duration
}

func (r labResult) report(w io.Writer) error {
	o := r.opts
	logins := "all"
	if o.logins > 0 {
		logins = strconv.Itoa(o.logins)
	}
	rss := func(k int64) string { return fmt.Sprintf("%.1f MiB", float64(k)/1024) }
	_, err := fmt.Fprintf(w, "\nvrpsim lab bench: %d devices, %d CPUs, %s\n"+
		"  start (exec to ready):         %d ms (the process's own figure: %s)\n"+
		"  RSS idle:                      %s\n"+
		"  RSS, %d SSH + %d FTP sessions: %s (%s; logins at once: %s)\n"+
		"  backups:                       %s\n"+
		"  shutdown (SIGTERM to exit):    %d ms\n",
		o.devices, r.cpus, r.goVersion,
		r.start.Milliseconds(), r.own,
		rss(r.idleRSS),
		o.sessions, o.sessions, rss(r.busyRSS), r.held, logins,
		strings.TrimRight(r.backups, "\n"),
		r.shutdown.Milliseconds())
	return err
}

// upIn finds the lab's own start-up figure in its output ("... devices up
// in 56ms.").
var upIn = regexp.MustCompile(`(?m)devices up in ([^ ]*)\.$`)

// RunLab measures a lab of many devices and prints the report to stdout
// (see labHelp, "vrpbench lab -h").
func RunLab(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseLabFlags(args, stderr)
	if err != nil {
		return err
	}
	for _, m := range []string{"paramiko", "netmiko", "pyftpdlib"} {
		if err := exec.CommandContext(ctx, python, "-c", "import "+m).Run(); err != nil {
			return fmt.Errorf("%s lacks %s (apt-get install python3-%s)", python, m, m)
		}
	}
	ctx, cancel := withLimit(ctx, o.limit)
	defer cancel()
	j, err := newJob(ctx, "bench lab", stdout, stderr, o.keep)
	if err != nil {
		return err
	}
	defer func() {
		err = stopped(ctx, err)
		j.finish(ctx, err, "vrpsim")
	}()
	res, err := runLab(ctx, j, o)
	if err != nil {
		return err
	}
	return res.report(stdout)
}

func runLab(ctx context.Context, j *job, o labOptions) (labResult, error) {
	res := labResult{opts: o, cpus: runtime.NumCPU()}
	bin, err := j.buildVrpsim(ctx)
	if err != nil {
		return res, err
	}
	if info, err := buildinfo.ReadFile(bin); err == nil {
		res.goVersion = info.GoVersion
	}
	if err := writePy(j); err != nil {
		return res, err
	}
	r1, err := os.ReadFile(j.repo + "/docs/lab-configs/R1.cfg")
	if err != nil {
		return res, err
	}
	if err := os.WriteFile(j.path("startup.cfg"), startupConfig(r1), 0o644); err != nil {
		return res, err
	}
	if err := os.WriteFile(j.path("lab.yaml"), []byte(labFile(o.devices)), 0o644); err != nil {
		return res, err
	}

	j.logf("starting a lab of %d devices", o.devices)
	out, err := j.create("vrpsim.out")
	if err != nil {
		return res, err
	}
	errf, err := j.create("vrpsim.err")
	if err != nil {
		return res, err
	}
	cmd := exec.Command(bin, "--lab", j.path("lab.yaml"))
	cmd.Stdout, cmd.Stderr = out, errf
	t0 := time.Now()
	lab, err := j.start("the lab's vrpsim", cmd, 30*time.Second)
	if err != nil {
		return res, err
	}
	ready := fileHas(j.path("vrpsim.out"), func(b []byte) bool { return bytes.Contains(b, []byte("Press Ctrl+C")) })
	if err := poll(ctx, lab, 10*time.Millisecond, 5*time.Minute, "the lab's start", ready); err != nil {
		return res, fmt.Errorf("%w\n%s", err, tail(j.path("vrpsim.err")))
	}
	res.start = time.Since(t0)
	b, _ := os.ReadFile(j.path("vrpsim.out"))
	if m := upIn.FindSubmatch(b); m != nil {
		res.own = string(m[1])
	}
	if err := sleep(ctx, 3*time.Second); err != nil {
		return res, err
	}
	if res.idleRSS, err = j.proc.VmRSS(lab.pid()); err != nil {
		return res, err
	}

	ftpPort, err := startRemoteFTP(ctx, j)
	if err != nil {
		return res, err
	}
	if res.held, res.busyRSS, err = holdSessions(ctx, j, o, lab); err != nil {
		return res, err
	}

	j.logf("running %d backups in parallel", o.backups)
	backup := exec.CommandContext(ctx, python, j.path("backup.py"), strconv.Itoa(o.backups), strconv.Itoa(ftpPort), j.path("remote"))
	backup.Stderr = io.Discard
	if be, err := j.create("backup.err"); err == nil {
		backup.Stderr = be
	}
	outb, err := backup.Output()
	if err != nil {
		return res, fmt.Errorf("backup.py: %w\n%s", err, tail(j.path("backup.err")))
	}
	res.backups = string(outb)

	t2 := time.Now()
	lab.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-lab.done:
	case <-ctx.Done():
		return res, context.Cause(ctx)
	}
	res.shutdown = time.Since(t2)
	return res, nil
}

// writePy writes the Python peers into the work directory.
func writePy(j *job) error {
	for _, name := range []string{"ftpserver.py", "hold.py", "backup.py"} {
		b, err := pyScripts.ReadFile("py/" + name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(j.path(name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// startRemoteFTP starts the backups' remote FTP server (pyftpdlib) serving
// the directory "remote" and returns its port.
func startRemoteFTP(ctx context.Context, j *job) (int, error) {
	if err := os.Mkdir(j.path("remote"), 0o755); err != nil {
		return 0, err
	}
	portf, err := j.create("ftpd.port")
	if err != nil {
		return 0, err
	}
	errf, err := j.create("ftpd.err")
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(python, j.path("ftpserver.py"), j.path("remote"))
	cmd.Stdout, cmd.Stderr = portf, errf
	p, err := j.start("pyftpdlib", cmd, 5*time.Second)
	if err != nil {
		return 0, err
	}
	var port int
	err = poll(ctx, p, 50*time.Millisecond, 30*time.Second, "pyftpdlib's start", func() (bool, error) {
		b, err := os.ReadFile(j.path("ftpd.port"))
		line, ok := strings.CutSuffix(string(b), "\n")
		if err != nil || !ok {
			return false, err
		}
		port, err = strconv.Atoi(line)
		return err == nil, err
	})
	if err != nil {
		return 0, fmt.Errorf("%w\n%s", err, tail(j.path("ftpd.err")))
	}
	return port, nil
}

// holdSessions opens the SSH and FTP sessions (hold.py), measures the lab's
// RSS while they are held, and closes them. It returns hold.py's summary.
func holdSessions(ctx context.Context, j *job, o labOptions, lab *process) (string, int64, error) {
	j.logf("opening %d SSH and %d FTP sessions", o.sessions, o.sessions)
	outf, err := j.create("hold.out")
	if err != nil {
		return "", 0, err
	}
	errf, err := j.create("hold.err")
	if err != nil {
		return "", 0, err
	}
	cmd := exec.Command(python, j.path("hold.py"), strconv.Itoa(o.sessions), strconv.Itoa(o.logins))
	cmd.Stdout, cmd.Stderr = outf, errf
	in, err := cmd.StdinPipe() // hold.py closes its sessions when it ends
	if err != nil {
		return "", 0, err
	}
	defer in.Close()
	hold, err := j.start("hold.py", cmd, 5*time.Second)
	if err != nil {
		return "", 0, err
	}
	held := fileHas(j.path("hold.out"), func(b []byte) bool { return bytes.HasPrefix(b, []byte("held")) })
	if err := poll(ctx, hold, 100*time.Millisecond, 10*time.Minute, "the sessions' logins", held); err != nil {
		return "", 0, fmt.Errorf("%w\n%s", err, tail(j.path("hold.err")))
	}
	if err := sleep(ctx, 2*time.Second); err != nil {
		return "", 0, err
	}
	rss, err := j.proc.VmRSS(lab.pid())
	if err != nil {
		return "", 0, err
	}
	b, _ := os.ReadFile(j.path("hold.out"))
	in.Close()
	select {
	case <-hold.done:
	case <-time.After(time.Minute):
		return "", 0, errors.New("hold.py did not end within a minute of its input's end")
	case <-ctx.Done():
		return "", 0, context.Cause(ctx)
	}
	return strings.TrimSpace(string(b)), rss, nil
}
