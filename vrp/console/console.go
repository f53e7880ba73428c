// Package console attaches the process's own terminal to a device's console
// port: the local CLI of a simulated VRP device, as a serial cable would give.
//
// The console is a reeflective/console application. Each VRP view is one of
// its menus, named after the view, whose prompt is the device's prompt
// ("<Huawei>", "[Huawei-aaa]", ...) and whose only command is a catch-all
// that hands the whole line to the device's CLI engine (vrp.Session.Execute):
// the engine owns parsing, abbreviations and errors, so the console prints the
// same bytes as an SSH session. The line editor is reeflective/readline with
// VRP's keys bound to the engine: "?" shows help (vrp.Session.Help), Tab
// completes (vrp.Session.Complete), Ctrl+Z returns to user view, Ctrl+C
// discards the line, Ctrl+X and Ctrl+Y delete left and right of the cursor;
// Up and Down walk the session's command history (the one "display
// history-command" lists). The pager and questions ("(y/n)[n]") read keys
// directly. The idle timeout of "user-interface con 0" applies; after quit or
// a time-out a key logs on again.
//
// reeflective/readline reads standard input and writes standard output
// itself, so a process has one console, and Run owns both while it runs: it
// puts a pseudo-terminal in their place (descriptors 0 and 1) and relays
// between it and the user's terminal, to hand each key to the right reader
// in the order typed (see relay). Login follows "user-interface con 0" only
// in its default: no authentication, level 15.
package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	rconsole "github.com/reeflective/console"
	"github.com/reeflective/readline"
	"github.com/spf13/cobra"
	"github.com/vrpsim/vrpsim/vrp"
	"golang.org/x/term"
)

// Run serves dev's console port on the process's terminal (standard input and
// output, which must be a terminal) until ctx ends, the terminal closes, or
// the user, after leaving the CLI with quit, presses Ctrl+C or Ctrl+D instead
// of a key that logs on again. It returns nil in all these cases.
func Run(ctx context.Context, dev *vrp.Device) error {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return errors.New("console: standard input is not a terminal")
	}
	state, err := term.MakeRaw(fd)
	if err != nil {
		return fmt.Errorf("console: raw mode: %w", err)
	}
	defer term.Restore(fd, state)
	rl, err := startRelay()
	if err != nil {
		return err
	}
	defer rl.close()
	in, err := newInput(rl.keys())
	if err != nil {
		return err
	}
	defer in.close()
	c := newConsole(dev, in, os.Stdout)
	c.relay = rl
	defer context.AfterFunc(ctx, c.stop)()
	err = c.serve()
	if errors.Is(err, errStopped) || errors.Is(err, errHangup) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// action is what a key bound to the console asked for; it is taken when the
// line editor returns.
type action int

const (
	actNone   action = iota
	actCancel        // Ctrl+C: discard the line
	actCtrlZ         // discard the line, go to user view
	actStop          // the console is stopping or the session ended
)

// wakeKeys is the key sequence typed to the line editor to make it return
// when the console stops or the session ends; it is bound to the "vrp-wake"
// command, which does nothing otherwise.
const wakeKeys = "\x1c\x1d\x1c"

// console is one console port: a reeflective console whose menus are the
// device's views, over the terminal.
type console struct {
	dev   *vrp.Device
	in    *input // keys while the line editor does not read a line
	relay *relay
	out   io.Writer
	app   *rconsole.Console
	shell *readline.Shell

	sess   *vrp.Session // the logged-in session, nil between sessions
	action action
	line   string      // the line the menu's command executes
	exit   chan bool   // the result of Execute, from the menu's command
	ran    atomic.Bool // the menu's command ran for the current line

	lastActive atomic.Int64 // when the user last pressed a key (Unix ns)
	idle       atomic.Bool  // the session stayed idle too long

	outMu sync.Mutex
}

func newConsole(dev *vrp.Device, in *input, out io.Writer) *console {
	c := &console{dev: dev, in: in, out: out, exit: make(chan bool, 1)}
	c.app = rconsole.New("vrpsim")
	c.shell = c.app.Shell()
	c.setupShell()
	return c
}

