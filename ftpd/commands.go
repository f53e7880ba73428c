package ftpd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/flash"
)

type argKind int

const (
	argOptional argKind = iota
	argRequired
	argNone
)

// command describes one FTP verb. Exactly one of do and xfer is set: do runs on
// the control connection and reports whether the session ends; xfer checks a
// transfer command and returns the transfer to run, or nil after replying.
type command struct {
	auth   bool // needs a logged-in user
	arg    argKind
	do     func(s *session, arg string) (quit bool)
	xfer   func(s *session, arg string) *transfer
	syntax string // HELP text
}

// commands is the verb table. It is built once and never changed.
var commands map[string]command

// unimplemented verbs answer 502 and are marked '*' in HELP.
// The security extensions (RFC 2228/4217) are among them, so that clients that
// try AUTH TLS first fall back to plain FTP.
var unimplemented = map[string]struct{}{
	"SMNT": {}, "REIN": {}, "AUTH": {}, "ADAT": {}, "PBSZ": {}, "PROT": {}, "CCC": {},
	"MIC": {}, "CONF": {}, "ENC": {},
}

func init() {
	commands = map[string]command{
		"USER": {arg: argRequired, do: cmdUSER, syntax: "USER <sp> username"},
		"PASS": {do: cmdPASS, syntax: "PASS <sp> password"},
		"ACCT": {arg: argRequired, do: cmdACCT, syntax: "ACCT <sp> account"},
		"CWD":  {auth: true, do: cmdCWD, syntax: "CWD [ <sp> directory-name ]"},
		"XCWD": {auth: true, do: cmdCWD, syntax: "XCWD [ <sp> directory-name ]"},
		"CDUP": {auth: true, arg: argNone, do: cmdCDUP, syntax: "CDUP <change to parent directory>"},
		"XCUP": {auth: true, arg: argNone, do: cmdCDUP, syntax: "XCUP <change to parent directory>"},
		"QUIT": {arg: argNone, do: cmdQUIT, syntax: "QUIT <terminate service>"},
		"PORT": {auth: true, arg: argRequired, do: cmdPORT, syntax: "PORT <sp> b0, b1, b2, b3, b4, b5"},
		"EPRT": {auth: true, arg: argRequired, do: cmdEPRT, syntax: "EPRT <sp> |af|addr|port|"},
		"PASV": {auth: true, arg: argNone, do: cmdPASV, syntax: "PASV <set server in passive mode>"},
		"EPSV": {auth: true, do: cmdEPSV, syntax: "EPSV [ <sp> af | ALL ]"},
		"TYPE": {auth: true, arg: argRequired, do: cmdTYPE, syntax: "TYPE <sp> { A | I | L 8 }"},
		"STRU": {auth: true, arg: argRequired, do: cmdSTRU, syntax: "STRU <sp> F"},
		"MODE": {auth: true, arg: argRequired, do: cmdMODE, syntax: "MODE <sp> S"},
		"RETR": {auth: true, arg: argRequired, xfer: cmdRETR, syntax: "RETR <sp> file-name"},
		"STOR": {auth: true, arg: argRequired, xfer: cmdSTOR, syntax: "STOR <sp> file-name"},
		"STOU": {auth: true, xfer: cmdSTOU, syntax: "STOU [ <sp> file-name ]"},
		"APPE": {auth: true, arg: argRequired, xfer: cmdAPPE, syntax: "APPE <sp> file-name"},
		"ALLO": {auth: true, do: cmdALLO, syntax: "ALLO <sp> size"},
		"REST": {auth: true, arg: argRequired, do: cmdREST, syntax: "REST <sp> offset"},
		"RNFR": {auth: true, arg: argRequired, do: cmdRNFR, syntax: "RNFR <sp> file-name"},
		"RNTO": {auth: true, arg: argRequired, do: cmdRNTO, syntax: "RNTO <sp> file-name"},
		"ABOR": {arg: argNone, do: cmdABOR, syntax: "ABOR <abort operation>"},
		"DELE": {auth: true, arg: argRequired, do: cmdDELE, syntax: "DELE <sp> file-name"},
		"RMD":  {auth: true, arg: argRequired, do: cmdRMD, syntax: "RMD <sp> path-name"},
		"XRMD": {auth: true, arg: argRequired, do: cmdRMD, syntax: "XRMD <sp> path-name"},
		"MKD":  {auth: true, arg: argRequired, do: cmdMKD, syntax: "MKD <sp> path-name"},
		"XMKD": {auth: true, arg: argRequired, do: cmdMKD, syntax: "XMKD <sp> path-name"},
		"PWD":  {auth: true, arg: argNone, do: cmdPWD, syntax: "PWD <return current directory>"},
		"XPWD": {auth: true, arg: argNone, do: cmdPWD, syntax: "XPWD <return current directory>"},
		"LIST": {auth: true, xfer: cmdLIST, syntax: "LIST [ <sp> path-name ]"},
		"NLST": {auth: true, xfer: cmdNLST, syntax: "NLST [ <sp> path-name ]"},
		"MLSD": {auth: true, xfer: cmdMLSD, syntax: "MLSD [ <sp> path-name ]"},
		"MLST": {auth: true, do: cmdMLST, syntax: "MLST [ <sp> path-name ]"},
		"SITE": {auth: true, arg: argRequired, do: cmdSITE, syntax: "SITE <sp> string"},
		"SYST": {arg: argNone, do: cmdSYST, syntax: "SYST <return system type>"},
		"STAT": {auth: true, do: cmdSTAT, syntax: "STAT [ <sp> path-name ]"},
		"HELP": {do: cmdHELP, syntax: "HELP [ <sp> <string> ]"},
		"NOOP": {arg: argNone, do: cmdNOOP, syntax: "NOOP"},
		"FEAT": {arg: argNone, do: cmdFEAT, syntax: "FEAT <list extensions>"},
		"OPTS": {arg: argRequired, do: cmdOPTS, syntax: "OPTS <sp> command [ <sp> options ]"},
		"SIZE": {auth: true, arg: argRequired, do: cmdSIZE, syntax: "SIZE <sp> path-name"},
		"MDTM": {auth: true, arg: argRequired, do: cmdMDTM, syntax: "MDTM <sp> path-name"},
	}
}

