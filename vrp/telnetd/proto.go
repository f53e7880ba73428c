package telnetd

// The Telnet protocol (RFC 854, 855): commands start with IAC; option
// negotiation follows RFC 1143's rules so that no negotiation loops.

// Telnet command bytes.
const (
	cmdSE   = 240
	cmdNOP  = 241
	cmdDM   = 242
	cmdBRK  = 243
	cmdIP   = 244
	cmdAO   = 245
	cmdAYT  = 246
	cmdEC   = 247
	cmdEL   = 248
	cmdGA   = 249
	cmdSB   = 250
	cmdWILL = 251
	cmdWONT = 252
	cmdDO   = 253
	cmdDONT = 254
	cmdIAC  = 255
)

// Options the server knows.
const (
	optBinary = 0
	optEcho   = 1
	optSGA    = 3 // suppress go-ahead
	optNAWS   = 31
)

// maxSubneg bounds a subnegotiation's payload; a longer one is dropped.
const maxSubneg = 64

// parser states.
const (
	stData   = iota
	stCR     // after CR in data
	stIAC    // after IAC in data
	stOpt    // after WILL/WONT/DO/DONT, waiting for the option
	stSB     // after IAC SB, waiting for the option
	stSBData // in a subnegotiation's payload
	stSBIAC  // after IAC in a subnegotiation
)

// Event is a Telnet command the parser found in the input.
type Event struct {
	Cmd     byte   // cmdWILL, cmdWONT, cmdDO, cmdDONT, cmdSB, or a one-byte command (cmdAYT, cmdIP, ...)
	Opt     byte   // the option of WILL/WONT/DO/DONT/SB
	Payload []byte // SB's payload, IAC IAC undone (nil when dropped for its length)
}

// Parser splits a Telnet input stream into data and commands. Its zero
// value is ready; it keeps its state between calls to Parse, so that a
// command split across reads is found whole.
type Parser struct {
	state  int
	cmd    byte
	opt    byte
	sb     []byte
	sbLong bool
	data   []byte
	events []Event
}

// Parse parses p. It appends the data bytes to data (IAC IAC becomes one
// 0xFF; CR NUL becomes CR, CR LF stays CR LF) and returns them with the
// commands found in p.
func (ps *Parser) Parse(p, data []byte) ([]byte, []Event) {
	ps.data, ps.events = data, nil
	for _, b := range p {
		ps.step(b)
	}
	data, events := ps.data, ps.events
	ps.data, ps.events = nil, nil
	return data, events
}

// step parses one byte.
func (ps *Parser) step(b byte) {
	switch ps.state {
	case stCR:
		ps.state = stData
		if b == 0 {
			return // CR NUL is a bare carriage return
		}
		ps.step(b)
	case stData:
		switch b {
		case cmdIAC:
			ps.state = stIAC
		case '\r':
			ps.data = append(ps.data, b)
			ps.state = stCR
		default:
			ps.data = append(ps.data, b)
		}
	case stIAC:
		ps.state = stData
		switch b {
		case cmdIAC:
			ps.data = append(ps.data, cmdIAC)
		case cmdWILL, cmdWONT, cmdDO, cmdDONT:
			ps.cmd = b
			ps.state = stOpt
		case cmdSB:
			ps.state = stSB
		case cmdSE:
			// SE outside a subnegotiation: ignored
		default:
			ps.events = append(ps.events, Event{Cmd: b})
		}
	case stOpt:
		ps.events = append(ps.events, Event{Cmd: ps.cmd, Opt: b})
		ps.state = stData
	case stSB:
		ps.opt = b
		ps.sb = ps.sb[:0]
		ps.sbLong = false
		ps.state = stSBData
	case stSBData:
		if b == cmdIAC {
			ps.state = stSBIAC
			return
		}
		ps.addSB(b)
	case stSBIAC:
		switch b {
		case cmdIAC:
			ps.addSB(cmdIAC)
			ps.state = stSBData
		case cmdSE:
			ev := Event{Cmd: cmdSB, Opt: ps.opt}
			if !ps.sbLong {
				ev.Payload = append([]byte{}, ps.sb...)
			}
			ps.events = append(ps.events, ev)
			ps.state = stData
		default:
			// another command ends the subnegotiation unfinished (RFC
			// 855 leaves this open): it is dropped and the byte read as
			// the command after IAC
			ps.state = stIAC
			ps.step(b)
		}
	}
}