// setupShell turns the reeflective shell into a VRP line editor: no syntax
// highlighting, hints, suggestions or multi-line input, and VRP's keys.
func (c *console) setupShell() {
	sh := c.shell
	// The editor redraws the line at each key: the hook notes the activity
	// and leaves the line as typed.
	sh.SyntaxHighlighter = func(line []rune) string {
		c.touch()
		return string(line)
	}
	sh.AcceptMultiline = func([]rune) bool { return true }
	sh.Completer = nil
	for name, value := range map[string]any{
		"editing-mode":            "emacs",
		"autopairs":               false,
		"blink-matching-paren":    false,
		"history-autosuggest":     false,
		"usage-hint-always":       false,
		"enable-bracketed-paste":  false,
		"echo-control-characters": false,
		"prompt-transient":        false,
		"transient-prompt":        false,
		"show-mode-in-prompt":     false,
		"disable-completion":      true,
	} {
		sh.Config.Set(name, value)
	}
	sh.Keymap.SetMain("emacs")
	sh.Keymap.Register(map[string]func(){
		"vrp-help":       c.keyHelp,
		"vrp-complete":   c.keyComplete,
		"vrp-ctrl-z":     c.keyCtrlZ,
		"vrp-cancel":     c.keyCancel,
		"vrp-kill-left":  c.keyKillLeft,
		"vrp-kill-right": c.keyKillRight,
		"vrp-wake":       c.keyWake,
		"vrp-ignore":     func() {},
	})
	binds := sh.Config.Binds["emacs"]
	for seq := range binds {
		// Ctrl+X is a key of its own, not the prefix of Emacs commands.
		if len(seq) > 1 && seq[0] == keyCtrlX {
			delete(binds, seq)
		}
	}
	for seq, cmd := range map[string]string{
		"?":                    "vrp-help",
		"\t":                   "vrp-complete",
		string(rune(keyCtrlZ)): "vrp-ctrl-z",
		string(rune(keyCtrlC)): "vrp-cancel",
		string(rune(keyCtrlX)): "vrp-kill-left",
		string(rune(keyCtrlY)): "vrp-kill-right",
		string(rune(keyCtrlD)): "vrp-ignore",
		wakeKeys:               "vrp-wake",
	} {
		sh.Config.Bind("emacs", seq, cmd, false)
	}
}

// stop ends the console: the line editor and every read return.
func (c *console) stop() {
	c.in.stop()
	c.wakeEditor()
}

// serve runs sessions until the console stops or the user leaves.
func (c *console) serve() error {
	for {
		if err := c.session(); err != nil {
			return err
		}
		// The session printed "Configuration console exit, please press
		// any key to log on" (or "time out, please retry to log on").
		c.in.woken() // forget an idle interrupt the session did not see
		r, err := c.in.readKey()
		if err != nil {
			return err
		}
		if r == keyCtrlC || r == keyCtrlD {
			return nil
		}
	}
}

// session logs on and runs the CLI until the session ends.
func (c *console) session() error {
	s, err := c.dev.ConsoleLogin(context.Background(), consoleTerminal{c})
	if errors.Is(err, errInterrupted) {
		return nil // Ctrl+C at the login dialogue: wait for a key again
	}
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	if s == nil {
		return nil // refused
	}
	defer s.Close()
	c.sess = s
	defer func() { c.sess = nil }()
	c.idle.Store(false)
	c.touch()
	ended := make(chan struct{})
	defer close(ended)
	go c.watch(s, ended)
	c.write(s.Banner())
	for {
		if c.in.isStopped() {
			return errStopped
		}
		menu := c.menu(s)
		line, err := c.readLine()
		act := c.action
		c.action = actNone
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			continue
		case err != nil:
			return err
		case act == actStop:
			if c.in.isStopped() {
				return errStopped
			}
			if c.idle.Load() {
				s.Timeout()
				return nil
			}
			select {
			case <-s.Done():
				return nil
			default:
				continue
			}
		case act == actCancel:
			continue
		case act == actCtrlZ:
			s.CtrlZ()
			continue
		}
		exit, err := c.execute(menu, line)
		if err != nil {
			return err
		}
		if exit {
			return nil
		}
		if c.idle.Load() {
			// The session timed out in the pager or a question.
			s.Timeout()
			return nil
		}
	}
}

// watch ends the session's wait for input when the device closes the
// session or the session stays idle longer than its idle timeout. It returns
// when the session ends.
func (c *console) watch(s *vrp.Session, ended <-chan struct{}) {
	timeout := s.IdleTimeout()
	var expired <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
		for {
			select {
			case <-ended:
				return
			case <-s.Done():
				c.wakeEditor()
				return
			case <-expired:
			}
			if left := timeout - time.Since(time.Unix(0, c.lastActive.Load())); left > 0 {
				timer.Reset(left)
				continue
			}
			c.idle.Store(true)
			c.in.interrupt()
			c.wakeEditor()
			return
		}
	}
	select {
	case <-ended:
	case <-s.Done():
		c.wakeEditor()
	}
}

