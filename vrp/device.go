package vrp

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/ftpd"
	"github.com/vrpsim/vrpsim/vrp/cli"
)

// DefaultConfig is the configuration a device boots when its flash holds no
// startup file: user admin (password Admin@huawei, level 15, ssh and terminal)
// and the STelnet server enabled. The password is there as its cipher text
// only (an argon2id hash), so no plaintext is stored and booting costs no hash.
//
//go:embed default.cfg
var DefaultConfig string

// maxVTY is the number of VTY lines.
const maxVTY = 5

// Options configure a device.
type Options struct {
	// Sysname is the name used when the configuration sets none (the
	// model's: "Huawei" on the AR2220, "HUAWEI" on the S5720).
	Sysname string
	// Flash is the device's file system (required).
	Flash flash.FS
	// Address is the device's own address (shown by the CLI, used by its
	// FTP server and client); the zero value means 127.0.0.1.
	Address netip.Addr
	// Source, when valid, is where the FTP client's connections leave from
	// instead of Address (a device that listens elsewhere than the address
	// it shows); an unspecified address leaves the choice to the kernel.
	Source netip.Addr
	// DefaultConfig replaces the embedded DefaultConfig.
	DefaultConfig string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// AAA configures the AAA database (tests make password hashing cheap);
	// its clock is Now unless AAA.Now is set.
	AAA aaa.Options
	// Listen opens the device's listeners (the FTP server); net.Listen when nil.
	Listen func(network, address string) (net.Listener, error)
	// FTPFailureDelay is the FTP server's pause before refusing a login
	// (ftpd.DefaultFailureDelay when zero, none when negative).
	FTPFailureDelay time.Duration
	// FTPSleep waits out the FTP server's failure delay (tests record the
	// calls instead of waiting); a timer when nil.
	FTPSleep func(ctx context.Context, d time.Duration) error
	// FTPPassivePorts is the FTP server's passive port range (any when zero).
	FTPPassivePorts ftpd.PortRange
	// ServeTelnet serves the Telnet server's listener until it is closed
	// (package vrp/telnetd); the device opens the listener with Listen on
	// its address and "telnet server port", and closes it to stop the
	// server. When nil the device has no Telnet server.
	ServeTelnet func(net.Listener)
	// Model is the device model (see Models); "" is the AR2220.
	Model string
	// Saved, when set, is called after save wrote the next startup
	// configuration, with its path and text (a lab mirrors it to a file
	// outside the flash, as containerlab keeps a node's configuration).
	// An error is shown to the user as a warning: the flash has the file.
	Saved func(path, text string) error
	// Observer, when set, receives the device's log, FTP dialogues and CLI
	// transcripts (see Observer).
	Observer Observer
	// Faults, when set, injects failures (see Faults).
	Faults *Faults
	// Remote maps a destination the user typed (an address and a
	// well-known port: TFTP's 69, FTP's 21) to where it really listens, as
	// the lab does for its devices and tests for their servers; nil, or an
	// invalid result, leaves the destination as typed.
	Remote func(network string, dst netip.AddrPort) netip.AddrPort
	// TFTPTimeout is the TFTP client's retransmission timeout (5 s when
	// zero).
	TFTPTimeout time.Duration
	// Reachable tells ping which addresses answer besides the device's own
	// and the host's loopback (the lab: its running devices); nil: none.
	Reachable func(netip.Addr) bool
	// PingWait is how long ping waits for a reply that does not come (2 s
	// when zero, none when negative).
	PingWait time.Duration
	// RSAKeyPath is where the device keeps its RSA local key pair ("rsa
	// local-key-pair create"); when empty the key pair lasts as long as the
	// Device.
	RSAKeyPath string
}

// Device is one simulated router.
type Device struct {
	opts    Options
	profile *Profile // the model: fixed at creation
	fs      flash.FS
	grammar *cli.Grammar[*callEnv]
	log     *logBuffer

	mu       sync.Mutex
	boot     time.Time // when the device last booted
	cfg      *config
	users    *aaa.DB
	startup  string // next startup file, "" for none
	booted   string // file the device booted from, "" for none
	bootErr  error  // why the startup file was not booted, nil if it was (or there was none)
	sessions []*Session
	ftp      *ftpRuntime            // the running FTP server, nil when stopped
	telnet   *telnetRuntime         // the Telnet server's listener, nil when none
	name     atomic.Pointer[string] // sysname, read without the lock
	ctx      context.Context
	cancel   context.CancelFunc

	sessionIDs   atomic.Uint64 // numbers of CLI sessions, for the observer
	ftpcSessions atomic.Uint64 // numbers of the FTP client's connections, for the observer
	monMu        sync.Mutex
	monitors     []*Session // sessions whose terminal can show log lines (log.go)
	// guarded by mu
	files  map[*fileSession]struct{} // SFTP and SCP sessions
	rsaKey *rsaKeyPair               // the RSA local key pair; nil before one is made
}

