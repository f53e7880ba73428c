package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

const sftpHelp = `Usage: vrpbench sftp [flags]   (scripts/bench.sh sftp [flags])

Throughput of the device's SFTP server against OpenSSH's sftp-server, with
the same client (OpenSSH's sftp -b) and the same cipher in the same run.

The device (vrpsim) has a disk flash on tmpfs (/dev/shm) and serves it over
its SSH server ("sftp server enable"); OpenSSH's sshd, started on a loopback
port with a configuration of its own (key login as root, "Subsystem sftp
/usr/lib/openssh/sftp-server"), serves a directory on tmpfs. Each run, for
each server in alternating order, sftp -b runs three sessions:

  login:  "pwd" alone: the time of the connection, key exchange and login;
  put:    "put big.bin", the file sent to the server;
  get:    "get big.bin", fetched back to /dev/shm;

and the rate of put and get is size / (session time - login time), in MB/s
(10^6 bytes per second): the median and the best of the runs (on a shared
machine the best is the steadier figure), and the ratio device/OpenSSH. The
first run checks that every copy is byte-identical (SHA-256).

Runs as root (sshd needs it). Everything listens on 127.0.0.1 and is
stopped on exit, also on Ctrl+C.

  scripts/bench.sh sftp                     1 GiB file, 3 runs, aes128-gcm@openssh.com
  scripts/bench.sh sftp -cipher aes128-ctr  the cipher OpenSSH's client picks with
                                            the device (it offers AES only, as VRP)
  scripts/bench.sh sftp -quick              64 MiB, 1 run

Flags:
`

// sftpOptions are the parameters of RunSFTP.
type sftpOptions struct {
	transferOptions
	cipher string
}

func parseSFTPFlags(args []string, stderr io.Writer) (sftpOptions, error) {
	o := sftpOptions{transferOptions: transferOptions{size: gib}}
	fl := flag.NewFlagSet("vrpbench sftp", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, sftpHelp); fl.PrintDefaults() }
	o.declare(fl)
	fl.StringVar(&o.cipher, "cipher", "aes128-gcm@openssh.com", "the SSH `CIPHER` of both (ssh -c)")
	if err := parseFlags(fl, args); err != nil {
		return o, err
	}
	if err := o.check(fl); err != nil {
		return o, err
	}
	switch {
	case o.cipher == "" || strings.ContainsAny(o.cipher, " ,"):
		return o, fmt.Errorf("%w: -cipher takes one cipher name", errUsage)
	}
	return o, nil
}

// sftpResult is what RunSFTP measured: MB/s per run, as printed.
type sftpResult struct {
	opts                               sftpOptions
	devGets, devPuts, sshGets, sshPuts []string
}

func (r sftpResult) report(w io.Writer) error {
	title := fmt.Sprintf("\nSFTP server throughput, %d MiB file, OpenSSH sftp client, %s, loopback, %d run(s), MB/s\n",
		r.opts.size>>20, r.opts.cipher, r.opts.runs)
	return writeComparison(w, title, "OpenSSH", r.opts.runs, r.opts.size,
		rates{devGets: r.devGets, devPuts: r.devPuts, refGets: r.sshGets, refPuts: r.sshPuts})
}

// RunSFTP measures the device's SFTP server against OpenSSH's sftp-server
// and prints the report to stdout (see sftpHelp, "vrpbench sftp -h").
func RunSFTP(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseSFTPFlags(args, stderr)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("run as root (OpenSSH's sshd needs it)")
	}
	for _, p := range []string{"/usr/sbin/sshd", "/usr/lib/openssh/sftp-server"} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%s is missing (Debian's openssh-server)", p)
		}
	}
	if err := checkShm(o.size); err != nil {
		return err
	}
	ctx, cancel := withLimit(ctx, o.limit)
	defer cancel()
	j, err := newJob(ctx, "bench sftp", stdout, stderr, o.keep, "sftp", "sshpass", "ssh-keygen")
	if err != nil {
		return err
	}
	defer func() {
		err = stopped(ctx, err)
		j.finish(ctx, err, "sshd-root", "local", "data", "vrpsim")
	}()
	res, err := runSFTP(ctx, j, o)
	if err != nil {
		return err
	}
	return res.report(stdout)
}

// sftpServer is one side of the comparison: how the client reaches it.
type sftpServer struct {
	name   string
	cmd    []string // the program and options of the client, without -b
	dest   string   // user@host
	remote string   // the directory of the file on the server
}

// session runs one sftp -b session with the given commands and returns its
// duration.
func (s sftpServer) session(ctx context.Context, j *job, log io.Writer, commands ...string) (time.Duration, error) {
	batch := j.path("batch-" + s.name)
	if err := os.WriteFile(batch, []byte(strings.Join(commands, "\n")+"\n"), 0o644); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	args := append(append([]string(nil), s.cmd[1:]...), "-b", batch, s.dest)
	cmd := exec.CommandContext(ctx, s.cmd[0], args...)
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("sftp to %s (%s): %w", s.name, strings.Join(commands, "; "), stopped(ctx, err))
	}
	return d, nil
}

