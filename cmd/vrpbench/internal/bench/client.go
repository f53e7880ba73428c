package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const clientHelp = `Usage: vrpbench client [flags]   (scripts/bench.sh client [flags])

Throughput of the device's FTP client (the "get" and "put" of its FTP client
view) against vsftpd on loopback, compared with curl doing the same transfers
from the host in the same run.

vsftpd serves a directory on tmpfs (/dev/shm); the device (vrpsim) has a disk
flash on tmpfs too. Each run, in alternating order:

  device: one SSH exec session whose lines are
            ftp 127.0.0.1 PORT / binary / [passive] / get big.bin /
            put big.bin up-device.bin / bye / delete /unreserved /force big.bin
          with the user name and password of the FTP login on the session's
          standard input (exec sessions read answers from it);
  curl:   RETR big.bin to a file on /dev/shm, then STOR of the same file as
          up-curl.bin.

Rates are MB/s (10^6 bytes per second), the median and the best of the runs
(on a shared machine the best is the steadier figure):

  - device: N/S from its own summary line "FTP: N byte(s) received in S
    second(s) ...", S running from RETR/STOR to the final 226 reply;
  - curl: size / (time_total - time_pretransfer), which leaves out the
    connection and login as the device's figure does.

The ratio device/curl is printed for get and put (the aim is >= 0.9). The
first run checks that every copy is byte-identical (SHA-256): the device's
and curl's uploads of the copies they downloaded.

Runs as root (vsftpd comes from scripts/ftp-peers.sh). Everything listens on
127.0.0.1 and is stopped on exit, also on Ctrl+C.

  scripts/bench.sh client            1 GiB file, 3 runs, passive mode
  scripts/bench.sh client -quick     64 MiB, 1 run

Flags:
`

// clientOptions are the parameters of RunClient.
type clientOptions struct {
	transferOptions
	active bool
}

func parseClientFlags(args []string, stderr io.Writer) (clientOptions, error) {
	o := clientOptions{transferOptions: transferOptions{size: gib}}
	fl := flag.NewFlagSet("vrpbench client", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, clientHelp); fl.PrintDefaults() }
	o.declare(fl)
	fl.BoolVar(&o.active, "active", false, "active mode (PORT) instead of passive (PASV), for both")
	if err := parseFlags(fl, args); err != nil {
		return o, err
	}
	return o, o.check(fl)
}

// clientMode names the FTP mode of a run.
func (o clientOptions) mode() string {
	if o.active {
		return "active"
	}
	return "passive"
}

// deviceFTPLines is the CLI of one device run: get, put, and the removal of
// the copy from the flash.
func deviceFTPLines(port int, active bool) string {
	passive := "\npassive"
	if active {
		passive = ""
	}
	return fmt.Sprintf("ftp 127.0.0.1 %d\nbinary%s\nget big.bin\nput big.bin up-device.bin\nbye\ndelete /unreserved /force big.bin", port, passive)
}

// ftpSummary matches the device's FTP client's summary of a transfer.
var ftpSummary = regexp.MustCompile(`(?m)^FTP: ([0-9]+) byte\(s\) (received|sent) in ([0-9.]+) second`)

// transferRate is the bytes and seconds of a transfer.
type transferRate struct {
	bytes   int64
	seconds float64
}

// mbps formats the rate in MB/s (10^6 bytes per second), one decimal.
func (t transferRate) mbps() string { return fmt.Sprintf("%.1f", float64(t.bytes)/t.seconds/1e6) }

// parseDeviceFTP finds the device's summaries of its get ("received") and
// put ("sent") in its output; the last of each counts.
func parseDeviceFTP(out string) (get, put transferRate, ok bool) {
	var haveGet, havePut bool
	for _, m := range ftpSummary.FindAllStringSubmatch(out, -1) {
		n, err1 := strconv.ParseInt(m[1], 10, 64)
		s, err2 := strconv.ParseFloat(m[3], 64)
		if err1 != nil || err2 != nil || s <= 0 {
			continue
		}
		if m[2] == "received" {
			get, haveGet = transferRate{n, s}, true
		} else {
			put, havePut = transferRate{n, s}, true
		}
	}
	return get, put, haveGet && havePut
}

