package vrp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"github.com/vrpsim/vrpsim/flash"
	"golang.org/x/crypto/ssh"
)

// sshClientConfig is the configuration of the device's SSH client (used by
// sftp and scp): whether an unknown server is accepted after asking, the
// servers' public keys (saved by that dialogue or typed) and which server
// has which key (peerkey.go).
type sshClientConfig struct {
	firstTime bool
	keys      []peerKey
	assigns   []sshAssign
}

func (c sshClientConfig) clone() sshClientConfig {
	c.keys = slices.Clone(c.keys)
	c.assigns = slices.Clone(c.assigns)
	return c
}

// render writes the SSH client's lines of the configuration.
func (c sshClientConfig) render(b *strings.Builder) {
	if !c.firstTime && len(c.assigns) == 0 {
		return
	}
	if c.firstTime {
		b.WriteString(" ssh client first-time enable\n")
	}
	for _, a := range c.assigns {
		fmt.Fprintf(b, " ssh client %s assign %s-key %s\n", a.server, a.family, a.key)
	}
	b.WriteString("#\n")
}

func (d *Device) setSSHFirstTime(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.sshClient.firstTime = on
}

func (d *Device) sshFirstTime() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg.sshClient.firstTime
}

const (
	sshConnectTimeout = 15 * time.Second
	msgKeyNotVerified = "Error: Failed to verify the server's public key."
	msgFirstTimeHint  = "Please run the command \"ssh client first-time enable\" to enable the first-time access function and try again."
)

// errSSHAborted ends a connection attempt the user gave up (end of input
// at a question): nothing more is said.
var errSSHAborted = errors.New("aborted")

// sshTarget is what an SSH client command connects to.
type sshTarget struct {
	host   string
	port   int
	source string // "-a": must be the device's address
	user   string // "" asks "Please input the username:"
	prefer sshPrefer
}

// sshPrefer are the algorithms a user prefers (prefer_kex, prefer_ctos_cipher
// ...), as the device names them; "" when not given.
type sshPrefer struct {
	kex, ctosCipher, stocCipher, ctosHMAC, stocHMAC string
}

// The device's names of the algorithms it offers, and the SSH names this
// client implements for them; a name without one (des, md5) is accepted and
// changes nothing.
var (
	preferKex = map[string]string{
		"dh_group1": ssh.InsecureKeyExchangeDH1SHA1, "dh_exchange_group": ssh.KeyExchangeDHGEXSHA256,
		"dh_group14_sha1": ssh.InsecureKeyExchangeDH14SHA1,
	}
	preferCipher = map[string]string{
		"des": "", "3des": ssh.InsecureCipherTripleDESCBC, "aes128": ssh.InsecureCipherAES128CBC, "aes256": "",
		"aes128_ctr": ssh.CipherAES128CTR, "aes256_ctr": ssh.CipherAES256CTR,
	}
	preferHMAC = map[string]string{
		"md5": "", "md5_96": "", "sha1": ssh.HMACSHA1, "sha1_96": ssh.InsecureHMACSHA196,
		"sha2_256": ssh.HMACSHA256, "sha2_256_96": "",
	}
)