// New creates a device and boots it: it replays the startup configuration from
// flash, or the default configuration when there is none. A startup file that
// fails to replay is reported in the log and the device boots the default.
func New(opts Options) (*Device, error) {
	if opts.Flash == nil {
		return nil, errors.New("vrp: no flash file system")
	}
	if !opts.Address.IsValid() {
		opts.Address = netip.MustParseAddr("127.0.0.1")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Listen == nil {
		opts.Listen = net.Listen
	}
	if opts.DefaultConfig == "" {
		opts.DefaultConfig = DefaultConfig
	}
	profile, err := LookupProfile(opts.Model)
	if err != nil {
		return nil, fmt.Errorf("vrp: %w", err)
	}
	if opts.Sysname == "" {
		opts.Sysname = profile.Sysname
	}
	g, err := grammarOf(profile)
	if err != nil {
		return nil, err
	}
	d := &Device{opts: opts, profile: profile, fs: opts.Flash, grammar: g, boot: opts.Now()}
	if opts.Faults != nil {
		d.fs = faultFS{FS: opts.Flash, f: opts.Faults}
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.log = newLogBuffer(d)
	if err := d.loadRSAKey(); err != nil {
		return nil, err
	}
	d.seedFactoryFiles()
	d.reset()
	d.startup = startupName(d.fs)
	d.bootConfig()
	d.startServices()
	return d, nil
}

// startServices starts the servers the booted configuration enables.
func (d *Device) startServices() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cfg.ftpServer.enabled {
		if err := d.startFTPLocked(); err != nil {
			d.cfg.ftpServer.enabled = false
			defer d.logf("FTPS", 3, "FTPS_START_FAIL", "Failed to start the FTP server: %v.", err)
		}
	}
	if err := d.startTelnetLocked(); err != nil {
		defer d.logf("TELNET", 3, "TELNET_START_FAIL", "Failed to start the Telnet server: %v.", err)
	}
}

// Close ends every session of the device.
func (d *Device) Close() error {
	d.cancel()
	d.stopFTP()
	d.stopTelnet()
	d.mu.Lock()
	ss := append([]*Session(nil), d.sessions...)
	d.mu.Unlock()
	for _, s := range ss {
		s.Close()
	}
	return nil
}

// InitialPassword reports whether user admin still has the password of the
// default configuration (Admin@huawei).
func (d *Device) InitialPassword() bool {
	ct, ok := d.Users().CipherText("admin")
	return ok && strings.Contains(d.opts.DefaultConfig, " local-user admin password irreversible-cipher "+ct+"\n")
}

// Address is the device's own address.
func (d *Device) Address() netip.Addr { return d.opts.Address }

// Users is the device's AAA database.
func (d *Device) Users() *aaa.DB {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.users
}

// Flash is the device's file system.
func (d *Device) Flash() flash.FS { return d.fs }

func (d *Device) now() time.Time { return d.opts.Now() }

// reset puts the running state back to factory defaults.
func (d *Device) reset() {
	aopts := d.opts.AAA
	if aopts.Now == nil {
		aopts.Now = d.opts.Now // lockouts run on the device's clock
	}
	user := aopts.Log
	aopts.Log = func(ev aaa.Event) {
		d.logAAA(ev)
		if user != nil {
			user(ev)
		}
	}
	d.stopFTP()
	d.stopTelnet()
	d.mu.Lock()
	d.cfg = newConfig(d.profile)
	d.setSysname(d.opts.Sysname)
	d.users = aaa.New(aopts)
	d.mu.Unlock()
}

// OpenSession starts a session for an authenticated user. It enforces the VTY
// limit and the user's access-limit.
func (d *Device) OpenSession(info SessionInfo, term Terminal) (*Session, error) {
	if d.opts.Observer != nil {
		term = &teeTerminal{Terminal: term}
	}
	s := &Session{dev: d, info: info, term: term, vty: -1, done: make(chan struct{}), id: d.sessionIDs.Add(1),
		views: []viewFrame{{view: viewUser}}, login: d.now(), cwd: flash.Device + "/"}
	s.lastUsed = time.Now()
	d.mu.Lock()
	ui := d.cfg.con
	if info.Line == LineVTY {
		ui = d.cfg.vty
	}
	users := d.users
	d.mu.Unlock()
	s.level = 15 // the console's default
	if info.Line == LineVTY {
		s.level = 0
	}
	if ui.level >= 0 {
		s.level = ui.level
	}
	if info.Line == LineVTY || info.User != "" {
		if info.User != "" && ui.authMode == "aaa" {
			u, ok := users.Lookup(info.User)
			if !ok {
				return nil, fmt.Errorf("open session: %w", aaa.ErrNoSuchUser)
			}
			if u.Privilege >= 0 {
				s.level = u.Privilege
			}
			release, err := users.Acquire(info.User)
			if err != nil {
				return nil, fmt.Errorf("open session: %w", err)
			}
			s.release = release
			if u.IdleTimeoutSet {
				s.idle = u.IdleTimeout
			}
		}
	}
	if s.idle == 0 && ui.idle >= 0 {
		s.idle = ui.idle
	}
	if info.Interactive {
		s.screen = ui.screenLength
		s.width = info.Width
	}
	d.mu.Lock()
	if info.Line == LineVTY {
		used := make([]bool, maxVTY)
		for _, o := range d.sessions {
			if o.vty >= 0 {
				used[o.vty] = true
			}
		}
		for i, u := range used {
			if !u {
				s.vty = i
				break
			}
		}
		if s.vty < 0 {
			d.mu.Unlock()
			if s.release != nil {
				s.release()
			}
			return nil, ErrVTYLimit
		}
	}
	d.sessions = append(d.sessions, s)
	d.mu.Unlock()
	s.observeCLI(CLIOpen, "", "")
	d.addMonitor(s)
	if info.Line == LineVTY {
		d.logf("SHELL", 5, "LOGIN", "The user succeeded in logging in to VTY%d. (UserType=%s, UserName=%s, Ip=%s)", s.vty, info.Protocol, info.User, info.Remote.Addr())
	}
	return s, nil
}

func (d *Device) removeSession(s *Session) {
	d.removeMonitor(s)
	d.mu.Lock()
	found := false
	for i, o := range d.sessions {
		if o == s {
			d.sessions = append(d.sessions[:i], d.sessions[i+1:]...)
			found = true
			break
		}
	}
	d.mu.Unlock()
	if found {
		s.observeCLI(CLIClose, "", "")
	}
	if found && s.info.Line == LineVTY {
		d.logf("SHELL", 5, "LOGOUT", "The user succeeded in logging out of VTY%d. (UserType=%s, UserName=%s, Ip=%s)", s.vty, s.info.Protocol, s.info.User, s.info.Remote.Addr())
	}
}

func (d *Device) vtyCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, s := range d.sessions {
		if s.vty >= 0 {
			n++
		}
	}
	return n
}

