package ftpd

// Logging in and out: USER, PASS, ACCT, QUIT.

import (
	"fmt"

	"github.com/vrpsim/vrpsim/flash"
)

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

func cmdQUIT(s *session, _ string) bool {
	s.reply(221, "Server closing.")
	return true
}