// config returns the algorithm lists: the preferred ones first, then the
// client's defaults.
func (p sshPrefer) config() ssh.Config {
	def := ssh.SupportedAlgorithms()
	first := func(defaults []string, names ...string) []string {
		var out []string
		for _, n := range names {
			if n != "" && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		for _, n := range defaults {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		return out
	}
	return ssh.Config{
		KeyExchanges: first(def.KeyExchanges, preferKex[p.kex]),
		Ciphers:      first(def.Ciphers, preferCipher[p.ctosCipher], preferCipher[p.stocCipher]),
		MACs:         first(def.MACs, preferHMAC[p.ctosHMAC], preferHMAC[p.stocHMAC]),
	}
}

// sshConnect opens an SSH connection with the device's dialogue: the user
// name (unless given), the host-key questions, the password.
func (e *callEnv) sshConnect(tg sshTarget) (*ssh.Client, error) {
	source := e.dev.opts.Address
	if tg.source != "" {
		ip, err := netip.ParseAddr(tg.source)
		if err != nil || ip != source {
			return nil, refuse("Error: The source IP address is not an address of this device.")
		}
	}
	user := tg.user
	if user == "" {
		u, err := e.Ask("Please input the username:")
		if err != nil {
			return nil, errSSHAborted
		}
		if user = strings.TrimSpace(u); user == "" {
			return nil, refuse("Error: The user name is invalid.")
		}
	}
	e.Print(fmt.Sprintf("Trying %s ...\nPress CTRL+K to abort\n", tg.host))
	e.out.flush()
	ctx, cancel := e.commandContext()
	defer cancel()
	dctx, dcancel := context.WithTimeout(ctx, sshConnectTimeout)
	defer dcancel()
	addr := net.JoinHostPort(tg.host, strconv.Itoa(tg.port))
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: source.AsSlice()}}
	conn, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return nil, refuse("Info: The connection was aborted.")
		case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
			return nil, refuse("Error: Connection timed out.")
		}
		return nil, refuse("Error: Failed to connect to the remote host.")
	}
	e.Print(fmt.Sprintf("Connected to %s ...\n", tg.host))
	e.out.flush()
	// A silent server times out; the user's time to answer does not count.
	conn.SetDeadline(time.Now().Add(sshConnectTimeout))

	// The handshake runs in a goroutine of its own; the questions its
	// callbacks ask run here, on the goroutine that owns the terminal.
	type ask struct {
		f    func() error
		done chan error
	}
	asks := make(chan ask)
	stop := make(chan struct{})
	run := func(f func() error) error {
		a := ask{f: f, done: make(chan error, 1)}
		select {
		case asks <- a:
			return <-a.done
		case <-stop:
			return errSSHAborted
		}
	}
	var refusal error // the message a refused host key ends with
	gaveUp := false   // the input ended at a question
	password, asked := "", false
	getPassword := func() (string, error) {
		if asked {
			return password, nil
		}
		err := run(func() error {
			e.out.flush()
			p, err := e.term.ReadLine("Enter password:", false)
			if err != nil {
				gaveUp = true
				return errSSHAborted
			}
			password, asked = p, true
			return nil
		})
		return password, err
	}
	cfg := &ssh.ClientConfig{
		Config: tg.prefer.config(),
		User:   user,
		// the host keys the device keeps (peerkey.go): ECC and RSA first,
		// Ed25519 (the simulation's) only from a server with no other
		HostKeyAlgorithms: []string{ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
			ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSA, ssh.KeyAlgoED25519},
		Auth: []ssh.AuthMethod{
			ssh.PasswordCallback(getPassword),
			ssh.KeyboardInteractive(func(name, instruction string, questions []string, echos []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range questions {
					p, err := getPassword()
					if err != nil {
						return nil, err
					}
					answers[i] = p
				}
				return answers, nil
			}),
		},
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			return run(func() error {
				refusal = e.checkHostKey(tg.host, key)
				return refusal
			})
		},
	}
	type result struct {
		c   ssh.Conn
		ch  <-chan ssh.NewChannel
		req <-chan *ssh.Request
		err error
	}
	res := make(chan result, 1)
	go func() {
		c, ch, req, err := ssh.NewClientConn(conn, addr, cfg)
		res <- result{c, ch, req, err}
	}()
	var r result
wait:
	for {
		select {
		case a := <-asks:
			conn.SetDeadline(time.Time{})
			a.done <- a.f()
			conn.SetDeadline(time.Now().Add(sshConnectTimeout))
		case r = <-res:
			break wait
		case <-ctx.Done():
			conn.Close()
			close(stop)
			r = <-res
			return nil, refuse("Info: The connection was aborted.")
		}
	}
	close(stop)
	if r.err != nil {
		conn.Close()
		var de deviceError
		switch {
		case errors.As(refusal, &de):
			return nil, refusal
		case gaveUp:
			return nil, errSSHAborted
		case strings.Contains(r.err.Error(), "unable to authenticate"):
			return nil, refuse("Error: Failed to log in to the remote host: the user name or password is incorrect.")
		case isTimeout(r.err):
			return nil, refuse("Error: Connection timed out.")
		}
		return nil, refuse("Error: Failed to connect to the remote host.")
	}
	conn.SetDeadline(time.Time{})
	return ssh.NewClient(r.c, r.ch, r.req), nil
}