// helpText is the HELP reply: the device's list, with '*' on what this server
// does not implement, and the RFC 3659/2389 verbs on the last line.
var helpText = []string{
	"The following commands are recognized (Commands marked with '*' are unimplemented).",
	"USER PASS ACCT CWD CDUP SMNT* QUIT REIN*",
	"PORT PASV TYPE STRU MODE RETR STOR STOU",
	"APPE ALLO REST RNFR RNTO ABOR DELE RMD",
	"MKD PWD LIST NLST SITE SYST STAT HELP",
	"NOOP XCUP XCWD XMKD XPWD XRMD EPRT EPSV",
	"FEAT OPTS SIZE MDTM MLST MLSD",
	"Direct comments to Huawei Tech.",
}

func cmdUSER(s *session, arg string) bool {
	s.mu.Lock()
	loggedIn := s.loggedIn
	if !loggedIn {
		s.user = arg
	}
	s.mu.Unlock()
	if loggedIn {
		s.reply(530, "Can't change to another user.")
		return false
	}
	s.sentUser = true // the login timeout replaces the shorter user timeout
	// Known or not, every user gets the same answer.
	s.reply(331, fmt.Sprintf("Password required for %s.", arg))
	return false
}

func cmdPASS(s *session, arg string) bool {
	s.mu.Lock()
	user, loggedIn := s.user, s.loggedIn
	s.mu.Unlock()
	switch {
	case loggedIn:
		s.reply(503, "Already logged in.")
		return false
	case user == "":
		s.reply(503, "Login with USER first.")
		return false
	}
	// The user limit is checked before the password, so that the answer
	// does not tell whether the password was right; the slot is given back
	// if the login is refused.
	if !s.srv.claimLogin(s) {
		s.event(Event{Kind: EventRejected, Reason: "too many users"})
		s.failureDelay()
		s.reply(421, "Too many users, closing control connection.")
		return true
	}
	login, err := s.srv.cfg.Auth.Login(s.ctx, user, arg, s.remote)
	var root string
	if err == nil {
		var fi flash.FileInfo
		root, err = canonicalRoot(login.Root)
		if err == nil {
			fi, err = s.srv.cfg.FS.Stat(root)
		}
		serr := err
		if serr == nil && !fi.IsDir {
			serr = flash.ErrNotDir
		}
		if serr != nil {
			err = fmt.Errorf("ftp directory %q: %w", login.Root, serr)
			if login.Release != nil {
				login.Release()
			}
		}
	}
	if err != nil {
		// Every refusal, whatever its reason, waits the same delay (the
		// authenticator does the same work for each, see Authenticator).
		s.srv.unclaimLogin(s)
		s.failures++
		s.event(Event{Kind: EventLoginFailed, Err: err})
		s.mu.Lock()
		s.user = ""
		s.mu.Unlock()
		if !s.failureDelay() {
			return true
		}
		s.reply(530, "Login incorrect.")
		return s.failures >= s.srv.cfg.MaxLoginFailures
	}
	s.srv.loggedInNow(s)
	s.mu.Lock()
	s.loggedIn, s.root, s.topdir, s.cwd = true, root, login.Root, "/"
	s.mu.Unlock()
	s.release, s.readOnly = login.Release, login.ReadOnly
	s.event(Event{Kind: EventLogin, Path: flashPath(root, "/")})
	s.reply(230, "User logged in.")
	return false
}

