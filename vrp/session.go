package vrp

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

// Terminal is what a front end (SSH channel, console) gives a session.
type Terminal interface {
	// Write prints text; lines end in "\n" (the front end sends CRLF).
	Write(p []byte) (int, error)
	// ReadLine shows prompt and reads a line. With echo false the typed
	// characters are not shown (passwords).
	ReadLine(prompt string, echo bool) (string, error)
	// ReadKey reads one key press, for the pager.
	ReadKey() (rune, error)
}

// LineKind tells how a session reached the device.
type LineKind int

const (
	LineVTY     LineKind = iota // SSH or Telnet
	LineConsole                 // the console port
)

// SessionInfo describes a new session.
type SessionInfo struct {
	Line        LineKind
	User        string         // authenticated AAA user; "" for a console without authentication
	Remote      netip.AddrPort // the client's address (VTY)
	Protocol    string         // "SSH" or "TEL" (Telnet) for VTY sessions
	Interactive bool           // false for an SSH exec request: no paging, no questions asked
	// Width is the terminal's width in columns (an SSH pty's): interactive
	// output lines longer than that are broken into lines of that width,
	// as the device does. 0: lines are not broken.
	Width int
}

// ErrVTYLimit refuses a session when every VTY line is taken.
var ErrVTYLimit = errors.New("the number of VTY users has reached the maximum")

// Session is one logged-in user: a view stack, a privilege level, a pager.
// Its methods are called from one goroutine (the front end's); the device may
// close it from another.
type Session struct {
	dev    *Device
	info   SessionInfo
	term   Terminal
	vty    int    // VTY number, -1 for the console
	id     uint64 // the device's number of the session, for the observer
	level  int
	login  time.Time
	views  []viewFrame
	ftp    *ftpClientState // the FTP client view's connection, when in it
	idle   time.Duration
	screen int // lines per page; 0 = no paging
	width  int // columns output lines are broken at; 0 = not broken
	hist   []string

	replaying bool   // the boot replay of a configuration file
	cwd       string // current flash directory, "flash:/" at login

	sftp *sftpClientState // the SFTP client view's connection, when in it
	key  *keyEdit         // the peer public key being typed (peerkey_cmd.go)
	// terminal monitor and terminal logging (log.go)
	monitor   atomic.Bool
	noLogging atomic.Bool
	noticeMu  sync.Mutex
	notices   []string
	noticing  bool

	mu       sync.Mutex
	lastUsed time.Time
	closed   bool
	done     chan struct{}
	release  func()

	tabLine  string   // the line Tab last produced
	tabWords []string // candidates being cycled
	tabIndex int
	tabStart int
}

// viewFrame is one level of the view stack.
type viewFrame struct {
	view string
	arg  string // e.g. the ACL number
}

const (
	viewUser    = "user"
	viewSystem  = "system"
	viewAAA     = "aaa"
	viewVTY     = "ui-vty"
	viewConsole = "ui-console"
	viewACL     = "acl-basic"
	viewFTP     = "ftp-client"
	viewSFTP    = "sftp-client"
	viewPeerKey = "peer-public-key" // arg: the key family (peerkey_cmd.go)
	viewKeyCode = "key-code"        // arg: the key family
)

func (s *Session) view() viewFrame { return s.views[len(s.views)-1] }

// Prompt returns the prompt of the current view, e.g. "<Huawei>" or "[Huawei-aaa]".
func (s *Session) Prompt() string {
	v := s.view()
	return viewOf(v.view).promptOf(s.dev.Sysname(), v.arg)
}

// Level is the session's privilege level.
func (s *Session) Level() int { return s.level }

// User is the AAA user name of the session ("" when none).
func (s *Session) User() string { return s.info.User }

// IdleTimeout is how long the session may stay idle (0: never).
func (s *Session) IdleTimeout() time.Duration { return s.idle }

// Done is closed when the session ends (quit, or the device closed it).
func (s *Session) Done() <-chan struct{} { return s.done }

// Banner returns the lines printed after login, before the first prompt.
func (s *Session) Banner() string {
	if s.info.Line != LineVTY {
		return ""
	}
	return fmt.Sprintf("Info: The max number of VTY users is %d, and the number\n"+
		"      of current VTY users on line is %d.\n"+
		"      The current login time is %s.\n",
		maxVTY, s.dev.vtyCount(), s.login.Format("2006-01-02 15:04:05-07:00"))
}

// Timeout tells the user the session timed out; the front end then closes it.
func (s *Session) Timeout() {
	io.WriteString(s.term, "\n  Configuration console time out, please retry to log on\n")
	s.Close()
}

// Close ends the session and frees its line.
func (s *Session) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	sftpState := s.sftp
	s.mu.Unlock()
	if sftpState != nil {
		sftpState.close()
	}
	if s.ftp != nil {
		s.ftp.close()
	}
	s.dev.removeSession(s)
	if s.release != nil {
		s.release()
	}
}

func (s *Session) touch() {
	s.mu.Lock()
	s.lastUsed = time.Now()
	s.mu.Unlock()
}

func (s *Session) idleFor() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Since(s.lastUsed)
}

// maxLine is the longest line the device accepts.
const maxLine = 510