func (ps *Parser) addSB(b byte) {
	if len(ps.sb) >= maxSubneg {
		ps.sbLong = true
		return
	}
	ps.sb = append(ps.sb, b)
}

// Escape appends p to out as Telnet data: IAC doubled, and a CR that is not
// followed by LF in p sent as CR NUL (RFC 854).
func Escape(out, p []byte) []byte {
	for i, b := range p {
		switch {
		case b == cmdIAC:
			out = append(out, cmdIAC, cmdIAC)
		case b == '\r' && (i+1 >= len(p) || p[i+1] != '\n'):
			out = append(out, '\r', 0)
		default:
			out = append(out, b)
		}
	}
	return out
}

// optState is one side of an option, per RFC 1143 (without the queue bit:
// the server never changes its mind while a request is pending).
type optState uint8

const (
	optNo optState = iota
	optYes
	optWantYes // we asked to enable, no answer yet
	optWantNo  // we asked to disable, no answer yet
)

// Negotiator keeps the state of the options of one connection: the
// server's own (us: WILL/WONT it sends, DO/DONT it receives) and the
// client's (him: DO/DONT it sends, WILL/WONT it receives). It accepts to
// do ECHO and SUPPRESS-GO-AHEAD itself and asks the client for NAWS; every
// other option is refused.
type Negotiator struct {
	us, him [256]optState
	// Width and Height are the window size the client last reported
	// (NAWS); 0 when unknown.
	Width, Height int
}

// Start returns the server's opening requests: WILL ECHO, WILL SGA, DO
// NAWS.
func (n *Negotiator) Start() []byte {
	n.us[optEcho], n.us[optSGA], n.him[optNAWS] = optWantYes, optWantYes, optWantYes
	return []byte{cmdIAC, cmdWILL, optEcho, cmdIAC, cmdWILL, optSGA, cmdIAC, cmdDO, optNAWS}
}

func (n *Negotiator) weWill(opt byte) bool  { return opt == optEcho || opt == optSGA }
func (n *Negotiator) heMay(opt byte) bool   { return opt == optNAWS }
func reply(cmd, opt byte) []byte            { return []byte{cmdIAC, cmd, opt} }
func (n *Negotiator) Echo() bool            { return n.us[optEcho] == optYes }
func (n *Negotiator) SuppressGoAhead() bool { return n.us[optSGA] == optYes }

// Handle applies one event and returns the bytes to send back (nil for
// none). A command the server does not act on (NOP, GA, BRK, ...) gives
// nothing; AYT is answered by the caller, IP by the caller too.
func (n *Negotiator) Handle(ev Event) []byte {
	o := ev.Opt
	switch ev.Cmd {
	case cmdDO:
		switch n.us[o] {
		case optNo:
			if n.weWill(o) {
				n.us[o] = optYes
				return reply(cmdWILL, o)
			}
			return reply(cmdWONT, o)
		case optWantYes:
			n.us[o] = optYes
		case optWantNo:
			// we asked to stop and he insists: RFC 1143 says the
			// request was refused
			n.us[o] = optNo
		}
	case cmdDONT:
		switch n.us[o] {
		case optYes:
			n.us[o] = optNo
			return reply(cmdWONT, o)
		case optWantYes, optWantNo:
			n.us[o] = optNo
		}
	case cmdWILL:
		switch n.him[o] {
		case optNo:
			if n.heMay(o) {
				n.him[o] = optYes
				return reply(cmdDO, o)
			}
			return reply(cmdDONT, o)
		case optWantYes:
			n.him[o] = optYes
		case optWantNo:
			n.him[o] = optNo
		}
	case cmdWONT:
		switch n.him[o] {
		case optYes:
			n.him[o] = optNo
			return reply(cmdDONT, o)
		case optWantYes, optWantNo:
			n.him[o] = optNo
		}
	case cmdSB:
		if o == optNAWS && n.him[optNAWS] == optYes && len(ev.Payload) == 4 {
			n.Width = int(ev.Payload[0])<<8 | int(ev.Payload[1])
			n.Height = int(ev.Payload[2])<<8 | int(ev.Payload[3])
		}
	}
	return nil
}
