package aaa

import "strings"

// Service is a set of access types, as given to `local-user NAME service-type`.
// The zero value is the empty set (a new user may use no service).
type Service uint16

// The access types of `local-user NAME service-type`, in the device's order.
const (
	Service8021X Service = 1 << iota
	ServiceAPI
	ServiceFTP
	ServiceHTTP
	ServicePPP
	ServiceSSH
	ServiceTelnet
	ServiceTerminal
	ServiceWeb
	ServiceX25PAD

	// ServiceAll is the union of every access type.
	ServiceAll = Service8021X | ServiceAPI | ServiceFTP | ServiceHTTP | ServicePPP |
		ServiceSSH | ServiceTelnet | ServiceTerminal | ServiceWeb | ServiceX25PAD
)

// serviceInfo describes one access type: its keyword and its letter in the
// AuthMask column of `display local-user`.
type serviceInfo struct {
	svc    Service
	word   string
	letter byte
}

// serviceTable is in keyword order, the order of the command syntax and of the
// rendered configuration.
var serviceTable = [...]serviceInfo{
	{Service8021X, "8021x", 'X'},
	{ServiceAPI, "api", 'I'},
	{ServiceFTP, "ftp", 'F'},
	{ServiceHTTP, "http", 'H'},
	{ServicePPP, "ppp", 'P'},
	{ServiceSSH, "ssh", 'S'},
	{ServiceTelnet, "telnet", 'T'},
	{ServiceTerminal, "terminal", 'M'},
	{ServiceWeb, "web", 'W'},
	{ServiceX25PAD, "x25-pad", 'D'},
}

// maskOrder is the order of the letters in Mask. The device samples show
// "TMH", "SH" and "FT"; F T M S H satisfies all three, and the letters no sample
// shows follow in keyword order.
var maskOrder = [...]Service{
	ServiceFTP, ServiceTelnet, ServiceTerminal, ServiceSSH, ServiceHTTP,
	ServiceWeb, Service8021X, ServicePPP, ServiceAPI, ServiceX25PAD,
}

// ParseService returns the access type named by a complete keyword of
// `local-user NAME service-type` ("8021x", "api", "ftp", "http", "ppp", "ssh",
// "telnet", "terminal", "web", "x25-pad"), matched case-insensitively.
// Abbreviations are the CLI's business.
func ParseService(word string) (Service, bool) {
	for _, si := range serviceTable {
		if strings.EqualFold(word, si.word) {
			return si.svc, true
		}
	}
	return 0, false
}

// ServiceWords returns every keyword of `service-type`, in the device's order,
// for the CLI grammar and its help.
func ServiceWords() []string {
	words := make([]string, len(serviceTable))
	for i, si := range serviceTable {
		words[i] = si.word
	}
	return words
}

// Words returns the keywords of the set in the device's order, as rendered in
// `local-user NAME service-type ftp ssh terminal`. It is empty for the empty set.
func (s Service) Words() []string {
	var words []string
	for _, si := range serviceTable {
		if s&si.svc != 0 {
			words = append(words, si.word)
		}
	}
	return words
}

// String returns the keywords separated by spaces, or "none" for the empty set.
func (s Service) String() string {
	if s&ServiceAll == 0 {
		return "none"
	}
	return strings.Join(s.Words(), " ")
}

// Mask returns the letters of the AuthMask column of `display local-user` and
// the Service-type-mask field of `display local-user username NAME`: F ftp,
// T telnet, M terminal, S ssh, H http, W web, X 802.1x, P ppp, I api and
// D x25-pad, in that order. The empty set is "-".
func (s Service) Mask() string {
	var b []byte
	for _, svc := range maskOrder {
		if s&svc != 0 {
			for _, si := range serviceTable {
				if si.svc == svc {
					b = append(b, si.letter)
				}
			}
		}
	}
	if len(b) == 0 {
		return "-"
	}
	return string(b)
}

// Insecure reports whether the set includes Telnet, FTP or HTTP, the access types
// for which the device warns "The user access modes include Telnet, FTP or HTTP,
// and so security risks exist." and turns a cipher password into an
// irreversible-cipher one (see User.PasswordKind).
func (s Service) Insecure() bool {
	return s&(ServiceTelnet|ServiceFTP|ServiceHTTP) != 0
}