func runSFTP(ctx context.Context, j *job, o sftpOptions) (sftpResult, error) {
	res := sftpResult{opts: o}
	bin, err := j.buildVrpsim(ctx)
	if err != nil {
		return res, err
	}
	for _, d := range []string{"sshd", "sshd-root", "local"} {
		if err := os.Mkdir(j.path(d), 0o755); err != nil {
			return res, err
		}
	}
	big := j.path("local", "big.bin")
	want, err := makeBigFile(j, big, o.size)
	if err != nil {
		return res, err
	}
	log, err := j.create("sftp.log")
	if err != nil {
		return res, err
	}

	// OpenSSH's sshd with its own configuration and keys.
	hostKey, clientKey := j.path("sshd", "host_key"), j.path("sshd", "client_key")
	for _, k := range []string{hostKey, clientKey} {
		if out, err := exec.CommandContext(ctx, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k).CombinedOutput(); err != nil {
			return res, fmt.Errorf("ssh-keygen: %w\n%s", err, out)
		}
	}
	pub, err := os.ReadFile(clientKey + ".pub")
	if err != nil {
		return res, err
	}
	if err := os.WriteFile(j.path("sshd", "authorized_keys"), pub, 0o600); err != nil {
		return res, err
	}
	port, err := j.freePort("127.0.0.1")
	if err != nil {
		return res, err
	}
	config := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
AuthorizedKeysFile %s
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile %s
Ciphers %s
Subsystem sftp /usr/lib/openssh/sftp-server
LogLevel ERROR
`, port, hostKey, j.path("sshd", "authorized_keys"), j.path("sshd", "sshd.pid"), o.cipher)
	if err := os.WriteFile(j.path("sshd", "sshd_config"), []byte(config), 0o600); err != nil {
		return res, err
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // sshd's privilege separation directory
		return res, err
	}
	sshdLog, err := j.create("sshd.log")
	if err != nil {
		return res, err
	}
	cmd := exec.Command("/usr/sbin/sshd", "-D", "-e", "-f", j.path("sshd", "sshd_config"))
	cmd.Stdout, cmd.Stderr = sshdLog, sshdLog
	p, err := j.start("sshd", cmd, 5*time.Second)
	if err != nil {
		return res, err
	}
	if err := waitPort(ctx, p, fmt.Sprintf("127.0.0.1:%d", port), 20*time.Second); err != nil {
		return res, fmt.Errorf("%w\n%s", err, tail(j.path("sshd.log")))
	}

	dev, err := j.startDevice(ctx, bin, "127.0.0.1", j.path("data"))
	if err != nil {
		return res, err
	}
	devLog, err := j.create("device.log")
	if err != nil {
		return res, err
	}
	if err := dev.configure(ctx, "system-view\nsftp server enable\nssh user admin service-type all", devLog); err != nil {
		return res, err
	}
	j.logf("device up, SSH on %s, flash in %s; sshd on 127.0.0.1:%d", dev.sshAddr, j.path("data", "flash"), port)

	common := []string{"-q", "-c", o.cipher, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"}
	devPort := dev.sshAddr[strings.LastIndex(dev.sshAddr, ":")+1:]
	servers := []sftpServer{
		{name: "device", remote: "/", dest: adminUser + "@127.0.0.1",
			cmd: append(append([]string{"sshpass", "-p", adminPassword, "sftp", "-P", devPort}, common...),
				"-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password", "-o", "BatchMode=no")},
		{name: "OpenSSH", remote: j.path("sshd-root") + "/", dest: "root@127.0.0.1",
			cmd: append(append([]string{"sftp", "-P", strconv.Itoa(port)}, common...),
				"-i", clientKey, "-o", "IdentitiesOnly=yes", "-o", "PasswordAuthentication=no")},
	}
	for run := 1; run <= o.runs; run++ {
		rates := map[string][2]string{}
		order := servers
		if run%2 == 0 {
			order = []sftpServer{servers[1], servers[0]}
		}
		for _, s := range order {
			login, err := s.session(ctx, j, log, "pwd")
			if err != nil {
				return res, err
			}
			put, err := s.session(ctx, j, log, "put "+big+" "+s.remote+"big.bin")
			if err != nil {
				return res, err
			}
			back := j.path("local", "back-"+s.name+".bin")
			get, err := s.session(ctx, j, log, "get "+s.remote+"big.bin "+back)
			if err != nil {
				return res, err
			}
			if run == 1 {
				got, err := sha256File(back)
				if err != nil {
					return res, err
				}
				if got != want {
					return res, fmt.Errorf("the copy fetched back from %s differs (SHA-256 %s, want %s)", s.name, got, want)
				}
			}
			os.Remove(back)
			if _, err := s.session(ctx, j, log, "rm "+s.remote+"big.bin"); err != nil {
				return res, err
			}
			rate := func(d time.Duration) string {
				return fmt.Sprintf("%.1f", float64(o.size)/max(d-login, time.Millisecond).Seconds()/1e6)
			}
			rates[s.name] = [2]string{rate(get), rate(put)}
		}
		if run == 1 {
			j.logf("run 1: the copies fetched back are byte-identical (SHA-256 %s)", want)
		}
		d, s := rates["device"], rates["OpenSSH"]
		j.logf("run %d/%d: device get %s put %s MB/s; OpenSSH get %s put %s MB/s", run, o.runs, d[0], d[1], s[0], s[1])
		res.devGets, res.devPuts = append(res.devGets, d[0]), append(res.devPuts, d[1])
		res.sshGets, res.sshPuts = append(res.sshGets, s[0]), append(res.sshPuts, s[1])
	}
	return res, nil
}