// parseCurlTransfer reads curl's "-w '%{size_download} %{size_upload}
// %{time_pretransfer} %{time_total}'" and returns the bytes of the
// transfer (download or upload) and its time after the login.
func parseCurlTransfer(out string, upload bool) (transferRate, error) {
	f := strings.Fields(out)
	if len(f) != 4 {
		return transferRate{}, fmt.Errorf("curl printed %q", out)
	}
	var v [4]float64
	for i := range f {
		x, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return transferRate{}, fmt.Errorf("curl printed %q: %w", out, err)
		}
		v[i] = x
	}
	n := v[0]
	if upload {
		n = v[1]
	}
	if v[3] <= v[2] {
		return transferRate{}, fmt.Errorf("curl printed %q: no time after the login", out)
	}
	return transferRate{int64(n), v[3] - v[2]}, nil
}

// clientResult is what RunClient measured: MB/s per run, as printed.
type clientResult struct {
	opts                                 clientOptions
	devGets, devPuts, curlGets, curlPuts []string
}

func (r clientResult) report(w io.Writer) error {
	title := fmt.Sprintf("\nFTP client throughput, %d MiB binary file, vsftpd on loopback, %s mode, %d run(s), MB/s\n",
		r.opts.size>>20, r.opts.mode(), r.opts.runs)
	return writeComparison(w, title, "curl", r.opts.runs, r.opts.size,
		rates{devGets: r.devGets, devPuts: r.devPuts, refGets: r.curlGets, refPuts: r.curlPuts})
}

// RunClient measures the device's FTP client against curl and prints the
// report to stdout (see clientHelp, "vrpbench client -h").
func RunClient(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseClientFlags(args, stderr)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("run as root (scripts/ftp-peers.sh provides vsftpd and its user)")
	}
	if err := checkShm(o.size); err != nil {
		return err
	}
	ctx, cancel := withLimit(ctx, o.limit)
	defer cancel()
	j, err := newJob(ctx, "bench client", stdout, stderr, o.keep, "curl")
	if err != nil {
		return err
	}
	defer func() {
		err = stopped(ctx, err)
		j.finish(ctx, err, "vsftpd", "curl", "data", "vrpsim")
	}()
	res, err := runClient(ctx, j, o)
	if err != nil {
		return err
	}
	return res.report(stdout)
}

