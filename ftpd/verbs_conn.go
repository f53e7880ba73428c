package ftpd

// The data connection's settings: PORT, EPRT, PASV, EPSV, TYPE, STRU, MODE,
// ALLO, REST, ABOR.

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

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

func cmdABOR(s *session, _ string) bool {
	s.closeData()
	s.reply(225, "No transfer to abort.")
	return false
}