// checkHostKey is the first-time dialogue: a server key saved under the
// host's name passes; another one, or none, is refused unless ssh client
// first-time is enabled and the user accepts it (and maybe saves it).
func (e *callEnv) checkHostKey(host string, key ssh.PublicKey) error {
	wire := key.Marshal()
	saved, known := e.dev.serverPeerKey(host)
	if known && bytes.Equal(saved, wire) {
		return nil
	}
	if known {
		e.Print("The server's public key does not match the one cached before.\n")
	}
	if !e.dev.sshFirstTime() {
		return refuse("%s\n%s", msgKeyNotVerified, msgFirstTimeHint)
	}
	ok, err := e.confirm("The server is not authenticated. Continue to access it? [Y/N]:")
	if err != nil || !ok {
		return refuse(msgKeyNotVerified)
	}
	question := "Save the server's public key? [Y/N]:"
	if known {
		question = fmt.Sprintf("The keyname:%s already exists. Update it? [Y/N]:", host)
	}
	save, err := e.confirm(question)
	if err != nil {
		return refuse(msgKeyNotVerified)
	}
	if save {
		e.Print(fmt.Sprintf("The server's public key will be saved with the name %s. Please wait...\n", host))
		e.dev.savePeerKey(host, key)
	}
	e.out.flush()
	return nil
}

// sftpClientState is the SFTP client view of a session: its connection and
// the remote working directory.
type sftpClientState struct {
	ssh    *ssh.Client
	c      *sftp.Client
	host   string
	cwd    string // absolute remote path
	closed sync.Once
}

// close closes the connection; the session's Close may call it from
// another goroutine while a command uses the connection, which then fails.
func (s *sftpClientState) close() {
	s.closed.Do(func() {
		s.c.Close()
		s.ssh.Close()
	})
}

// openSFTP starts the SFTP subsystem on an SSH connection.
func openSFTP(client *ssh.Client) (*sftp.Client, error) {
	c, err := sftp.NewClient(client, sftp.UseConcurrentWrites(true))
	if err != nil {
		client.Close()
		return nil, refuse("Error: Failed to start the SFTP service on the remote host.")
	}
	return c, nil
}

// sftpOpen connects, logs in and enters the SFTP client view.
func (e *callEnv) sftpOpen(tg sshTarget) error {
	client, err := e.sshConnect(tg)
	if err != nil {
		if errors.Is(err, errSSHAborted) {
			return nil
		}
		return err
	}
	c, err := openSFTP(client)
	if err != nil {
		return err
	}
	cwd, err := c.Getwd()
	if err != nil {
		cwd = "/"
	}
	e.setSFTP(&sftpClientState{ssh: client, c: c, host: tg.host, cwd: cwd})
	e.enter(viewSFTP, "")
	return nil
}

// sftpBye closes the connection and leaves the view.
func (e *callEnv) sftpBye() {
	if e.sftp != nil {
		e.sftp.close()
		e.setSFTP(nil)
	}
	e.views = e.views[:len(e.views)-1]
}

// remotePath resolves a remote path against the working directory.
func (s *sftpClientState) remotePath(p string) string {
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	return path.Join(s.cwd, p)
}

// sftpDo runs op on the connection; Ctrl+C (or the session's end) closes
// the connection, which ends op, and the view with it.
func (e *callEnv) sftpDo(op func(c *sftp.Client) error) error {
	return e.sftpWith(e.sftp, op)
}

// setSFTP sets the view's connection under the session's lock, which Close
// (called from any goroutine) takes to read it.
func (s *Session) setSFTP(st *sftpClientState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sftp = st
}

