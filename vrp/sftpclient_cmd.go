package vrp

import (
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/pkg/sftp"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp/cli"
)

// sftpHelp is what help shows in the SFTP client view, in the device's order.
var sftpHelp = [][2]string{
	{"cd", "Change remote directory"},
	{"cdup", "Change remote directory to the parent directory"},
	{"delete", "Delete remote files"},
	{"dir", "List the files of a remote directory"},
	{"exit", "Quit from SFTP client view"},
	{"get", "Download a remote file"},
	{"help", "Display the help of the SFTP client commands"},
	{"ls", "List the files of a remote directory"},
	{"mkdir", "Create a remote directory"},
	{"put", "Upload a local file"},
	{"pwd", "Display the remote working directory"},
	{"quit", "Quit from SFTP client view"},
	{"remove", "Delete remote files"},
	{"rename", "Rename a remote file"},
	{"rmdir", "Remove remote directories"},
	{"bye", "Quit from SFTP client view"},
}

func sftpClientCommands() []*command {
	view := []string{viewSFTP}
	params := map[string]*cli.Param{
		"host":        cli.String(1, 255, "IP address or host name of the remote SSH server"),
		"port":        cli.Integer(1, 65535, "Port number of the remote SSH server"),
		"source-ip":   cli.IPv4("Source IP address"),
		"remote-file": cli.String(1, 255, "Remote file name"),
		"local-file":  cli.String(1, 160, "Local file name"),
		"remote-dir":  cli.String(1, 255, "Remote directory name"),
		"new-name":    cli.String(1, 255, "New remote file name"),
		"command":     cli.String(1, 16, "Command name"),
		"source":      cli.String(1, 320, "Source file: a local file, or user@host:file"),
		"destination": cli.String(1, 320, "Destination file: a local file, or user@host:file"),
		"port-number": cli.Integer(1, 65535, "Port number of the remote SSH server"),
		"interval":    cli.Integer(1, 3600, "Keepalive interval, in seconds (accepted, not used)"),
		"count":       cli.Integer(1, 30, "Keepalive count (accepted, not used)"),
	}
	words := map[string]string{
		"sftp": "Establish an SFTP connection", "-a": "Specify the source IP address", "ssh": "SSH",
		"client": "SSH client", "first-time": "Accept an unknown server after asking, the first time", "enable": "Enable",
		"server-info": "The public keys of the SSH servers", "scp": "Copy a file to or from a remote host over SSH",
		"-port": "Specify the port number of the remote SSH server",
		"cd":    "Change remote directory", "cdup": "Change remote directory to the parent directory",
		"pwd": "Display the remote working directory", "dir": "List the files of a remote directory",
		"ls": "List the files of a remote directory", "-l": "Show the details of the files",
		"get": "Download a remote file", "put": "Upload a local file", "mkdir": "Create a remote directory",
		"rmdir": "Remove remote directories", "remove": "Delete remote files", "delete": "Delete remote files",
		"rename": "Rename a remote file", "help": "Display the help of the SFTP client commands",
		"bye": "Quit from SFTP client view", "exit": "Quit from SFTP client view",
		"prefer_kex": "Specify the preferred key exchange algorithm", "prefer_ctos_cipher": "Specify the preferred client-to-server cipher",
		"prefer_stoc_cipher": "Specify the preferred server-to-client cipher", "prefer_ctos_hmac": "Specify the preferred client-to-server HMAC",
		"prefer_stoc_hmac": "Specify the preferred server-to-client HMAC", "-ki": "Specify the keepalive interval", "-kc": "Specify the keepalive count",
		"dh_group1": "Diffie-Hellman group 1 (diffie-hellman-group1-sha1)", "dh_exchange_group": "Diffie-Hellman group exchange",
		"dh_group14_sha1": "Diffie-Hellman group 14 (diffie-hellman-group14-sha1)", "des": "DES", "3des": "3DES (3des-cbc)",
		"aes128": "AES128 (aes128-cbc)", "aes256": "AES256", "aes128_ctr": "AES128 in counter mode", "aes256_ctr": "AES256 in counter mode",
		"md5": "HMAC-MD5", "md5_96": "HMAC-MD5-96", "sha1": "HMAC-SHA1", "sha1_96": "HMAC-SHA1-96", "sha2_256": "HMAC-SHA2-256",
		"sha2_256_96": "HMAC-SHA2-256-96",
	}
	cmd := func(syntax, help string, run cli.Handler[*callEnv]) *command {
		return &command{Views: view, Syntax: syntax, Level: 3, Help: help, Params: params, Words: words, Run: run}
	}
	return []*command{
		{Views: systemView, Syntax: "sftp [ -a <source-ip> ] <host> [ <port> ] [ prefer_kex " + choice(preferKex) + ":kex ]" +
			" [ prefer_ctos_cipher " + choice(preferCipher) + ":ctos-cipher ] [ prefer_stoc_cipher " + choice(preferCipher) + ":stoc-cipher ]" +
			" [ prefer_ctos_hmac " + choice(preferHMAC) + ":ctos-hmac ] [ prefer_stoc_hmac " + choice(preferHMAC) + ":stoc-hmac ]" +
			" [ -ki <interval> [ -kc <count> ] ]", Level: 3, Params: params, Words: words, Help: "Connect to an SSH server and enter the SFTP client view", Run: runSFTP},
		{Views: systemView, Syntax: "ssh client first-time enable", Level: 3, Words: words, Help: "Accept the public key of an unknown SSH server after asking", Run: runSSHFirstTime, Undo: "undo ssh client first-time enable", RunUndo: runUndoSSHFirstTime},
		{Views: all, Syntax: "display ssh server-info", Level: 1, Words: words, Filter: true, Help: "Display the public keys of SSH servers saved by the SSH client", Run: runDisplaySSHServerInfo},
		{Views: userView, Syntax: "scp [ -a <source-ip> ] [ -port <port-number> ] <source> <destination>", Level: 3, Params: params, Words: words, Help: "Copy a file between flash and a remote host over SSH", Run: runSCP},
		cmd("cd [ <remote-dir> ]", "Change remote directory", runSFTPCd),
		cmd("cdup", "Change remote directory to the parent directory", runSFTPCdup),
		cmd("pwd", "Display the remote working directory", runSFTPPwd),
		cmd("dir [ -l ] [ <remote-dir> ]", "List the files of a remote directory", runSFTPDir),
		cmd("ls [ -l ] [ <remote-dir> ]", "List the files of a remote directory", runSFTPDir),
		cmd("get <remote-file> [ <local-file> ]", "Download a remote file", runSFTPGet),
		cmd("put <local-file> [ <remote-file> ]", "Upload a local file", runSFTPPut),
		cmd("mkdir <remote-dir>", "Create a remote directory", runSFTPMkdir),
		cmd("rmdir <remote-dir> &<1-10>", "Remove remote directories", runSFTPRmdir),
		cmd("remove <remote-file> &<1-10>", "Delete remote files", runSFTPRemove),
		cmd("delete <remote-file> &<1-10>", "Delete remote files", runSFTPRemove),
		cmd("rename <remote-file> <new-name>", "Rename a remote file", runSFTPRename),
		cmd("help [ <command> ]", "Display the help of the SFTP client commands", runSFTPHelp),
		cmd("bye", "Quit from SFTP client view", runSFTPBye),
		cmd("exit", "Quit from SFTP client view", runSFTPBye),
	}
}