// failureDelay waits Config.FailureDelay before the answer to a refused
// login. It reports false if the session ended meanwhile.
func (s *session) failureDelay() bool {
	d := s.srv.cfg.FailureDelay
	if d <= 0 {
		return true
	}
	return s.srv.cfg.Sleep(s.ctx, d) == nil
}

func cmdACCT(s *session, _ string) bool {
	s.reply(202, "Command not implemented, superfluous at this site.")
	return false
}

func (s *session) changeDir(arg string) (int, string, bool) {
	vpath, fpath := s.resolve(arg)
	fi, err := s.srv.cfg.FS.Stat(fpath)
	if err == nil && !fi.IsDir {
		err = flash.ErrNotDir
	}
	if err != nil {
		code, text := fsError(arg, err)
		return code, text, false
	}
	s.mu.Lock()
	s.cwd = vpath
	s.mu.Unlock()
	return 0, "", true
}

func cmdCWD(s *session, arg string) bool {
	if arg == "" {
		arg = "/"
	}
	if code, text, ok := s.changeDir(arg); !ok {
		s.reply(code, text)
		return false
	}
	s.reply(250, "CWD command successfully.")
	return false
}

func cmdCDUP(s *session, _ string) bool {
	if code, text, ok := s.changeDir(".."); !ok {
		s.reply(code, text)
		return false
	}
	s.reply(200, "CDUP command successfully.")
	return false
}

func cmdQUIT(s *session, _ string) bool {
	s.reply(221, "Server closing.")
	return true
}

// setActive checks and records the client's data address for PORT and EPRT. Only
// the client's own address and an unprivileged port are accepted (RFC 2577).
func (s *session) setActive(verb string, to netip.AddrPort) {
	if s.epsvAll {
		s.reply(503, "EPSV ALL in effect: "+verb+" not allowed.")
		return
	}
	if to.Addr().Unmap() != s.remote.Addr() || to.Port() < 1024 {
		s.event(Event{Kind: EventBounceRefused, Target: to.String()})
		s.reply(500, fmt.Sprintf("Illegal %s command.", verb))
		return
	}
	s.closeData()
	s.active = to
	if verb == "PORT" {
		s.reply(200, "Port command okay.")
	} else {
		s.reply(200, "EPRT command successful.")
	}
}

func cmdPORT(s *session, arg string) bool {
	if !s.remote.Addr().Is4() {
		s.reply(522, "Network protocol not supported, use (2)")
		return false
	}
	to, err := parsePORT(arg)
	if err != nil {
		s.reply(501, "Syntax error in parameters or arguments.")
		return false
	}
	s.setActive("PORT", to)
	return false
}

func (s *session) familyHint() string {
	if s.remote.Addr().Is4() {
		return "(1)"
	}
	return "(2)"
}

func cmdEPRT(s *session, arg string) bool {
	to, err := parseEPRT(arg)
	if errors.Is(err, errEPRTProtocol) || err == nil && to.Addr().Is4() != s.remote.Addr().Is4() {
		s.reply(522, "Network protocol not supported, use "+s.familyHint())
		return false
	}
	if err != nil {
		s.reply(501, "Syntax error in parameters or arguments.")
		return false
	}
	s.setActive("EPRT", to)
	return false
}

func cmdPASV(s *session, _ string) bool {
	if s.epsvAll {
		s.reply(503, "EPSV ALL in effect: PASV not allowed.")
		return false
	}
	if !s.local.Addr().Is4() {
		s.reply(522, "Network protocol not supported, use EPSV.")
		return false
	}
	l, err := s.listenPassive()
	if err != nil {
		s.reply(425, "Can't open passive connection.")
		return false
	}
	s.pasv = l
	s.reply(227, fmt.Sprintf("Entering Passive Mode (%s).", formatPASV(addrPort(l.Addr()))))
	return false
}

