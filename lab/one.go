package lab

import (
	"net"
	"net/netip"
)

// OneDevice returns the lab of vrpsim's one device, as its flags describe
// it: a disk device whose flash and SSH host key are in the data directory
// dataDir (kept across runs), named sysname when its configuration sets none,
// with its SSH server at sshAddr (HOST:PORT, where HOST may be a name or an
// unspecified address for every interface; "" for no SSH server). The
// device's own address (its CLI, FTP server, PASV replies and FTP client) is
// sshAddr's IP address, or 127.0.0.1 when that is no address or an
// unspecified one. Its FTP port 21 is port 21 of that address, unmapped.
//
// The lab has no file: the errors of Start and StartDevice are the
// device's own, without a file, line or device name. OneDevice fails only
// when sshAddr is not HOST:PORT.
func OneDevice(sysname, sshAddr, dataDir string) (*File, error) {
	d := Device{
		Sysname:   sysname,
		Address:   netip.MustParseAddr("127.0.0.1"),
		FTPPort:   DefaultFTPPort,
		Flash:     FlashDisk,
		Data:      dataDir,
		SSHListen: sshAddr,
		NoSSH:     sshAddr == "",
	}
	if sshAddr != "" {
		host, _, err := net.SplitHostPort(sshAddr)
		if err != nil {
			return nil, err
		}
		if ip, err := netip.ParseAddr(host); err == nil && !ip.IsUnspecified() {
			d.Address = ip
		}
	}
	return &File{Devices: []Device{d}}, nil
}