func runSFTP(e *callEnv, c *cli.Call) error {
	port := 22
	if _, ok := c.Lookup("port"); ok {
		port = c.Int("port")
	}
	return e.sftpOpen(sshTarget{host: c.Value("host"), port: port, source: c.Value("source-ip"), prefer: sshPrefer{
		kex: c.Value("kex"), ctosCipher: c.Value("ctos-cipher"), stocCipher: c.Value("stoc-cipher"),
		ctosHMAC: c.Value("ctos-hmac"), stocHMAC: c.Value("stoc-hmac"),
	}})
}

// choice is the syntax of a choice of the keys of m: { a | b | c }, sorted.
func choice(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "{ " + strings.Join(keys, " | ") + " }"
}

func runSSHFirstTime(e *callEnv, c *cli.Call) error {
	e.dev.setSSHFirstTime(true)
	return nil
}

func runUndoSSHFirstTime(e *callEnv, c *cli.Call) error {
	e.dev.setSSHFirstTime(false)
	return nil
}

func runDisplaySSHServerInfo(e *callEnv, c *cli.Call) error {
	infos := e.dev.sshServerInfo()
	if len(infos) == 0 {
		e.Print("Info: No SSH server public key is saved.\n")
		return nil
	}
	e.Print(fmt.Sprintf("%-25s%-25s%s\n", "Server Name(IP)", "Server public key name", "Server public key type"))
	e.Print(strings.Repeat("_", 72) + "\n")
	for _, in := range infos {
		e.Print(fmt.Sprintf("%-25s%-25s%s\n", in.server, in.key, strings.ToUpper(in.family)))
	}
	return nil
}

func runSFTPBye(e *callEnv, c *cli.Call) error {
	e.sftpBye()
	return nil
}

func runSFTPHelp(e *callEnv, c *cli.Call) error {
	want, one := c.Lookup("command")
	shown := false
	for _, h := range sftpHelp {
		if one && !strings.HasPrefix(h[0], strings.ToLower(want)) {
			continue
		}
		e.Print(fmt.Sprintf("  %-10s%s\n", h[0], h[1]))
		shown = true
	}
	if !shown {
		return refuse("Error: Unknown command %s.", maskControls(want))
	}
	return nil
}