func cmdEPSV(s *session, arg string) bool {
	switch strings.ToUpper(arg) {
	case "ALL":
		s.epsvAll = true
		s.reply(200, "EPSV ALL command successful.")
		return false
	case "":
	case "1", "2":
		if (arg == "1") != s.local.Addr().Is4() {
			s.reply(522, "Network protocol not supported, use "+s.familyHint())
			return false
		}
	default:
		if _, err := strconv.Atoi(arg); err == nil {
			s.reply(522, "Network protocol not supported, use "+s.familyHint())
			return false
		}
		s.reply(501, "Syntax error in parameters or arguments.")
		return false
	}
	l, err := s.listenPassive()
	if err != nil {
		s.reply(425, "Can't open passive connection.")
		return false
	}
	s.pasv = l
	s.reply(229, fmt.Sprintf("Entering Extended Passive Mode (|||%d|).", addrPort(l.Addr()).Port()))
	return false
}

func cmdTYPE(s *session, arg string) bool {
	switch strings.ToUpper(strings.Join(strings.Fields(arg), " ")) {
	case "A", "A N":
		s.typ = 'A'
		s.reply(200, "Type set to A.")
	case "I", "L 8":
		s.typ = 'I'
		s.reply(200, "Type set to I.")
	case "E", "E N", "A T", "A C", "E T", "E C":
		s.reply(504, "Command not implemented for that parameter.")
	default:
		if strings.HasPrefix(strings.ToUpper(arg), "L ") {
			s.reply(504, "Command not implemented for that parameter.")
			return false
		}
		s.reply(501, "Syntax error in parameters or arguments.")
	}
	return false
}

func cmdSTRU(s *session, arg string) bool {
	switch strings.ToUpper(arg) {
	case "F":
		s.reply(200, "Structure set to F.")
	case "R", "P":
		s.reply(504, "Command not implemented for that parameter.")
	default:
		s.reply(501, "Syntax error in parameters or arguments.")
	}
	return false
}

func cmdMODE(s *session, arg string) bool {
	switch strings.ToUpper(arg) {
	case "S":
		s.reply(200, "Mode set to S.")
	case "B", "C":
		s.reply(504, "Command not implemented for that parameter.")
	default:
		s.reply(501, "Syntax error in parameters or arguments.")
	}
	return false
}

func cmdALLO(s *session, _ string) bool {
	s.reply(202, "ALLO command ignored.")
	return false
}

func cmdREST(s *session, arg string) bool {
	n, err := parseRest(arg)
	if err != nil {
		s.reply(501, "Syntax error in parameters or arguments.")
		return false
	}
	s.restOffset = n
	s.reply(350, fmt.Sprintf("Restarting at %d. Send STORE or RETRIEVE to initiate transfer.", n))
	return false
}

// writable replies 550 and reports false for a read-only user.
func (s *session) writable() bool {
	if s.readOnly {
		s.reply(550, "Permission denied.")
		return false
	}
	return true
}

func cmdRNFR(s *session, arg string) bool {
	if !s.writable() {
		return false
	}
	vpath, fpath := s.resolve(arg)
	if vpath == "/" {
		s.reply(550, "Permission denied.")
		return false
	}
	if _, err := s.srv.cfg.FS.Stat(fpath); err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	s.renameFrom = fpath
	s.reply(350, "File exists, ready for destination name.")
	return false
}

func cmdRNTO(s *session, arg string) bool {
	from := s.renameFrom
	if from == "" {
		s.reply(503, "Bad sequence of commands.")
		return false
	}
	vpath, fpath := s.resolve(arg)
	if vpath == "/" {
		s.reply(550, "Permission denied.")
		return false
	}
	if err := s.srv.cfg.FS.Rename(from, fpath); err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	s.event(Event{Kind: EventRename, Path: from, Target: fpath})
	s.reply(250, "Rename successful.")
	return false
}

func cmdABOR(s *session, _ string) bool {
	s.closeData()
	s.reply(225, "No transfer to abort.")
	return false
}

func cmdDELE(s *session, arg string) bool {
	if !s.writable() {
		return false
	}
	_, fpath := s.resolve(arg)
	if err := s.srv.cfg.FS.Remove(fpath, true); err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	s.event(Event{Kind: EventDelete, Path: fpath})
	s.reply(250, "DELE command successfully.")
	return false
}

func cmdRMD(s *session, arg string) bool {
	if !s.writable() {
		return false
	}
	vpath, fpath := s.resolve(arg)
	if vpath == "/" || vpath == s.cwdPath() || strings.HasPrefix(s.cwdPath(), vpath+"/") {
		s.reply(550, fmt.Sprintf("%s: Permission denied.", arg))
		return false
	}
	if err := s.srv.cfg.FS.Rmdir(fpath); err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	s.event(Event{Kind: EventDelete, Path: fpath})
	s.reply(250, "RMD command successfully.")
	return false
}