// sftpWith is sftpDo on connection s.
func (e *callEnv) sftpWith(s *sftpClientState, op func(c *sftp.Client) error) error {
	if s == nil {
		return refuse("Error: Not connected.")
	}
	ctx, cancel := e.commandContext()
	defer cancel()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
			s.ssh.Close()
		case <-finished:
		}
	}()
	err := op(s.c)
	if err != nil && ctx.Err() != nil {
		// the connection is closed: what remains of the view says so
		return refuse("Info: The operation was aborted.")
	}
	return err
}

// sftpStatusError turns an SFTP failure into the device's words.
func sftpStatusError(err error, what string) error {
	var de deviceError
	if errors.As(err, &de) {
		return err
	}
	var se *sftp.StatusError
	switch {
	case errors.Is(err, os.ErrNotExist):
		return refuse("Error: The %s does not exist.", what)
	case errors.Is(err, os.ErrPermission):
		return refuse("Error: Permission denied.")
	case errors.As(err, &se):
		return refuse("Error: The operation failed on the remote host.")
	case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, sftp.ErrSSHFxConnectionLost):
		return refuse("Error: The connection to the remote server was lost.")
	}
	return refuse("Error: The operation failed on the remote host.")
}

const msgSFTPNoSpace = "Error: Failed to save the file because the storage space is insufficient."

// sftpDownload copies a remote file into a flash file, atomically: the
// flash file is replaced only when the whole file arrived.
func (e *callEnv) sftpDownload(c *sftp.Client, remote, local string) (int64, error) {
	f, err := c.Open(remote)
	if err != nil {
		return 0, sftpStatusError(err, "file")
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return 0, refuse("Error: %s is a directory.", remote)
	}
	w, err := e.dev.fs.Create(local, 0)
	if err != nil {
		if errors.Is(err, flash.ErrNoSpace) {
			return 0, refuse(msgSFTPNoSpace)
		}
		return 0, refuse("Error: Failed to create the local file %s.", local)
	}
	n, err := f.WriteTo(w)
	if err != nil {
		w.Abort()
		if errors.Is(err, flash.ErrNoSpace) {
			return n, refuse(msgSFTPNoSpace)
		}
		return n, sftpStatusError(err, "file")
	}
	if err := w.Commit(); err != nil {
		if errors.Is(err, flash.ErrNoSpace) {
			return n, refuse(msgSFTPNoSpace)
		}
		return n, refuse("Error: Failed to save the file %s.", local)
	}
	return n, nil
}

// sftpUpload copies a flash file to a remote file.
func (e *callEnv) sftpUpload(c *sftp.Client, local, remote string) (int64, error) {
	r, err := e.dev.fs.Open(local)
	if err != nil {
		return 0, refuse("Error: The file %s does not exist.", local)
	}
	defer r.Close()
	if fi, err := e.dev.fs.Stat(local); err == nil && fi.IsDir {
		return 0, refuse("Error: %s is a directory.", local)
	}
	f, err := c.OpenFile(remote, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return 0, sftpStatusError(err, "directory")
	}
	n, err := f.ReadFromWithConcurrency(r, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, sftpStatusError(err, "file")
	}
	return n, nil
}

// localFile resolves a flash path for a transfer: always inside flash.
func (e *callEnv) localFile(name string) (string, error) {
	p, err := flash.Resolve(e.cwd, name)
	if err != nil || p == flash.Device+"/" {
		return "", refuse("Error: The local file name is invalid.")
	}
	return p, nil
}

// longLine is a listing line of a remote file, in ls -l's layout.
func longLine(fi os.FileInfo) string {
	uid, gid, links := "0", "0", uint32(1)
	if st, ok := fi.Sys().(*sftp.FileStat); ok {
		uid, gid = strconv.FormatUint(uint64(st.UID), 10), strconv.FormatUint(uint64(st.GID), 10)
	}
	return fmt.Sprintf("%s %4d %-8s %-8s %10d %s %s", fi.Mode().String(), links, uid, gid, fi.Size(), fi.ModTime().UTC().Format("Jan 02 2006"), fi.Name())
}