func runSFTPPwd(e *callEnv, c *cli.Call) error {
	if e.sftp == nil {
		return refuse("Error: Not connected.")
	}
	e.Print(e.sftp.cwd + "\n")
	return nil
}

// sftpChdir makes dir the remote working directory, if it is one.
func (e *callEnv) sftpChdir(dir string) error {
	return e.sftpDo(func(cl *sftp.Client) error {
		p, err := cl.RealPath(e.sftp.remotePath(dir))
		if err != nil {
			return sftpStatusError(err, "directory")
		}
		fi, err := cl.Stat(p)
		if err != nil {
			return sftpStatusError(err, "directory")
		}
		if !fi.IsDir() {
			return refuse("Error: %s is not a directory.", maskControls(dir))
		}
		e.sftp.cwd = p
		return nil
	})
}

func runSFTPCd(e *callEnv, c *cli.Call) error {
	dir, ok := c.Lookup("remote-dir")
	if !ok {
		return runSFTPPwd(e, c)
	}
	return e.sftpChdir(dir)
}

func runSFTPCdup(e *callEnv, c *cli.Call) error {
	if err := e.sftpChdir(".."); err != nil {
		return err
	}
	e.Print("Current directory is:\n" + e.sftp.cwd + "\n")
	return nil
}

func runSFTPDir(e *callEnv, c *cli.Call) error {
	dir := c.Value("remote-dir")
	if dir == "" {
		dir = "."
	}
	return e.sftpDo(func(cl *sftp.Client) error {
		p := e.sftp.remotePath(dir)
		fi, err := cl.Stat(p)
		if err != nil {
			return sftpStatusError(err, "directory")
		}
		list := []os.FileInfo{fi}
		if fi.IsDir() {
			if list, err = cl.ReadDir(p); err != nil {
				return sftpStatusError(err, "directory")
			}
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Name() < list[j].Name() })
		for _, fi := range list {
			e.Print(maskControls(longLine(fi)) + "\n")
		}
		return nil
	})
}

func runSFTPGet(e *callEnv, c *cli.Call) error {
	remote := c.Value("remote-file")
	local, ok := c.Lookup("local-file")
	if !ok {
		local = path.Base(remote)
	}
	dst, err := e.localFile(local)
	if err != nil {
		return err
	}
	if fi, err := e.dev.fs.Stat(dst); err == nil {
		if fi.IsDir {
			return refuse("Error: %s is a directory.", dst)
		}
		ok, err := e.confirm(fmt.Sprintf("Warning: The file %s already exists. Overwrite it? (y/n)[n]:", dst))
		if err != nil || !ok {
			return err
		}
	}
	return e.sftpDo(func(cl *sftp.Client) error {
		src := e.sftp.remotePath(remote)
		e.Print(fmt.Sprintf("Remote file: %s --->  Local file: %s\n", maskControls(src), dst))
		e.out.flush()
		n, err := e.sftpDownload(cl, src, dst)
		if err != nil {
			return err
		}
		e.Print("Downloading file successfully ended.\n")
		e.dev.logf("SSH", 5, "SFTPC_GET", "The file was downloaded through SFTP. (Host=%s, RemoteFile=%s, LocalFile=%s, Bytes=%d)", e.sftp.host, src, dst, n)
		return nil
	})
}

func runSFTPPut(e *callEnv, c *cli.Call) error {
	src, err := e.localFile(c.Value("local-file"))
	if err != nil {
		return err
	}
	remote, ok := c.Lookup("remote-file")
	if !ok {
		remote = path.Base(src)
	}
	return e.sftpDo(func(cl *sftp.Client) error {
		dst := e.sftp.remotePath(remote)
		e.Print(fmt.Sprintf("Local file: %s --->  Remote file: %s\n", src, maskControls(dst)))
		e.out.flush()
		n, err := e.sftpUpload(cl, src, dst)
		if err != nil {
			return err
		}
		e.Print("Uploading file successfully ended.\n")
		e.dev.logf("SSH", 5, "SFTPC_PUT", "The file was uploaded through SFTP. (Host=%s, LocalFile=%s, RemoteFile=%s, Bytes=%d)", e.sftp.host, src, dst, n)
		return nil
	})
}

func runSFTPMkdir(e *callEnv, c *cli.Call) error {
	return e.sftpDo(func(cl *sftp.Client) error {
		if err := cl.Mkdir(e.sftp.remotePath(c.Value("remote-dir"))); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return refuse("Error: Failed to create the directory.")
			}
			return sftpStatusError(err, "directory")
		}
		e.Print("Info: Succeeded in creating a directory.\n")
		return nil
	})
}