// consoleAuthMode is the console port's authentication-mode: "none",
// "password" or "aaa".
func (d *Device) consoleAuthMode() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg.con.authMode
}

// authenticateConsole checks a login on the console port. With
// authentication-mode aaa, user and password are a local user's, who needs
// service-type terminal, and wrong passwords count toward the lockout; with
// authentication-mode password, password must match the console's set
// authentication password (none set: nothing matches) and user is ignored.
// Every refusal is ErrLoginRefused, and is logged.
func (d *Device) authenticateConsole(ctx context.Context, user, password string) error {
	d.mu.Lock()
	con := d.cfg.con
	users := d.users
	d.mu.Unlock()
	reason, logUser := "", ""
	if d.refuseLogins() && con.authMode != "none" {
		reason, logUser = errInjected.Error(), user
	}
	if reason == "" {
		// The console is the zero source address: its wrong passwords lock
		// the console out, not the network's logins.
		reason, logUser = lineLoginRefusal(ctx, users, con.authMode, con.password,
			aaa.Attempt{Name: user, Password: password, Service: aaa.ServiceTerminal})
	}
	if reason != "" {
		d.logf("SHELL", 5, "LOGINFAIL", "Failed to login through console. (UserName=%s, Reason=%s)", logUser, reason)
		return ErrLoginRefused
	}
	return nil
}

// consoleExit is what the console port shows when its session ends and it
// waits for a key.
const consoleExit = "\n  Configuration console exit, please press any key to log on\n"

// maxConsoleTries is how many refused logins the console's login dialogue
// takes before it waits for a key again.
const maxConsoleTries = 3

// ConsoleLogin logs on at the console port through term and opens the
// session. With con 0's authentication-mode aaa or password it first runs
// the login dialogue ("Login authentication", "Username:" for aaa,
// "Password:" not echoed), up to three tries. It returns a nil session and
// no error when the login was refused (the console then waits for a key); an
// error of term.ReadLine ends the dialogue and is returned.
func (d *Device) ConsoleLogin(ctx context.Context, term Terminal) (*Session, error) {
	info := SessionInfo{Line: LineConsole, Interactive: true}
	mode := d.consoleAuthMode()
	if mode == "aaa" || mode == "password" {
		io.WriteString(term, "\nLogin authentication\n\n\n")
		ok := false
		for try := 0; try < maxConsoleTries && !ok; try++ {
			user := ""
			if mode == "aaa" {
				var err error
				if user, err = term.ReadLine("Username:", true); err != nil {
					return nil, err
				}
			}
			password, err := term.ReadLine("Password:", false)
			if err != nil {
				return nil, err
			}
			switch {
			case d.authenticateConsole(ctx, user, password) == nil:
				info.User, ok = user, true
			case mode == "aaa":
				io.WriteString(term, "Error: Local authentication is rejected.\n\n")
			default:
				io.WriteString(term, "Error: The password is wrong.\n\n")
			}
		}
		if !ok {
			io.WriteString(term, consoleExit)
			return nil, nil
		}
	}
	s, err := d.OpenSession(info, term)
	if errors.Is(err, aaa.ErrAccessLimit) {
		io.WriteString(term, "Error: The number of users reached the maximum.\n"+consoleExit)
		return nil, nil
	}
	return s, err
}

// ErrLoginRefused is the one answer every refused SSH, Telnet or console
// login gets.
var ErrLoginRefused = errors.New("login refused")