func cmdMKD(s *session, arg string) bool {
	if !s.writable() {
		return false
	}
	_, fpath := s.resolve(arg)
	if err := s.srv.cfg.FS.Mkdir(fpath); err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	s.event(Event{Kind: EventMkdir, Path: fpath})
	s.reply(257, quotePath(arg)+" new directory created.")
	return false
}

func cmdPWD(s *session, _ string) bool {
	s.reply(257, quotePath(s.cwdPath())+" is current directory.")
	return false
}

func cmdSITE(s *session, arg string) bool {
	verb, _, _ := strings.Cut(arg, " ")
	if strings.EqualFold(verb, "HELP") {
		s.replyLines(214, "The following SITE commands are recognized.", "HELP", "Direct comments to Huawei Tech.")
		return false
	}
	s.reply(500, fmt.Sprintf("'SITE %s': command not understood.", strings.ToUpper(verb)))
	return false
}

func cmdSYST(s *session, _ string) bool {
	s.reply(215, "UNIX Type: L8")
	return false
}

func cmdSTAT(s *session, arg string) bool {
	if arg == "" {
		s.mu.Lock()
		user := s.user
		s.mu.Unlock()
		typ := "ASCII"
		if s.typ == 'I' {
			typ = "BINARY"
		}
		data := "No data connection"
		if s.pasv != nil {
			data = "Passive mode data connection prepared"
		} else if s.active.IsValid() {
			data = "Active mode data connection prepared"
		}
		s.replyLines(211, "FTP server status:",
			"Connected to "+s.remote.Addr().String(),
			"Logged in as "+user,
			"TYPE: "+typ+", STRUcture: File, Mode: Stream",
			data,
			"End of status.")
		return false
	}
	l, code, text := s.buildListing(arg)
	if l == nil {
		s.reply(code, text)
		return false
	}
	var b strings.Builder
	l.writeLIST(&b, s.srv.cfg.Now(), s.srv.cfg.Location)
	lines := []string{"Status of " + arg + ":"}
	lines = append(lines, strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n")...)
	lines = append(lines, "End of status.")
	s.replyLines(213, lines...)
	return false
}

func cmdHELP(s *session, arg string) bool {
	if arg == "" {
		s.replyLines(214, helpText...)
		return false
	}
	verb := strings.ToUpper(arg)
	if c, ok := commands[verb]; ok {
		s.reply(214, "Syntax: "+c.syntax+".")
		return false
	}
	if _, ok := unimplemented[verb]; ok {
		s.reply(214, "Syntax: "+verb+" (unimplemented).")
		return false
	}
	s.reply(502, fmt.Sprintf("Unknown command %s.", verb))
	return false
}

func cmdNOOP(s *session, _ string) bool {
	s.reply(200, "NOOP command successful.")
	return false
}

func cmdFEAT(s *session, _ string) bool {
	var facts strings.Builder
	for _, f := range supportedFacts {
		facts.WriteString(f + "*;")
	}
	s.replyLines(211, "Extension Supported",
		" EPRT", " EPSV", " MDTM", " MLST "+facts.String(), " REST STREAM",
		" SIZE", " TVFS", " UTF8",
		"End")
	return false
}

func cmdOPTS(s *session, arg string) bool {
	opt, val, _ := strings.Cut(arg, " ")
	switch strings.ToUpper(opt) {
	case "UTF8":
		if strings.EqualFold(strings.TrimSpace(val), "ON") || val == "" {
			s.reply(200, "UTF8 mode enabled.")
			return false
		}
		s.reply(504, "UTF8 cannot be disabled.")
	case "MLST":
		selected := make(map[string]bool)
		var b strings.Builder
		for _, f := range strings.Split(val, ";") {
			f = strings.ToLower(strings.TrimSpace(f))
			for _, known := range supportedFacts {
				if f == known && !selected[f] {
					selected[f] = true
					b.WriteString(f + ";")
				}
			}
		}
		s.mlstFacts = selected
		s.reply(200, "MLST OPTS "+b.String())
	default:
		s.reply(501, "Option not understood.")
	}
	return false
}

func cmdSIZE(s *session, arg string) bool {
	_, fpath := s.resolve(arg)
	fi, err := s.srv.cfg.FS.Stat(fpath)
	if err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	if fi.IsDir {
		s.reply(550, fmt.Sprintf("%s: not a regular file.", arg))
		return false
	}
	s.reply(213, strconv.FormatInt(fi.Size, 10))
	return false
}

func cmdMDTM(s *session, arg string) bool {
	_, fpath := s.resolve(arg)
	fi, err := s.srv.cfg.FS.Stat(fpath)
	if err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	s.reply(213, fi.ModTime.UTC().Format("20060102150405"))
	return false
}

func cmdMLST(s *session, arg string) bool {
	if arg == "" {
		arg = "."
	}
	vpath, fpath := s.resolve(arg)
	fi, err := s.srv.cfg.FS.Stat(fpath)
	if err != nil {
		s.reply(fsError(arg, err))
		return false
	}
	typ := "file"
	if fi.IsDir {
		typ = "dir"
	}
	s.replyLines(250, "Listing "+vpath,
		" "+mlsxFacts(fi, typ, s.mlstFacts, s.readOnly)+" "+vpath,
		"End.")
	return false
}

// buildListing collects what LIST, NLST, MLSD and STAT show for arg. It strips
// ls options ("-la") and expands a wildcard in the last path element. On failure
// it returns nil and the reply.
func (s *session) buildListing(arg string) (*listing, int, string) {
	arg = stripListOptions(arg)
	shown := arg
	if arg == "" {
		arg = "."
	}
	fs := s.srv.cfg.FS
	vpath, fpath := s.resolve(arg)
	fi, err := fs.Stat(fpath)
	glob := ""
	if err != nil && hasGlob(path.Base(vpath)) && vpath != "/" {
		glob = strings.ToLower(path.Base(vpath))
		if _, perr := path.Match(glob, ""); perr != nil {
			return nil, 501, "Syntax error in parameters or arguments."
		}
		vpath = path.Dir(vpath)
		fpath = flashPath(s.root, vpath)
		fi, err = fs.Stat(fpath)
	}
	if err != nil {
		code, text := fsError(shown, err)
		return nil, code, text
	}
	if !fi.IsDir {
		return &listing{entries: []flash.FileInfo{fi}, display: shown}, 0, ""
	}
	entries, err := fs.ReadDir(fpath)
	if err != nil {
		code, text := fsError(shown, err)
		return nil, code, text
	}
	if glob != "" {
		kept := entries[:0]
		for _, e := range entries {
			if ok, _ := path.Match(glob, strings.ToLower(e.Name)); ok {
				kept = append(kept, e)
			}
		}
		entries = kept
	}
	parent := fi
	if vpath != "/" {
		if p, err := fs.Stat(flashPath(s.root, path.Dir(vpath))); err == nil {
			parent = p
		}
	}
	return &listing{self: fi, parent: parent, entries: entries, isDir: true, noDots: glob != ""}, 0, ""
}

// stripListOptions removes the ls options ("-la") clients put before a LIST path.
func stripListOptions(arg string) string {
	for strings.HasPrefix(arg, "-") {
		_, rest, _ := strings.Cut(arg, " ")
		arg = strings.TrimLeft(rest, " ")
	}
	return arg
}

// transferBuffer is the copy buffer size of a transfer.
const transferBuffer = 256 << 10

func (s *session) typeName() string {
	if s.typ == 'I' {
		return "BINARY"
	}
	return "ASCII"
}

// startData opens the data connection of a transfer and sends the 150 reply. On
// failure it returns the final reply.
func (s *session) startData(ctx context.Context, opening string) (*net.TCPConn, int, string) {
	c, err := s.openData(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 426, "Connection closed; transfer aborted."
		}
		return nil, 425, "Can't open data connection."
	}
	context.AfterFunc(ctx, func() { c.Close() })
	s.reply(150, opening)
	return c, 0, ""
}