func runClient(ctx context.Context, j *job, o clientOptions) (clientResult, error) {
	res := clientResult{opts: o}
	bin, err := j.buildVrpsim(ctx)
	if err != nil {
		return res, err
	}
	vsftpdBin, err := j.vsftpdBinary(ctx)
	if err != nil {
		return res, err
	}
	root := j.path("vsftpd")
	for _, d := range []string{root, j.path("curl")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return res, err
		}
	}
	want, err := makeBigFile(j, filepath.Join(root, "big.bin"), o.size)
	if err != nil {
		return res, err
	}
	port, err := j.freePort("127.0.0.1")
	if err != nil {
		return res, err
	}
	cfg := vsftpdConfig{Host: "127.0.0.1", Port: port, Root: root, EmptyDir: j.path("vsftpd-empty")}
	if _, err := j.startVsftpd(ctx, vsftpdBin, cfg); err != nil {
		return res, err
	}
	dev, err := j.startDevice(ctx, bin, "127.0.0.1", j.path("data"))
	if err != nil {
		return res, err
	}
	j.logf("device up, SSH on %s, flash in %s", dev.sshAddr, j.path("data", "flash"))
	devLog, err := j.create("device.log")
	if err != nil {
		return res, err
	}
	curlErr, err := j.create("curl.err")
	if err != nil {
		return res, err
	}
	login := ftpLogin{"127.0.0.1", port, peerUser, peerPassword}
	var curlMode []string
	if o.active {
		curlMode = []string{"-P", "127.0.0.1", "--disable-eprt"}
	}
	copies := []string{filepath.Join(root, "up-device.bin"), filepath.Join(root, "up-curl.bin"), j.path("curl", "big.bin")}

	for run := 1; run <= o.runs; run++ {
		var dg, dp, cg, cp transferRate
		device := func() error {
			out, err := dev.exec(ctx, deviceFTPLines(port, o.active), peerUser+"\n"+peerPassword+"\n", 15*time.Minute)
			devLog.WriteString(out)
			if c := context.Cause(ctx); c != nil {
				return c
			}
			var ok bool
			dg, dp, ok = parseDeviceFTP(out)
			if !ok || dg.bytes != o.size || dp.bytes != o.size {
				return fmt.Errorf("the device did not get and put the whole file (ssh: %v):\n%s", err, out)
			}
			return nil
		}
		curl := func() error {
			const w = "%{size_download} %{size_upload} %{time_pretransfer} %{time_total}"
			rx := curlRun(ctx, curlErr, 15*time.Minute, nil, login, slices.Concat(curlMode, []string{"-o", copies[2], "-w", w, login.url("big.bin")})...)
			tx := curlRun(ctx, curlErr, 15*time.Minute, nil, login, slices.Concat(curlMode, []string{"-T", copies[2], "-w", w, login.url("up-curl.bin")})...)
			var err error
			if cg, err = parseCurlTransfer(rx, false); err != nil {
				return fmt.Errorf("curl RETR: %w (see %s)", err, curlErr.Name())
			}
			if cp, err = parseCurlTransfer(tx, true); err != nil {
				return fmt.Errorf("curl STOR: %w (see %s)", err, curlErr.Name())
			}
			if cg.bytes != o.size || cp.bytes != o.size {
				return fmt.Errorf("curl moved %d and %d bytes of %d", cg.bytes, cp.bytes, o.size)
			}
			return nil
		}
		order := []func() error{device, curl}
		if run%2 == 0 {
			order = []func() error{curl, device}
		}
		for _, f := range order {
			if err := f(); err != nil {
				return res, err
			}
		}
		if run == 1 {
			// The device's copy on flash is checked through its upload.
			for _, c := range copies {
				got, err := sha256File(c)
				if err != nil {
					return res, err
				}
				if got != want {
					return res, fmt.Errorf("%s differs from the file sent (SHA-256 %s)", c, got)
				}
			}
			j.logf("run 1: every copy is byte-identical (SHA-256 %s)", want)
		}
		for _, c := range copies {
			os.Remove(c)
		}
		j.logf("run %d/%d: device get %s put %s MB/s; curl get %s put %s MB/s", run, o.runs, dg.mbps(), dp.mbps(), cg.mbps(), cp.mbps())
		res.devGets = append(res.devGets, dg.mbps())
		res.devPuts = append(res.devPuts, dp.mbps())
		res.curlGets = append(res.curlGets, cg.mbps())
		res.curlPuts = append(res.curlPuts, cp.mbps())
	}
	return res, nil
}

// sha256File returns the SHA-256 of a file, in hex.
func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// transferOptions are the settings the client and sftp benchmarks share:
// one file moved both ways, runs times, against a peer.
type transferOptions struct {
	size  int64
	runs  int
	limit time.Duration
	keep  bool
	quick bool
}

// declare defines the shared flags on fl.
func (t *transferOptions) declare(fl *flag.FlagSet) {
	fl.BoolVar(&t.quick, "quick", false, "a quick check: 64MiB, 1 run")
	fl.Var(sizeFlag{&t.size}, "size", "`SIZE` of the file (KiB, MiB, GiB; at most 1040MiB, the flash holds one copy)")
	fl.IntVar(&t.runs, "runs", 3, "runs")
	fl.DurationVar(&t.limit, "time-limit", time.Hour, "stop the run when it takes longer")
	fl.BoolVar(&t.keep, "keep", false, "leave the work directory in /dev/shm for inspection")
}

// check applies -quick to what fl left unset and refuses impossible values.
func (t *transferOptions) check(fl *flag.FlagSet) error {
	if t.quick {
		if !isSet(fl, "size") {
			t.size = 64 * mib
		}
		if !isSet(fl, "runs") {
			t.runs = 1
		}
	}
	switch {
	case t.runs < 1:
		return fmt.Errorf("%w: -runs takes a positive number", errUsage)
	case t.size > 1040*mib:
		// The device's flash holds 1,090,732 KB (an AR2220's): one copy.
		return fmt.Errorf("%w: -size is at most 1040MiB (the flash holds one copy)", errUsage)
	}
	return nil
}
