package vrp

import (
	"context"
	"fmt"
	"net/netip"
	"path"
	"strings"

	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp/cli"
)

func ftpClientCommands() []*command {
	ftpView := []string{viewFTP}
	host := cli.String(1, 255, "IP address or host name of the remote FTP server")
	port := cli.Integer(1, 65535, "Port number of the remote FTP server")
	src := cli.IPv4("Source IP address")
	remote := cli.String(1, 255, "Remote file name")
	local := cli.String(1, 160, "Local file name")
	dir := cli.String(1, 255, "Directory name")
	params := map[string]*cli.Param{"host": host, "port": port, "source-ip": src, "remote-file": remote, "local-file": local, "dir": dir,
		"files": cli.String(1, 255, "File names; * matches any characters"), "new-name": remote, "remote-user": cli.String(1, 64, "User name"),
		"interface":       cli.String(1, 63, "Interface type and number"),
		"remote-password": cli.Secret(cli.String(1, 128, "Password")), "command": cli.String(1, 16, "Command name")}
	words := map[string]string{
		"ftp": "Establish an FTP connection", "ascii": "Set the file transfer type to ASCII", "binary": "Set the file transfer type to binary",
		"passive": "Set the data connection mode to passive", "get": "Download a remote file", "put": "Upload a local file",
		"mget": "Download remote files", "mput": "Upload local files", "dir": "List the files of a remote directory",
		"ls": "List the names of files in a remote directory", "cd": "Change the remote working directory", "cdup": "Go to the remote parent directory",
		"pwd": "Display the remote working directory", "lcd": "Display or change the local working directory", "mkdir": "Create a remote directory",
		"rmdir": "Remove a remote directory", "delete": "Delete a remote file", "rename": "Rename a remote file", "open": "Connect to a remote FTP server",
		"close": "Close the FTP connection", "disconnect": "Close the FTP connection", "user": "Log in with another user name",
		"verbose": "Show the FTP dialogue", "prompt": "Ask before each file of mget and mput", "remotehelp": "Show the help of the remote server",
		"bye": "Close the connection and leave the FTP client view", "quit": "Close the connection and leave the FTP client view",
		"-a": "Specify the source IP address", "ftp-client": "FTP client information",
		"ipv6": "Connect to an IPv6 server", "client-source": "Specify the source address of the FTP client", "-i": "Specify the source interface",
	}
	cmd := func(syntax, help string, run cli.Handler[*callEnv]) *command {
		return &command{Views: ftpView, Syntax: syntax, Level: 3, Help: help, Params: params, Words: words, Run: run}
	}
	undoable := func(syntax, help string, run cli.Handler[*callEnv], undo string, runUndo cli.Handler[*callEnv]) *command {
		c := cmd(syntax, help, run)
		c.Undo, c.RunUndo = undo, runUndo
		return c
	}
	return []*command{
		{Views: userView, Syntax: "ftp [ [ -a <source-ip> ] <host> [ <port> ] ]", Level: 3, Params: params, Words: words, Help: "Enter the FTP client view, connecting to a server", Run: runFTP},
		{Views: userView, Syntax: "ftp ipv6 <host> [ <port> ]", Level: 3, Params: params, Words: words, Help: "Enter the FTP client view, connecting to a server over IPv6", Run: runFTP},
		{Views: systemView, Syntax: "ftp client-source { -a <source-ip> | -i <interface> }", Level: 3, Params: params, Words: words, Help: "Set the source address of the FTP client", Run: runFTPClientSource, Undo: "undo ftp client-source", RunUndo: runUndoFTPClientSource},
		{Views: all, Syntax: "display ftp-client", Level: 3, Words: words, Filter: true, Help: "Display the source address of the FTP client", Run: runDisplayFTPClient},
		cmd("ascii", "Set the transfer type to ASCII", runFTPASCII),
		cmd("binary", "Set the transfer type to binary", runFTPBinary),
		undoable("passive", "Use passive data connections (PASV)", runFTPPassive, "undo passive", runFTPUndoPassive),
		undoable("verbose", "Show the server's replies (the default)", runFTPVerbose, "undo verbose", runFTPUndoVerbose),
		undoable("prompt", "Ask before each file of mget and mput", runFTPPrompt, "undo prompt", runFTPUndoPrompt),
		cmd("get <remote-file> [ <local-file> ]", "Download a file", runFTPGet),
		cmd("put <local-file> [ <remote-file> ]", "Upload a file", runFTPPut),
		cmd("mget <files> &<1-8>", "Download files", runMget),
		cmd("mput <files> &<1-8>", "Upload files", runMput),
		cmd("dir [ <dir> [ <local-file> ] ]", "List a remote directory", runFTPDir),
		cmd("ls [ <dir> [ <local-file> ] ]", "List the names in a remote directory", runFTPLs),
		cmd("cd <dir>", "Change the remote directory", runFTPCd),
		cmd("cdup", "Go to the remote parent directory", runFTPCdup),
		cmd("pwd", "Show the remote directory", runFTPPwd),
		cmd("lcd [ <dir> ]", "Show or change the local directory", runFTPLcd),
		cmd("mkdir <dir>", "Create a remote directory", runFTPMkdir),
		cmd("rmdir <dir>", "Remove a remote directory", runFTPRmdir),
		cmd("delete <remote-file>", "Delete a remote file", runFTPDelete),
		cmd("rename <remote-file> <new-name>", "Rename a remote file", runFTPRename),
		cmd("open [ -a <source-ip> ] <host> [ <port> ]", "Connect to a server", runFTPOpen),
		cmd("{ close | disconnect }", "Close the connection, staying in the view", runFTPClose),
		cmd("user <remote-user> [ <remote-password> ]", "Log in as another user", runFTPUser),
		cmd("remotehelp [ <command> ]", "Show the server's help", runFTPRemotehelp),
		cmd("bye", "Close the connection and leave the view", runFTPBye),
	}
}