func listTransfer(verb string) func(s *session, arg string) *transfer {
	return func(s *session, arg string) *transfer {
		if !s.dataReady() {
			s.reply(425, "Use PORT or PASV first.")
			return nil
		}
		l, code, text := s.buildListing(arg)
		if l == nil {
			s.reply(code, text)
			return nil
		}
		if verb == "MLSD" && !l.isDir {
			s.reply(501, fmt.Sprintf("%s: Not a directory.", arg))
			return nil
		}
		shown := stripListOptions(arg)
		if shown == "" {
			shown = "*"
		}
		now, loc, facts, ro := s.srv.cfg.Now(), s.srv.cfg.Location, s.mlstFacts, s.readOnly
		return &transfer{run: func(ctx context.Context, t *transfer) (int, string) {
			c, code, text := s.startData(ctx, fmt.Sprintf("Opening ASCII mode data connection for %s.", shown))
			if c == nil {
				return code, text
			}
			defer c.Close()
			w := countingWriter{deadlineConn{c, s.srv.cfg.DataTimeout}, &t.bytes}
			var err error
			switch verb {
			case "LIST":
				err = l.writeLIST(w, now, loc)
			case "NLST":
				err = l.writeNLST(w)
			default:
				err = l.writeMLSD(w, facts, ro)
			}
			if err != nil {
				return 426, "Connection closed; transfer aborted."
			}
			return 226, "Transfer complete."
		}}
	}
}

