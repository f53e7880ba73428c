package ftpd

// Everything else: SITE, SYST, STAT, HELP, NOOP, FEAT, OPTS.

import (
	"fmt"
	"strings"
)

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
