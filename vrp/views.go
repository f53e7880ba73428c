package vrp

import (
	"fmt"
	"strings"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

// viewInfo describes a view: its prompt, the title of its "?" help, the
// name the command reference gives it, whether return and Ctrl+Z lead from
// it to user view, and what display this shows in it.
type viewInfo struct {
	name   string // the grammar's name of the view (viewUser, ...)
	title  string // "?" shows "<title> commands:"
	noun   string // the command reference's name, before the prompt
	prompt string // fmt format of the prompt: the sysname, then the view's argument
	// returns: return and Ctrl+Z go to user view from here (the
	// configuration views).
	returns bool
	section section // what display this shows
	sample  string  // the argument the command reference shows in the prompt; "N" when empty
}

// viewTable is every view of the device. Prompts, "?" help titles, return,
// Ctrl+Z, display this and the command reference all read it.
var viewTable = []viewInfo{
	{name: viewUser, title: "User view", noun: "user view", prompt: "<%s>", section: sectionGlobal},
	{name: viewSystem, title: "System view", noun: "system view", prompt: "[%s]", returns: true, section: sectionGlobal},
	{name: viewAAA, title: "AAA view", noun: "AAA view", prompt: "[%s-aaa]", returns: true, section: sectionAAA},
	{name: viewVTY, title: "User-interface view", noun: "VTY view", prompt: "[%s-ui-vty0-4]", returns: true, section: sectionVTY},
	{name: viewConsole, title: "User-interface view", noun: "console view", prompt: "[%s-ui-console0]", returns: true, section: sectionConsole},
	{name: viewACL, title: "Basic ACL view", noun: "basic ACL view", prompt: "[%s-acl-basic-%s]", returns: true, section: sectionACL},
	{name: viewFTP, title: "FTP client view", noun: "FTP client view", prompt: "[%s-ftp]", section: sectionGlobal},
	{name: viewSFTP, title: "SFTP client view", noun: "SFTP client view", prompt: "sftp-client>", section: sectionGlobal},
	{name: viewGE, title: "Interface view", noun: "GigabitEthernet interface view", prompt: "[%s-%s]", returns: true, section: sectionInterface, sample: "GigabitEthernet0/0/0"},
	{name: viewLoopBack, title: "Interface view", noun: "LoopBack interface view", prompt: "[%s-%s]", returns: true, section: sectionInterface, sample: "LoopBackN"},
	{name: viewPeerKey, title: "Public key view", noun: "peer public key view", prompt: "[%s-%s-public-key]", returns: true, section: sectionGlobal, sample: "rsa"},
	{name: viewKeyCode, title: "Public key code view", noun: "public key code view", prompt: "[%s-%s-key-code]", returns: true, section: sectionGlobal, sample: "rsa"},
	{name: viewNULL, title: "Interface view", noun: "NULL interface view", prompt: "[%s-%s]", returns: true, section: sectionInterface, sample: "NULL0"},
	{name: viewSwitchPort, title: "Interface view", noun: "switch port interface view (S-series)", prompt: "[%s-%s]", returns: true, section: sectionInterface, sample: "GigabitEthernet0/0/1"},
}

// viewOf returns the description of a view.
func viewOf(name string) viewInfo {
	for _, v := range viewTable {
		if v.name == name {
			return v
		}
	}
	panic("vrp: unknown view " + name)
}

// promptOf renders the prompt of view v for a device named sysname.
func (v viewInfo) promptOf(sysname, arg string) string {
	if strings.Count(v.prompt, "%s") == 2 { // the view's argument too
		return fmt.Sprintf(v.prompt, sysname, arg)
	}
	if v.name == viewSFTP {
		return v.prompt // the device's SFTP prompt names no device
	}
	return fmt.Sprintf(v.prompt, sysname)
}

// referenceName is how the command reference names the view:
// "basic ACL view `[Huawei-acl-basic-N]`".
func (v viewInfo) referenceName() string {
	arg := v.sample
	if arg == "" {
		arg = "N"
	}
	return v.noun + " `" + v.promptOf("Huawei", arg) + "`"
}

// returnViews are the views return leaves for user view.
func returnViews() []string {
	var out []string
	for _, v := range viewTable {
		if v.returns {
			out = append(out, v.name)
		}
	}
	return out
}

// viewReferenceName names a command's view in the command reference.
func viewReferenceName(name string) string {
	if name == cli.AllViews {
		return "all views"
	}
	return viewOf(name).referenceName()
}
