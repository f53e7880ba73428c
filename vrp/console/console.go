// Package console attaches the process's own terminal to a device's console
// port: the local CLI of a simulated VRP device, as a serial cable would give.
//
// The line discipline is vrp/tty's, as on the SSH front end: the terminal
// gets the device's plain bytes (echo, "\b" to erase, a plain re-print of
// the prompt and the line after "?"), never an escape sequence or a query
// it must answer, so a terminal that answers nothing (a pexpect pty, a
// serial bridge, TERM=dumb) works. "?" shows help (vrp.Session.Help), Tab
// completes (vrp.Session.Complete), Ctrl+Z returns to user view, Ctrl+C
// discards the line, Ctrl+X and Ctrl+Y delete left and right of the cursor,
// Up and Down walk the session's command history; the pager and questions
// ("(y/n)[n]") read keys from the same input, in the order typed. The idle
// timeout of "user-interface con 0" applies; after quit or a time-out a key
// logs on again.
//
// The console is a reeflective/console application: each VRP view is one
// of its menus, named after the view, whose prompt is the device's prompt
// ("<Huawei>", "[Huawei-aaa]", ...) and whose only command is a catch-all
// that hands the whole line to the device's CLI engine (vrp.Session.Execute):
// the engine owns parsing, abbreviations and errors, so the console prints
// the same bytes as an SSH session. The application's readline shell is not
// used: the console reads the terminal itself (one reader, no other
// goroutine reads standard input) and runs each line through the active
// menu's command (Menu.RunCommandArgs).
//
// Login follows "user-interface con 0": by default no authentication, level
// 15; with authentication-mode aaa or password, the device's dialogue.
package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	rconsole "github.com/reeflective/console"
	"github.com/spf13/cobra"
	"github.com/vrpsim/vrpsim/vrp"
	"github.com/vrpsim/vrpsim/vrp/tty"
	"golang.org/x/term"
)

// Keys the console handles itself between sessions.
const (
	keyCtrlC = 0x03
	keyCtrlD = 0x04
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
	in, err := newInput(fd)
	if err != nil {
		return err
	}
	defer in.close()
	c := newConsole(dev, in, os.Stdout)
	defer context.AfterFunc(ctx, in.stop)()
	err = c.serve()
	c.term.Flush()
	if errors.Is(err, errStopped) || errors.Is(err, errHangup) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// console is one console port: a reeflective console whose menus are the
// device's views, over the terminal.
type console struct {
	dev  *vrp.Device
	in   *input
	term *tty.Terminal
	app  *rconsole.Console

	sess *vrp.Session // the logged-in session, nil between sessions
	line string       // the line the menu's command executes
	exit chan bool    // the result of Execute, from the menu's command
	ran  atomic.Bool  // the menu's command ran for the current line
}

func newConsole(dev *vrp.Device, in *input, out io.Writer) *console {
	return &console{
		dev:  dev,
		in:   in,
		term: tty.New(in, out),
		app:  rconsole.New("vrpsim"),
		exit: make(chan bool, 1),
	}
}

// serve runs sessions until the console stops or the user leaves.
func (c *console) serve() error {
	for {
		if err := c.session(); err != nil {
			return err
		}
		// The session printed "Configuration console exit, please press
		// any key to log on" (or "time out, please retry to log on").
		r, err := c.term.ReadKey()
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
	s, err := c.dev.ConsoleLogin(context.Background(), c.term)
	if errors.Is(err, tty.ErrInterrupted) {
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
	c.in.serve(s.IdleTimeout, s.Done())
	defer c.in.endSession()
	ended := make(chan struct{})
	defer close(ended)
	go func() {
		// The device may close the session (its user was deleted): the
		// wait for input ends then.
		select {
		case <-s.Done():
			c.in.wake()
		case <-ended:
		}
	}()
	io.WriteString(c.term, s.Banner())
	for {
		menu := c.menu(s)
		line, end, err := c.term.ReadCommand(s.Prompt(), s)
		switch {
		case errors.Is(err, errIdle):
			s.Timeout()
			return nil
		case errors.Is(err, errEnded):
			return nil
		case err != nil:
			return err
		}
		switch end {
		case tty.Cancel:
			continue
		case tty.CtrlZ:
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
		if c.in.timedOut {
			// The session timed out in the pager or a question.
			s.Timeout()
			return nil
		}
	}
}

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
		menu.SetCommands(c.commands)
	}
	c.app.SwitchMenu(name)
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