var (
	cmdLIST = listTransfer("LIST")
	cmdNLST = listTransfer("NLST")
	cmdMLSD = listTransfer("MLSD")
)

func cmdRETR(s *session, arg string) *transfer {
	_, fpath := s.resolve(arg)
	fs := s.srv.cfg.FS
	fi, err := fs.Stat(fpath)
	if err == nil && fi.IsDir {
		err = flash.ErrIsDir
	}
	if err != nil {
		s.reply(fsError(arg, err))
		return nil
	}
	offset := s.restOffset
	if offset > fi.Size {
		s.reply(554, "Requested action not taken: invalid REST parameter.")
		return nil
	}
	if !s.dataReady() {
		s.reply(425, "Use PORT or PASV first.")
		return nil
	}
	f, err := fs.Open(fpath)
	if err != nil {
		s.reply(fsError(arg, err))
		return nil
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			s.reply(451, "Requested action aborted: local error in processing.")
			return nil
		}
	}
	ascii := s.typ == 'A'
	opening := fmt.Sprintf("Opening %s mode data connection for %s.", s.typeName(), arg)
	return &transfer{run: func(ctx context.Context, t *transfer) (int, string) {
		defer f.Close()
		c, code, text := s.startData(ctx, opening)
		if c == nil {
			s.event(Event{Kind: EventDownload, Path: fpath, Err: fmt.Errorf("data connection: %d %s", code, text)})
			return code, text
		}
		defer c.Close()
		var n int64
		var err error
		if ascii {
			w := countingWriter{deadlineConn{c, s.srv.cfg.DataTimeout}, &t.bytes}
			n, err = toCRLF(w, f, make([]byte, transferBuffer))
		} else {
			n, err = sendFile(ctx, c, f, s.srv.cfg.DataTimeout, &t.bytes)
		}
		if err == nil {
			err = c.Close()
		}
		s.event(Event{Kind: EventDownload, Path: fpath, Bytes: n, Err: err})
		if err != nil {
			return 426, "Connection closed; transfer aborted."
		}
		return 226, "Transfer complete."
	}}
}

// sendFile copies f to c. A large file of the disk backend goes out with a
// blocking sendfile (sendFileBlocking); anything else in chunks through the
// runtime's poller (still sendfile for an *os.File), each under a write
// deadline, sized by a pacer. After a chunk that ran out of time with the
// peer still reading, f is put back at the first byte not sent (a copy
// through a buffer may have read more than it wrote) and the copy goes on.
func sendFile(ctx context.Context, c *net.TCPConn, f io.ReadSeeker, timeout time.Duration, count interface{ Add(int64) int64 }) (int64, error) {
	if osf, ok := f.(*os.File); ok {
		n, handled, err := sendFileBlocking(ctx, c, osf, timeout, count)
		if handled {
			return n, err
		}
	}
	start, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, fmt.Errorf("send: %w", err)
	}
	pace := newSendPacer(timeout)
	var total int64
	for {
		chunk, deadline := pace.next()
		c.SetWriteDeadline(deadline)
		n, err := io.CopyN(c, f, chunk)
		pace.done()
		total += n
		count.Add(n)
		switch {
		case err == io.EOF:
			return total, nil
		case movedInTime(n, err):
			if _, err := f.Seek(start+total, io.SeekStart); err != nil {
				return total, fmt.Errorf("send: %w", err)
			}
		case err != nil:
			return total, err
		}
	}
}

// receiveFile copies an upload from c into rf in chunks, each under a read
// deadline and sized by a pacer, counting the bytes in u. A chunk reaches rf
// as one io.LimitedReader over the connection, so that the disk backend can
// splice.
func receiveFile(c net.Conn, rf io.ReaderFrom, u *uploadWriter, timeout time.Duration) error {
	pace := newReceivePacer(timeout)
	for {
		chunk, deadline := pace.next()
		c.SetReadDeadline(deadline)
		n, err := rf.ReadFrom(&io.LimitedReader{R: c, N: chunk})
		pace.done()
		u.n += n
		u.count.Add(n)
		switch {
		case movedInTime(n, err):
		case errors.Is(err, flash.ErrNoSpace):
			u.err = err // the flash's fault, not the connection's
			return err
		case err != nil:
			return err
		case n < chunk:
			return nil
		}
	}
}

// movedInTime reports whether a chunk ran out of time (err) while the peer
// was still moving bytes (n > 0): a peer that slowed down suddenly, not a
// stalled one, so the copy goes on with a new deadline (and, by the pacer, a
// smaller chunk). A stalled peer thus ends a transfer within two timeouts.
func movedInTime(n int64, err error) bool {
	return n > 0 && errors.Is(err, os.ErrDeadlineExceeded)
}

