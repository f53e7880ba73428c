package ftpd

import (
	"slices"
	"strings"
	"testing"
)

// TestHelpListsTheVerbTable: HELP's list names every verb of the table once,
// with '*' exactly on the unimplemented ones, and nothing else. The security
// extensions (RFC 2228/4217) answer 502 without being listed, and the
// extensions FEAT announces (RFC 2389/3659) are not listed either, as the
// device's list names neither.
func TestHelpListsTheVerbTable(t *testing.T) {
	security := []string{"ADAT", "AUTH", "CCC", "CONF", "ENC", "MIC", "PBSZ", "PROT"}
	extensions := []string{"OPTS", "SIZE", "MDTM", "MLST", "MLSD"}
	var listed []string
	for _, l := range helpText[1 : len(helpText)-1] { // between the header and the signature
		listed = append(listed, strings.Fields(l)...)
	}
	seen := map[string]bool{}
	for _, w := range listed {
		verb, star := strings.CutSuffix(w, "*")
		if seen[verb] {
			t.Errorf("HELP lists %s twice", verb)
		}
		seen[verb] = true
		_, known := commands[verb]
		_, unimpl := unimplemented[verb]
		switch {
		case star && !unimpl:
			t.Errorf("HELP marks %s unimplemented, but it is not in the unimplemented set", verb)
		case !star && !known:
			t.Errorf("HELP lists %s, which the verb table does not have", verb)
		}
	}
	var missing []string
	for verb := range commands {
		if !seen[verb] && !slices.Contains(extensions, verb) {
			missing = append(missing, verb)
		}
	}
	for verb := range unimplemented {
		if !seen[verb] && !slices.Contains(security, verb) {
			missing = append(missing, verb+"*")
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("HELP does not list %v", missing)
	}
}