// Execute runs one line typed at the prompt and writes its output. It reports
// whether the session has ended (quit in user view).
func (s *Session) Execute(line string) (exit bool) {
	s.touch()
	s.tabLine = ""
	if !utf8.ValidString(line) || strings.ContainsFunc(line, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
		line = strings.Map(func(r rune) rune {
			if r == utf8.RuneError || r < ' ' && r != '\t' || r == 0x7f {
				return -1
			}
			return r
		}, strings.ToValidUTF8(line, ""))
	}
	if strings.TrimSpace(line) == "" {
		return s.isClosed()
	}
	s.remember(line)
	if utf8.RuneCountInString(line) > maxLine {
		s.printf("Error: The command is too long. The maximum length is %d characters.\n", maxLine)
		return s.isClosed()
	}
	run, call, err := s.dev.grammar.Match(s.view().view, s.level, line)
	if err != nil {
		var se *cli.SyntaxError
		if errors.As(err, &se) {
			if s.info.Interactive {
				s.print(se.Caret(utf8.RuneCountInString(s.Prompt())))
			} else {
				// no prompt nor echo was shown (SSH exec): show the line
				// the caret points into
				s.print(line + "\n" + se.Caret(0))
			}
		} else {
			s.printf("Error: %v\n", err)
		}
		return s.isClosed()
	}
	if run == nil {
		return s.isClosed()
	}
	if tee, ok := s.term.(*teeTerminal); ok {
		masked := s.dev.grammar.Mask(s.view().view, s.level, line, secretMask)
		tee.take()
		defer func() { s.observeCLI(CLICommand, masked, tee.take()) }()
	}
	s.dev.slow()
	out := s.newOutput(call.Filter)
	env := &callEnv{Session: s, out: out}
	if err := run(env, call); err != nil {
		var msg deviceError
		if errors.As(err, &msg) {
			out.WriteString(string(msg))
		} else {
			fmt.Fprintf(out, "Error: %v\n", err)
		}
	}
	out.flush()
	return s.isClosed()
}

func (s *Session) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// remember adds a line to the history: the latest copy of a repeated line is
// kept, at most historySize lines. Words typed for secret parameters
// (passwords) are kept as secretMask, as the device shows passwords nowhere.
func (s *Session) remember(line string) {
	line = s.dev.grammar.Mask(s.view().view, s.level, line, secretMask)
	for i, h := range s.hist {
		if h == line {
			s.hist = append(s.hist[:i], s.hist[i+1:]...)
			break
		}
	}
	s.hist = append(s.hist, line)
	if len(s.hist) > historySize {
		s.hist = s.hist[len(s.hist)-historySize:]
	}
}

const historySize = 10

// secretMask replaces a password in the history, as "display local-user"
// shows a password as asterisks.
const secretMask = "******"

// History returns the session's command history, oldest first, passwords
// masked.
func (s *Session) History() []string { return append([]string(nil), s.hist...) }

// Help answers "?" typed after line. It returns what the device prints after
// echoing the line and the "?": help entries or an error with a caret.
func (s *Session) Help(line string) string {
	s.touch()
	entries, err := s.dev.grammar.Help(s.view().view, s.level, line)
	if err != nil {
		var se *cli.SyntaxError
		if errors.As(err, &se) {
			return se.Caret(utf8.RuneCountInString(s.Prompt()))
		}
		return "Error: " + err.Error() + "\n"
	}
	var b strings.Builder
	partial := line != "" && !strings.HasSuffix(line, " ")
	if len(entries) == 0 {
		if partial {
			// the caret sits under the first character of the word
			start := strings.LastIndexAny(line, " \t") + 1
			col := utf8.RuneCountInString(s.Prompt()) + utf8.RuneCountInString(line[:start])
			return strings.Repeat(" ", col) + "^\nError: Unrecognized command found at '^' position.\n"
		}
		return ""
	}
	width := 23
	if !partial && strings.TrimSpace(line) == "" {
		b.WriteString(viewOf(s.view().view).title + " commands:\n")
		width = 24
	}
	for _, e := range entries {
		width = max(width, len(e.Token)+2)
	}
	if partial {
		width = 0
		for _, e := range entries {
			width = max(width, len(e.Token)+4)
		}
	}
	for _, e := range entries {
		if e.Help == "" {
			fmt.Fprintf(&b, "  %s\n", e.Token)
			continue
		}
		fmt.Fprintf(&b, "  %-*s%s\n", width-1, e.Token, e.Help)
	}
	return b.String()
}

// Complete answers Tab: it returns the new line. With one candidate the word is
// completed; with several, each Tab moves to the next; with none the line stays.
func (s *Session) Complete(line string) string {
	s.touch()
	if s.tabLine != "" && line == s.tabLine && len(s.tabWords) > 1 {
		s.tabIndex = (s.tabIndex + 1) % len(s.tabWords)
		s.tabLine = line[:s.tabStart] + s.tabWords[s.tabIndex]
		return s.tabLine
	}
	start, words := s.dev.grammar.Complete(s.view().view, s.level, line)
	if len(words) == 0 {
		s.tabLine = ""
		return line
	}
	s.tabWords, s.tabIndex, s.tabStart = words, 0, start
	s.tabLine = line[:start] + words[0]
	return s.tabLine
}

// CtrlZ returns to user view, as Ctrl+Z does.
func (s *Session) CtrlZ() {
	s.touch()
	if viewOf(s.view().view).returns {
		s.views = s.views[:1]
	}
}

func (s *Session) print(text string) { io.WriteString(s.term, text) }

func (s *Session) printf(format string, a ...any) { fmt.Fprintf(s.term, format, a...) }

// deviceError is a refusal whose text is printed as is (it ends in "\n").
type deviceError string

func (e deviceError) Error() string { return strings.TrimSpace(string(e)) }

// refuse makes a deviceError of one line.
func refuse(format string, a ...any) error { return deviceError(fmt.Sprintf(format, a...) + "\n") }
