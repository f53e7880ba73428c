package vrp

import (
	"net/netip"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

func tftpCommands() []*command {
	params := map[string]*cli.Param{
		"host":              cli.String(1, 255, "IP address or host name of the remote TFTP server"),
		"source-ip":         cli.IPv4("Source IP address"),
		"vpn-instance-name": cli.String(1, 31, "VPN instance name"),
		"source-file":       cli.String(1, 160, "Source file name"),
		"destination-file":  cli.String(1, 160, "Destination file name"),
		"interface":         cli.String(1, 63, "Interface type and number"),
	}
	words := map[string]string{
		"tftp": "Trivial File Transfer Protocol (TFTP) client", "get": "Download a file from the TFTP server",
		"put": "Upload a file to the TFTP server", "-a": "Specify the source IP address", "-i": "Specify the source interface",
		"vpn-instance": "Specify a VPN instance", "client-source": "Specify the source address of the TFTP client",
	}
	return []*command{
		{Views: userView, Syntax: "tftp [ -a <source-ip> ] <host> [ vpn-instance <vpn-instance-name> ] { get | put }:dir <source-file> [ <destination-file> ]", Level: 3, Params: params, Words: words, Help: "Transfer a file with a TFTP server", Run: runTFTP},
		{Views: systemView, Syntax: "tftp client-source { -a <source-ip> | -i <interface> }", Level: 3, Params: params, Words: words, Help: "Set the source address of the TFTP client", Run: runTFTPClientSource, Undo: "undo tftp client-source", RunUndo: runUndoTFTPClientSource},
	}
}

func runTFTP(e *callEnv, c *cli.Call) error {
	if _, ok := c.Lookup("vpn-instance-name"); ok {
		return refuse("Error: The VPN instance does not exist.")
	}
	t := &tftpTransfer{host: c.Value("host"), get: c.Value("dir") == "get", src: c.Value("source-file")}
	var ok bool
	if t.dst, ok = c.Lookup("destination-file"); !ok {
		t.dst = tftpDefaultName(t.src)
	}
	// the device's one address, whatever tftp client-source names
	t.source = e.dev.opts.Address
	if s, ok := c.Lookup("source-ip"); ok {
		ip, err := netip.ParseAddr(s)
		if err != nil || ip != e.dev.opts.Address {
			return refuse("Error: The source IP address is not an address of this device.")
		}
		t.source = ip
	}
	return e.runTFTP(t)
}

func runTFTPClientSource(e *callEnv, c *cli.Call) error {
	if s, ok := c.Lookup("source-ip"); ok {
		ip, err := netip.ParseAddr(s)
		if err != nil || ip != e.dev.opts.Address {
			return refuse("Error: The source IP address is not an address of this device.")
		}
		e.dev.setTFTPClientSource(tftpConfig{source: ip})
		return nil
	}
	e.dev.setTFTPClientSource(tftpConfig{iface: c.Value("interface")})
	return nil
}

func runUndoTFTPClientSource(e *callEnv, c *cli.Call) error {
	e.dev.setTFTPClientSource(tftpConfig{})
	return nil
}