func runDisplayFTPClient(e *callEnv, c *cli.Call) error {
	e.Print(fmt.Sprintf("The source address of FTP client is %s.\n", e.dev.ftpClientSource()))
	return nil
}

func runFTPClientSource(e *callEnv, c *cli.Call) error {
	if s, ok := c.Lookup("source-ip"); ok {
		ip, err := netip.ParseAddr(s)
		if err != nil || ip != e.dev.opts.Address {
			return refuse("Error: The source IP address is not an address of this device.")
		}
		e.dev.setFTPClientSource(tftpConfig{source: ip})
		return nil
	}
	// every interface of the simulated device has its one address
	e.dev.setFTPClientSource(tftpConfig{iface: c.Value("interface")})
	return nil
}

func runUndoFTPClientSource(e *callEnv, c *cli.Call) error {
	e.dev.setFTPClientSource(tftpConfig{})
	return nil
}

func runFTPASCII(e *callEnv, c *cli.Call) error { return e.ftpSetType(false) }

func runFTPBinary(e *callEnv, c *cli.Call) error { return e.ftpSetType(true) }

func runFTPPassive(e *callEnv, c *cli.Call) error {
	e.ftpSetPassive(true)
	e.Print("Info: Succeeded in switching passive on.\n")
	return nil
}

func runFTPUndoPassive(e *callEnv, c *cli.Call) error {
	e.ftpSetPassive(false)
	e.Print("Info: Succeeded in switching passive off.\n")
	return nil
}

func runFTPVerbose(e *callEnv, c *cli.Call) error {
	e.ftp.verbose = 1 // on, as it is from the start: the replies, not the commands
	e.Print("Info: Succeeded in switching verbose on.\n")
	return nil
}

func runFTPUndoVerbose(e *callEnv, c *cli.Call) error {
	e.ftp.verbose = 0
	e.Print("Info: Succeeded in switching verbose off.\n")
	return nil
}

func runFTPPrompt(e *callEnv, c *cli.Call) error {
	e.ftp.prompt = true
	e.Print("Info: Succeeded in switching prompt on.\n")
	return nil
}

func runFTPUndoPrompt(e *callEnv, c *cli.Call) error {
	e.ftp.prompt = false
	e.Print("Info: Succeeded in switching prompt off.\n")
	return nil
}

func runFTPGet(e *callEnv, c *cli.Call) error {
	r := c.Value("remote-file")
	l, ok := c.Lookup("local-file")
	if !ok {
		l = path.Base(r)
	}
	return e.ftpGet(r, l, true)
}

func runFTPPut(e *callEnv, c *cli.Call) error {
	l := c.Value("local-file")
	r, ok := c.Lookup("remote-file")
	if !ok {
		r = path.Base(strings.TrimPrefix(l, flash.Device))
	}
	return e.ftpPut(l, r)
}

func runFTPDir(e *callEnv, c *cli.Call) error {
	return e.ftpList(c.Value("dir"), c.Value("local-file"), false)
}

func runFTPLs(e *callEnv, c *cli.Call) error {
	return e.ftpList(c.Value("dir"), c.Value("local-file"), true)
}

func runFTPCd(e *callEnv, c *cli.Call) error {
	return e.ftpDo(func(ctx context.Context, f *ftpClientState) error {
		_, err := f.conn.Cwd(ctx, c.Value("dir"))
		return err
	})
}

func runFTPCdup(e *callEnv, c *cli.Call) error {
	return e.ftpDo(func(ctx context.Context, f *ftpClientState) error {
		_, err := f.conn.Cdup(ctx)
		return err
	})
}

func runFTPPwd(e *callEnv, c *cli.Call) error {
	return e.ftpDo(func(ctx context.Context, f *ftpClientState) error {
		_, _, err := f.conn.Pwd(ctx)
		return err
	})
}

func runFTPLcd(e *callEnv, c *cli.Call) error {
	if d, ok := c.Lookup("dir"); ok {
		p, err := flash.Resolve(e.ftp.lcd, d)
		if err != nil {
			return refuse("Error: The directory name is invalid.")
		}
		if fi, err := e.dev.fs.Stat(p); err != nil || !fi.IsDir {
			return refuse("Error: The directory does not exist.")
		}
		e.ftp.lcd = p
	}
	e.Print(fmt.Sprintf("The current local directory is %s.\n", displayDir(e.ftp.lcd)))
	return nil
}