func runSFTPRmdir(e *callEnv, c *cli.Call) error {
	return e.sftpRemoveEach(c.Values("remote-dir"), "directory", func(cl *sftp.Client, p string) error { return cl.RemoveDirectory(p) })
}

func runSFTPRemove(e *callEnv, c *cli.Call) error {
	return e.sftpRemoveEach(c.Values("remote-file"), "file", func(cl *sftp.Client, p string) error { return cl.Remove(p) })
}

// sftpRemoveEach asks once for each name and removes it.
func (e *callEnv) sftpRemoveEach(names []string, what string, remove func(*sftp.Client, string) error) error {
	if e.sftp == nil {
		return refuse("Error: Not connected.")
	}
	for _, name := range names {
		p := e.sftp.remotePath(name)
		ok, err := e.confirm("Are you sure to remove it?(Y/N):")
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		err = e.sftpDo(func(cl *sftp.Client) error {
			if err := remove(cl, p); err != nil {
				return sftpStatusError(err, what)
			}
			e.Print(fmt.Sprintf("Successfully removed the %s: %s\n", what, maskControls(p)))
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func runSFTPRename(e *callEnv, c *cli.Call) error {
	if e.sftp == nil {
		return refuse("Error: Not connected.")
	}
	from, to := e.sftp.remotePath(c.Value("remote-file")), e.sftp.remotePath(c.Value("new-name"))
	ok, err := e.confirm(fmt.Sprintf("Warning: Rename %s to %s?[Y/N]:", maskControls(from), maskControls(to)))
	if err != nil || !ok {
		return err
	}
	return e.sftpDo(func(cl *sftp.Client) error {
		if _, err := cl.Stat(to); err == nil {
			return refuse("Error: The file %s already exists.", maskControls(to))
		}
		if err := cl.Rename(from, to); err != nil {
			return sftpStatusError(err, "file")
		}
		return nil
	})
}

// scpRemote parses user@host:path.
func scpRemote(s string) (user, host, file string, ok bool) {
	at := strings.Index(s, "@")
	if at <= 0 || strings.HasPrefix(s, flash.Device) {
		return "", "", "", false
	}
	rest := s[at+1:]
	colon := strings.Index(rest, ":")
	if colon <= 0 {
		return "", "", "", false
	}
	return s[:at], rest[:colon], rest[colon+1:], true
}

// runSCP copies a file between flash and user@host:path over SSH. It
// speaks the SFTP protocol on the server (as OpenSSH's scp does by default
// since 9.0), so that it needs no shell on the server.
func runSCP(e *callEnv, c *cli.Call) error {
	src, dst := c.Value("source"), c.Value("destination")
	su, sh, sf, sRemote := scpRemote(src)
	du, dh, df, dRemote := scpRemote(dst)
	if sRemote == dRemote {
		return refuse("Error: Exactly one of the source and the destination must be a remote file (user@host:file).")
	}
	port := 22
	if _, ok := c.Lookup("port-number"); ok {
		port = c.Int("port-number")
	}
	tg := sshTarget{host: dh, user: du, port: port, source: c.Value("source-ip")}
	remote, local := df, src
	if sRemote {
		tg.host, tg.user = sh, su
		remote, local = sf, dst
	}
	if sRemote && remote != "" {
		// a download into a flash directory keeps the remote name
		if d, err := flash.Resolve(e.cwd, local); err == nil {
			if fi, err := e.dev.fs.Stat(d); err == nil && fi.IsDir {
				local = strings.TrimSuffix(d, "/") + "/" + path.Base(remote)
			}
		}
	}
	lp, err := e.localFile(local)
	if err != nil {
		return err
	}
	if !sRemote {
		if fi, err := e.dev.fs.Stat(lp); err != nil || fi.IsDir {
			return refuse("Error: The file %s does not exist.", lp)
		}
	}
	client, err := e.sshConnect(tg)
	if err != nil {
		if errors.Is(err, errSSHAborted) {
			return nil
		}
		return err
	}
	defer client.Close()
	cl, err := openSFTP(client)
	if err != nil {
		return err
	}
	defer cl.Close()
	if remote == "" {
		remote = "."
	}
	s := &sftpClientState{ssh: client, c: cl, host: tg.host}
	var n int64
	err = e.sftpWith(s, func(cl *sftp.Client) error {
		var err error
		if sRemote {
			n, err = e.sftpDownload(cl, remote, lp)
			return err
		}
		if fi, err := cl.Stat(remote); err == nil && fi.IsDir() {
			remote = path.Join(remote, path.Base(lp))
		}
		n, err = e.sftpUpload(cl, lp, remote)
		return err
	})
	if err != nil {
		return err
	}
	name := path.Base(remote)
	if !sRemote {
		name = path.Base(lp)
	}
	e.Print(fmt.Sprintf("%-28s100%%     %sBytes\n", maskControls(name), strconv.FormatInt(n, 10)))
	return nil
}
