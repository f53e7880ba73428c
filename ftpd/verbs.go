package ftpd

// The verb table: every FTP command the server knows, its argument rule and
// its HELP text; the verbs themselves are in verbs_*.go by family.

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

// helpText is the HELP reply: the device's list (device-reference.md 4.6),
// with '*' on what this server does not implement. As on the device, the
// extensions of RFC 2389 and 3659 that FEAT announces (OPTS, SIZE, MDTM,
// MLST, MLSD) are not listed.
var helpText = []string{
	"The following commands are recognized (Commands marked with '*' are unimplemented).",
	"USER PASS ACCT CWD CDUP SMNT* QUIT REIN*",
	"PORT PASV TYPE STRU MODE RETR STOR STOU",
	"APPE ALLO REST RNFR RNTO ABOR DELE RMD",
	"MKD PWD LIST NLST SITE SYST STAT HELP",
	"NOOP XCUP XCWD XMKD XPWD XRMD EPRT EPSV",
	"FEAT",
	"Direct comments to Huawei Tech.",
}
