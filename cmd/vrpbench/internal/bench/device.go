package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/vrpsim/vrpsim/cmd/vrpbench/internal/bench/proc"
)

// The device's initial administrator, as every new vrpsim has it.
const (
	adminUser     = "admin"
	adminPassword = "Admin@huawei"
)

// sshLine matches the line vrpsim prints when its SSH server is ready.
var sshLine = regexp.MustCompile(`ssh -p ([0-9]+) `)

// device is a standalone vrpsim started by the job.
type device struct {
	p       *process
	sshAddr string
	hostKey ssh.PublicKey
	proc    proc.Dir
}

// startDevice runs the vrpsim binary with its SSH server on a port of host
// the system picks and its state in data; its output goes to vrpsim.log.
// It returns once the device says how to log in.
func (j *job) startDevice(ctx context.Context, bin, host, data string) (*device, error) {
	logf, err := j.create("vrpsim.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--ssh", net.JoinHostPort(host, "0"), "--data", data)
	cmd.Stdout, cmd.Stderr = logf, logf
	p, err := j.start("vrpsim", cmd, 10*time.Second)
	if err != nil {
		return nil, err
	}
	var port string
	err = poll(ctx, p, 100*time.Millisecond, 30*time.Second, "vrpsim's start", func() (bool, error) {
		b, err := os.ReadFile(j.path("vrpsim.log"))
		if m := sshLine.FindSubmatch(b); m != nil {
			port = string(m[1])
			return true, nil
		}
		return false, err
	})
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, tail(j.path("vrpsim.log")))
	}
	// The device made its host key at its start: pin it.
	pem, err := os.ReadFile(filepath.Join(data, "ssh_host_ed25519_key"))
	if err != nil {
		return nil, fmt.Errorf("the device's host key: %w", err)
	}
	key, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		return nil, fmt.Errorf("the device's host key: %w", err)
	}
	return &device{p: p, sshAddr: net.JoinHostPort(host, port), hostKey: key.PublicKey(), proc: j.proc}, nil
}

// exec runs CLI lines on the device in one SSH exec session, as admin, with
// stdin as the session's input (exec sessions read the answers to the
// device's questions from it), and returns what the session printed. It
// fails when the session fails, ends with a non-zero status or takes longer
// than limit.
func (d *device) exec(ctx context.Context, lines, stdin string, limit time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	conn, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, "tcp", d.sshAddr)
	if err != nil {
		return "", fmt.Errorf("ssh %s: %w", d.sshAddr, err)
	}
	defer conn.Close()
	stopClose := context.AfterFunc(ctx, func() { conn.Close() })
	defer stopClose()
	cfg := &ssh.ClientConfig{
		User:            adminUser,
		Auth:            []ssh.AuthMethod{ssh.Password(adminPassword)},
		HostKeyCallback: ssh.FixedHostKey(d.hostKey),
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, d.sshAddr, cfg)
	if err != nil {
		return "", fmt.Errorf("ssh %s: %w", d.sshAddr, stopped(ctx, err))
	}
	client := ssh.NewClient(c, chans, reqs)
	defer client.Close()
	s, err := client.NewSession()
	if err != nil {
		return "", fmt.Errorf("ssh %s: session: %w", d.sshAddr, err)
	}
	defer s.Close()
	s.Stdin = strings.NewReader(stdin)
	out, err := s.CombinedOutput(lines)
	if err != nil {
		return string(out), fmt.Errorf("ssh %s: %w", d.sshAddr, stopped(ctx, err))
	}
	return string(out), nil
}

// configure runs configuration lines on the device and appends what it
// printed to the log; a line the device refuses ("Error: ...", and an exit
// status of 1) fails it.
func (d *device) configure(ctx context.Context, lines string, log io.Writer) error {
	out, err := d.exec(ctx, lines, "", time.Minute)
	io.WriteString(log, out)
	if refused(out) {
		return fmt.Errorf("the device refused a configuration line:\n%s", out)
	}
	if err != nil {
		return fmt.Errorf("device configuration over SSH: %w\n%s", err, out)
	}
	return nil
}

// refused reports whether the device's output has an error line.
func refused(out string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Error") {
			return true
		}
	}
	return false
}

// CPUTicks is the CPU time the device's process has used.
func (d *device) CPUTicks() (int64, error) {
	s, err := d.proc.Stat(d.p.pid())
	return s.OwnTicks(), err
}

// Memory is the memory of the device's process.
func (d *device) Memory() (proc.Memory, error) {
	m, err := d.proc.Memory(d.p.pid())
	if err == nil && m.Processes == 0 {
		err = errors.New("vrpsim has exited")
	}
	return m, err
}

// Settle gives the device a moment to finish the work of ended sessions:
// it has no processes to wait for.
func (d *device) Settle(ctx context.Context, _ time.Duration) error {
	return sleep(ctx, 50*time.Millisecond)
}

// Pin puts every thread of the device on cpus (taskset syntax).
func (d *device) Pin(ctx context.Context, cpus string) error {
	if out, err := exec.CommandContext(ctx, "taskset", "-a", "-cp", cpus, strconv.Itoa(d.p.pid())).CombinedOutput(); err != nil {
		return fmt.Errorf("taskset could not put vrpsim on CPU(s) %s: %v %s", cpus, err, out)
	}
	return nil
}
