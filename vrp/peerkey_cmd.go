package vrp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

// keyEdit is a peer public key being typed: its family and name, and the
// key code so far.
type keyEdit struct {
	family, name string
	code         strings.Builder
}

// hexWord is a word of key code: hexadecimal digits.
var hexWord = &cli.Param{
	Token: "HEX<1-255>",
	Help:  "Public key code, in hexadecimal",
	Valid: func(w string) bool {
		if len(w) == 0 || len(w) > 255 {
			return false
		}
		for _, c := range w {
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
		return true
	},
}

// familyTitle is how the device names a key family in its texts.
var familyTitle = map[string]string{keyRSA: "RSA", keyECC: "ECC", keyEd25519: "ED25519"}

func peerKeyCommands() []*command {
	params := map[string]*cli.Param{
		"key-name":    cli.String(1, 255, "Name of the public key"),
		"server-name": cli.String(1, 255, "Host name or IP address of the SSH server"),
		"hex-data":    hexWord,
	}
	words := map[string]string{
		"rsa": "Specify RSA module", "ecc": "Specify ECC module", "ed25519": "Specify Ed25519 module (the simulation's)",
		"peer-public-key": "Public key of a peer", "encoding-type": "Specify the encoding type of the public key",
		"der": "DER: the key code in hexadecimal", "public-key-code": "Public key code", "begin": "Begin to type the key code",
		"end": "End", "ssh": "SSH", "client": "SSH client", "assign": "Assign a public key to an SSH server",
		"rsa-key": "RSA public key", "ecc-key": "ECC public key", "ed25519-key": "Ed25519 public key (the simulation's)",
	}
	cmd := func(views []string, syntax, help string, run cli.Handler[*callEnv]) *command {
		return &command{Views: views, Syntax: syntax, Level: 3, Help: help, Params: params, Words: words, Run: run}
	}
	sys := []string{viewSystem}
	rsa := cmd(sys, "rsa peer-public-key <key-name> [ encoding-type der ]", "Create an RSA public key of a peer and enter its view", runPeerKey(keyRSA))
	rsa.Undo, rsa.RunUndo = "undo rsa peer-public-key <key-name>", runUndoPeerKey(keyRSA)
	ecc := cmd(sys, "ecc peer-public-key <key-name> encoding-type der", "Create an ECC public key of a peer and enter its view", runPeerKey(keyECC))
	ecc.Undo, ecc.RunUndo = "undo ecc peer-public-key <key-name>", runUndoPeerKey(keyECC)
	ed := cmd(sys, "ed25519 peer-public-key <key-name> encoding-type der", "Create an Ed25519 public key of a peer and enter its view (the simulation's)", runPeerKey(keyEd25519))
	ed.Undo, ed.RunUndo = "undo ed25519 peer-public-key <key-name>", runUndoPeerKey(keyEd25519)
	assign := cmd(sys, "ssh client <server-name> assign { rsa-key | ecc-key | ed25519-key }:kind <key-name>", "Assign a saved public key to an SSH server", runSSHClientAssign)
	assign.Undo, assign.RunUndo = "undo ssh client <server-name> assign { rsa-key | ecc-key | ed25519-key }:kind", runUndoSSHClientAssign
	return []*command{
		rsa, ecc, ed, assign,
		cmd([]string{viewPeerKey}, "public-key-code begin", "Enter the public key code view", runKeyCodeBegin),
		cmd([]string{viewPeerKey}, "peer-public-key end", "Return to system view", runPeerKeyEnd),
		cmd([]string{viewKeyCode}, "<hex-data> &<1-64>", "Type the public key code", runKeyCodeLine),
		cmd([]string{viewKeyCode}, "public-key-code end", "Save the public key code and return to the public key view", runKeyCodeEnd),
	}
}

func runPeerKey(family string) cli.Handler[*callEnv] {
	return func(e *callEnv, c *cli.Call) error {
		e.key = &keyEdit{family: family, name: c.Value("key-name")}
		e.Print(fmt.Sprintf("Enter \"%s public key\" view, return system view with \"peer-public-key end\".\n", familyTitle[family]))
		e.enter(viewPeerKey, family)
		return nil
	}
}

func runUndoPeerKey(family string) cli.Handler[*callEnv] {
	return func(e *callEnv, c *cli.Call) error {
		found, err := e.dev.deletePeerKey(c.Value("key-name"), family)
		switch {
		case errors.Is(err, errKeyAssigned):
			return refuse("Error: The public key is assigned to an SSH server. Delete the assignment first.")
		case !found:
			return refuse("Error: The public key %s does not exist.", maskControls(c.Value("key-name")))
		}
		return nil
	}
}

func runKeyCodeBegin(e *callEnv, c *cli.Call) error {
	if e.key == nil {
		return refuse("Error: No public key is being configured.")
	}
	e.key.code.Reset()
	e.Print(fmt.Sprintf("Enter \"%s key code\" view, return last view with \"public-key-code end\".\n", familyTitle[e.key.family]))
	e.enter(viewKeyCode, e.key.family)
	return nil
}

func runKeyCodeLine(e *callEnv, c *cli.Call) error {
	if e.key == nil {
		return refuse("Error: No public key is being configured.")
	}
	words := strings.Join(c.Values("hex-data"), "")
	if e.key.code.Len()+len(words) > maxKeyCode {
		return refuse("Error: The public key code is too long.")
	}
	e.key.code.WriteString(words)
	return nil
}

func runKeyCodeEnd(e *callEnv, c *cli.Call) error {
	e.views = e.views[:len(e.views)-1]
	if e.key == nil {
		return refuse("Error: No public key is being configured.")
	}
	k, err := parseKeyCode(e.key.family, e.key.code.String())
	e.key.code.Reset()
	if err != nil {
		return refuse("Error: The public key code is invalid: %s.", err)
	}
	e.dev.addPeerKey(e.key.name, e.key.family, k)
	return nil
}

func runPeerKeyEnd(e *callEnv, c *cli.Call) error {
	e.key = nil
	e.views = e.views[:len(e.views)-1]
	return nil
}

func runSSHClientAssign(e *callEnv, c *cli.Call) error {
	family := strings.TrimSuffix(c.Value("kind"), "-key")
	if !e.dev.assignPeerKey(c.Value("server-name"), family, c.Value("key-name")) {
		return refuse("Error: The %s public key %s does not exist.", familyTitle[family], maskControls(c.Value("key-name")))
	}
	return nil
}

func runUndoSSHClientAssign(e *callEnv, c *cli.Call) error {
	family := strings.TrimSuffix(c.Value("kind"), "-key")
	if !e.dev.unassignPeerKey(c.Value("server-name"), family) {
		return refuse("Error: No %s public key is assigned to the SSH server %s.", familyTitle[family], maskControls(c.Value("server-name")))
	}
	return nil
}