// wakeEditor makes the line editor, if it is reading a line, run the
// "vrp-wake" command.
func (c *console) wakeEditor() { c.relay.wake(wakeKeys) }

// touch notes that the user pressed a key.
func (c *console) touch() { c.lastActive.Store(time.Now().UnixNano()) }

// menu makes the menu of the session's current view the active one, and
// returns it. Menus are named after the view: the prompt less the sysname.
func (c *console) menu(s *vrp.Session) *rconsole.Menu {
	prompt := s.Prompt()
	name := strings.Replace(prompt, c.dev.Sysname(), "", 1)
	menu := c.app.Menu(name)
	if menu == nil {
		menu = c.app.NewMenu(name)
		menu.Prompt().Primary = func() string {
			if s := c.sess; s != nil {
				return s.Prompt()
			}
			return ""
		}
		menu.AddHistorySource("session", sessionHistory{c})
		menu.SetCommands(c.commands)
	}
	c.app.SwitchMenu(name)
	c.shell.Prompt.Primary(menu.Prompt().Primary)
	return menu
}

// commands is the command tree of every menu: one command that runs the
// line through the device's CLI engine.
func (c *console) commands() *cobra.Command {
	return &cobra.Command{
		Use:                "vrp",
		DisableFlagParsing: true,
		SilenceErrors:      true,
		SilenceUsage:       true,
		Args:               cobra.ArbitraryArgs,
		CompletionOptions:  cobra.CompletionOptions{DisableDefaultCmd: true},
		Run: func(*cobra.Command, []string) {
			c.ran.Store(true)
			c.exit <- c.sess.Execute(c.line)
		},
	}
}

// execute runs line through the active menu's command and reports whether
// the session ended.
func (c *console) execute(menu *rconsole.Menu, line string) (bool, error) {
	c.line = line
	c.ran.Store(false)
	// The line travels whole in c.line, not split into shell words:
	// quotes, backslashes and "#" mean nothing special to VRP.
	err := menu.RunCommandArgs(context.Background(), []string{})
	if err != nil && !c.ran.Load() {
		return false, fmt.Errorf("console: %w", err)
	}
	// A signal may have ended the menu's wait before the command did.
	return <-c.exit, nil
}

// readLine reads a command line with the line editor. The keys go to the
// editor while it reads, in the order typed: those the console read ahead
// first; the keys the editor read past the end of the line come back.
func (c *console) readLine() (string, error) {
	c.relay.toEditor(c.in.takePending())
	if c.in.isStopped() || c.idle.Load() || c.sessionDone() {
		// A wake that came before the editor read lines was lost.
		c.wakeEditor()
	}
	line, err := c.shell.Readline()
	c.touch()
	var rest []byte
	for {
		b, empty := c.shell.Keys.Pop()
		if empty {
			break
		}
		rest = append(rest, b)
	}
	c.relay.fromEditor(bytes.ReplaceAll(rest, []byte(wakeKeys), nil))
	return line, err
}

// write prints device output: "\n" becomes CRLF (the terminal is raw).
func (c *console) write(s string) {
	if s == "" {
		return
	}
	c.outMu.Lock()
	defer c.outMu.Unlock()
	io.WriteString(c.out, strings.ReplaceAll(s, "\n", "\r\n"))
}

// consoleTerminal is what the session writes to and reads from.
type consoleTerminal struct{ c *console }

func (t consoleTerminal) Write(p []byte) (int, error) {
	t.c.write(string(p))
	return len(p), nil
}

func (t consoleTerminal) ReadLine(prompt string, echo bool) (string, error) {
	t.c.write(prompt)
	return readAnswer(t.ReadKey, t.c.write, echo)
}

func (t consoleTerminal) ReadKey() (rune, error) {
	r, err := t.c.in.readKey()
	if err == nil {
		t.c.touch()
	}
	return r, err
}

// sessionHistory shows the session's command history to the line editor.
// Lines enter it when the session executes them.
type sessionHistory struct{ c *console }

func (h sessionHistory) Write(string) (int, error) { return h.Len(), nil }

func (h sessionHistory) GetLine(i int) (string, error) {
	hist := h.history()
	if i < 0 || i >= len(hist) {
		return "", fmt.Errorf("console: no history line %d", i)
	}
	return hist[i], nil
}

func (h sessionHistory) Len() int { return len(h.history()) }

func (h sessionHistory) Dump() any { return h.history() }

func (h sessionHistory) history() []string {
	if s := h.c.sess; s != nil {
		return s.History()
	}
	return nil
}