// upload checks and starts STOR, APPE and STOU. unique is the name STOU chose.
func (s *session) upload(arg, fpath string, appendTo bool, unique string) *transfer {
	if !s.writable() {
		return nil
	}
	fs := s.srv.cfg.FS
	fi, err := fs.Stat(fpath)
	switch {
	case err == nil && fi.IsDir:
		s.reply(fsError(arg, flash.ErrIsDir))
		return nil
	case err != nil && !errors.Is(err, flash.ErrNotExist):
		s.reply(fsError(arg, err))
		return nil
	case err != nil:
		fi = flash.FileInfo{}
	}
	offset := s.restOffset
	if appendTo {
		offset = fi.Size
	}
	if offset > fi.Size {
		s.reply(554, "Requested action not taken: invalid REST parameter.")
		return nil
	}
	w, err := fs.Create(fpath, offset)
	if err != nil {
		s.reply(fsError(arg, err))
		return nil
	}
	if !s.dataReady() {
		w.Abort()
		s.reply(425, "Use PORT or PASV first.")
		return nil
	}
	ascii := s.typ == 'A'
	opening := fmt.Sprintf("Opening %s mode data connection for %s.", s.typeName(), arg)
	done := "Transfer complete."
	if unique != "" {
		opening = "FILE: " + unique
		done = fmt.Sprintf("Transfer complete (unique file name: %s).", unique)
	}
	return &transfer{run: func(ctx context.Context, t *transfer) (int, string) {
		c, code, text := s.startData(ctx, opening)
		if c == nil {
			w.Abort()
			s.event(Event{Kind: EventUpload, Path: fpath, Err: fmt.Errorf("data connection: %d %s", code, text)})
			return code, text
		}
		defer c.Close()
		src := deadlineConn{c, s.srv.cfg.DataTimeout}
		dst := &uploadWriter{w: w, count: &t.bytes}
		buf := make([]byte, transferBuffer)
		var err error
		switch rf, ok := w.(io.ReaderFrom); {
		case ascii:
			_, err = fromCRLF(dst, src, buf)
		case ok:
			// the disk backend: the kernel splices the data into the file
			err = receiveFile(c, rf, dst, s.srv.cfg.DataTimeout)
		default:
			_, err = io.CopyBuffer(dst, readerOnly{src}, buf)
		}
		if err == nil && ctx.Err() != nil {
			err = ctx.Err()
		}
		if err != nil {
			w.Abort()
			s.event(Event{Kind: EventUpload, Path: fpath, Bytes: dst.n, Err: err})
			if dst.err != nil {
				return fsError(arg, dst.err)
			}
			return 426, "Connection closed; transfer aborted."
		}
		if err := w.Commit(); err != nil {
			s.event(Event{Kind: EventUpload, Path: fpath, Bytes: dst.n, Err: err})
			return fsError(arg, err)
		}
		s.event(Event{Kind: EventUpload, Path: fpath, Bytes: dst.n})
		return 226, done
	}}
}

// uploadWriter counts the bytes written to a flash file and remembers a write
// error, to tell a full flash (552) from a broken connection (426).
type uploadWriter struct {
	w     io.Writer
	count interface{ Add(int64) int64 }
	n     int64
	err   error
}

func (u *uploadWriter) Write(p []byte) (int, error) {
	n, err := u.w.Write(p)
	u.n += int64(n)
	u.count.Add(int64(n))
	if err != nil {
		u.err = err
	}
	return n, err
}

// readerOnly hides other methods (WriteTo) so that io.CopyBuffer uses the buffer.
type readerOnly struct{ io.Reader }

func cmdSTOR(s *session, arg string) *transfer {
	_, fpath := s.resolve(arg)
	return s.upload(arg, fpath, false, "")
}

func cmdAPPE(s *session, arg string) *transfer {
	_, fpath := s.resolve(arg)
	return s.upload(arg, fpath, true, "")
}

func cmdSTOU(s *session, arg string) *transfer {
	base := arg
	if base == "" {
		base = "ftp"
	}
	for i := 0; i < 1000; i++ {
		name := base
		if i > 0 || arg == "" {
			name = fmt.Sprintf("%s.%d", base, i)
		}
		vpath, fpath := s.resolve(name)
		if _, err := s.srv.cfg.FS.Stat(fpath); errors.Is(err, flash.ErrNotExist) {
			s.restOffset = 0
			return s.upload(name, fpath, false, path.Base(vpath))
		}
	}
	s.reply(450, "Requested file action not taken: no unique name available.")
	return nil
}