func runFTPMkdir(e *callEnv, c *cli.Call) error {
	return e.ftpDo(func(ctx context.Context, f *ftpClientState) error {
		_, err := f.conn.Mkd(ctx, c.Value("dir"))
		return err
	})
}

func runFTPRmdir(e *callEnv, c *cli.Call) error {
	return e.ftpDo(func(ctx context.Context, f *ftpClientState) error {
		_, err := f.conn.Rmd(ctx, c.Value("dir"))
		return err
	})
}

func runFTPDelete(e *callEnv, c *cli.Call) error {
	name := c.Value("remote-file")
	if e.ftp.conn == nil {
		return refuse("Error: Not connected.")
	}
	ok, err := e.confirm(fmt.Sprintf("Warning: File %s will be deleted. Continue? (y/n)[n]:", name))
	if err != nil || !ok {
		return err
	}
	return e.ftpDo(func(ctx context.Context, f *ftpClientState) error {
		_, err := f.conn.Dele(ctx, name)
		return err
	})
}

func runFTPRename(e *callEnv, c *cli.Call) error {
	return e.ftpDo(func(ctx context.Context, f *ftpClientState) error {
		_, err := f.conn.Rename(ctx, c.Value("remote-file"), c.Value("new-name"))
		return err
	})
}

func runFTPOpen(e *callEnv, c *cli.Call) error {
	if e.ftp.conn != nil {
		return refuse("Error: Already connected to %s, use close first.", e.ftp.host)
	}
	return e.ftpOpen(c)
}

func runFTPClose(e *callEnv, c *cli.Call) error {
	if e.ftp.conn == nil {
		return refuse("Error: Not connected.")
	}
	e.ftpQuit()
	return nil
}

func runFTPUser(e *callEnv, c *cli.Call) error {
	if e.ftp.conn == nil {
		return refuse("Error: Not connected.")
	}
	pw, hasPW := c.Lookup("remote-password")
	return e.ftpLoginAs(c.Value("remote-user"), pw, hasPW)
}

func runFTPRemotehelp(e *callEnv, c *cli.Call) error {
	return e.ftpDo(func(ctx context.Context, f *ftpClientState) error {
		_, err := f.conn.Help(ctx, c.Value("command"))
		return err
	})
}

func runFTPBye(e *callEnv, c *cli.Call) error {
	e.ftpBye()
	return nil
}

// runFTP is "ftp [ -a IP ] HOST [ PORT ]": enter the FTP client view and
// connect when a host is given.
func runFTP(e *callEnv, c *cli.Call) error {
	if e.ftp == nil {
		e.ftp = &ftpClientState{verbose: 1}
	}
	e.ftp.lcd = e.cwd
	if _, ok := c.Lookup("host"); ok {
		if err := e.ftpOpen(c); err != nil {
			if !e.ftpConnected() {
				e.ftp.close()
				return err
			}
			e.enter(viewFTP, "")
			return err
		}
		if e.ftp.conn == nil {
			return nil
		}
	}
	e.enter(viewFTP, "")
	return nil
}

func runMget(e *callEnv, c *cli.Call) error {
	for _, pattern := range c.Values("files") {
		files := []string{pattern}
		if strings.ContainsAny(pattern, "*?") {
			var buf strings.Builder
			err := e.ftpDo(func(ctx context.Context, f *ftpClientState) error {
				old := f.verbose
				f.verbose = 0
				_, err := f.conn.NameList(ctx, "", &buf)
				f.verbose = old
				return err
			})
			if err != nil {
				return err
			}
			files = nil
			for _, n := range strings.Split(buf.String(), "\n") {
				n = strings.TrimSpace(n)
				if ok, _ := path.Match(pattern, path.Base(n)); ok && n != "." && n != ".." {
					files = append(files, n)
				}
			}
		}
		for _, name := range files {
			if e.ftp.prompt {
				ok, err := e.confirm(fmt.Sprintf("mget %s? (y/n)[n]:", name))
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
			}
			if err := e.ftpGet(name, path.Base(name), false); err != nil {
				return err
			}
		}
	}
	return nil
}

func runMput(e *callEnv, c *cli.Call) error {
	for _, pattern := range c.Values("files") {
		files := []string{pattern}
		if strings.ContainsAny(pattern, "*?") {
			entries, err := e.dev.fs.ReadDir(e.ftp.lcd)
			if err != nil {
				return refuse("Error: Failed to read the local directory.")
			}
			files = nil
			for _, fi := range entries {
				if ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(fi.Name)); ok && !fi.IsDir {
					files = append(files, fi.Name)
				}
			}
		}
		for _, name := range files {
			if e.ftp.prompt {
				ok, err := e.confirm(fmt.Sprintf("mput %s? (y/n)[n]:", name))
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
			}
			if err := e.ftpPut(name, path.Base(name)); err != nil {
				return err
			}
		}
	}
	return nil
}
