package vrp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/tftpc"
)

// tftpConfig is the TFTP client's configuration: tftp client-source.
type tftpConfig struct {
	source netip.Addr // -a ADDR
	iface  string     // -i INTERFACE (the device's one address)
}

func (c tftpConfig) render(b *strings.Builder) { c.renderAs(b, "tftp") }

// renderAs renders the client-source line of the tftp or ftp client.
func (c tftpConfig) renderAs(b *strings.Builder, client string) {
	switch {
	case c.source.IsValid():
		fmt.Fprintf(b, " %s client-source -a %s\n", client, c.source)
	case c.iface != "":
		fmt.Fprintf(b, " %s client-source -i %s\n", client, c.iface)
	}
}

func (d *Device) setTFTPClientSource(c tftpConfig) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.tftp = c
}

func (d *Device) tftpClientSource() tftpConfig {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg.tftp
}

// remote is where a destination the user typed really listens: the lab maps
// its devices' well-known ports, tests map them to their servers.
func (d *Device) remote(network string, dst netip.AddrPort) netip.AddrPort {
	if d.opts.Remote != nil {
		if r := d.opts.Remote(network, dst); r.IsValid() {
			return r
		}
	}
	return dst
}

// tftpTimeout and tftpRetries: the device gives up after about half a minute
// of silence.
const (
	tftpTimeout = 5 * time.Second
	tftpRetries = 5
	tftpPort    = 69
)

// tftpTransfer is one run of the tftp command.
type tftpTransfer struct {
	host    string
	source  netip.Addr
	get     bool
	src     string // get: remote file; put: local file
	dst     string // get: local file; put: remote file
	printed int    // the last percentage shown
}

// progress shows the percentages as the device does: a line each time the
// transfer has moved on by at least ten points.
func (t *tftpTransfer) progress(e *callEnv, done, total int64) {
	if total <= 0 {
		return
	}
	pct := int(done * 100 / total)
	if pct >= 100 || pct-t.printed < 10 {
		return
	}
	if t.printed > 0 {
		e.Print("\n")
	}
	e.Print(fmt.Sprintf("\n %d%%     ", pct))
	e.out.flush()
	t.printed = pct
}

// seconds is a transfer's time as the device shows it: whole seconds,
// at least one.
func seconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// runTFTP moves one file between flash and a TFTP server.
func (e *callEnv) runTFTP(t *tftpTransfer) error {
	ip, err := netip.ParseAddr(t.host)
	if err != nil {
		ips, lerr := net.DefaultResolver.LookupNetIP(context.Background(), "ip", t.host)
		if lerr != nil || len(ips) == 0 {
			return refuse("Error: Failed to resolve the host name %s.", t.host)
		}
		ip = ips[0]
	}
	server := e.dev.remote("udp", netip.AddrPortFrom(ip.Unmap(), tftpPort))
	var local string
	if t.get {
		local = t.dst
	} else {
		local = t.src
	}
	lp, err := flash.Resolve(e.cwd, local)
	if err != nil {
		return refuse("Error: The local file name is invalid.")
	}
	ctx, cancel := e.commandContext()
	defer cancel()
	opts := tftpc.Options{LocalAddr: t.source, Timeout: tftpTimeout, Retries: tftpRetries,
		Progress: func(done, total int64) { t.progress(e, done, total) }}
	if e.dev.opts.TFTPTimeout > 0 {
		opts.Timeout = e.dev.opts.TFTPTimeout
	}
	start := e.dev.now()
	if t.get {
		if fi, err := e.dev.fs.Stat(lp); err == nil {
			if fi.IsDir {
				return refuse("Error: %s is a directory.", lp)
			}
			ok, err := e.confirm(fmt.Sprintf("Warning: The file %s already exists. Overwrite it? (y/n)[n]:", lp))
			if err != nil || !ok {
				return err
			}
		}
		w, err := e.dev.fs.Create(lp, 0)
		if err != nil {
			return refuse("Error: Failed to create the local file %s.", lp)
		}
		opts.Size = func(n int64) error {
			if _, free := e.dev.fs.Usage(); n > free {
				return flash.ErrNoSpace
			}
			return nil
		}
		e.Print("Info: Transfer file in binary mode.\nDownloading the file from the remote TFTP server. Please wait...\n")
		e.out.flush()
		n, err := tftpc.Get(ctx, server, t.src, w, opts)
		if err == nil {
			err = w.Commit()
		} else {
			w.Abort()
		}
		if err != nil {
			return e.tftpError(t, err)
		}
		if t.printed > 0 {
			e.Print("\n")
		}
		e.Print(fmt.Sprintf("\n 100%%          %d bytes received in %d second.\nTFTP: Downloading the file successfully.\n", n, seconds(e.dev.now().Sub(start))))
		e.dev.logf("TFTP", 5, "TFTP_GET", "The file was downloaded through TFTP. (Host=%s, RemoteFile=%s, LocalFile=%s, Bytes=%d)", t.host, t.src, lp, n)
		return nil
	}
	fi, err := e.dev.fs.Stat(lp)
	if err != nil || fi.IsDir {
		return refuse("Error: The file %s does not exist.", lp)
	}
	r, err := e.dev.fs.Open(lp)
	if err != nil {
		return refuse("Error: The file %s does not exist.", lp)
	}
	defer r.Close()
	e.Print("Info: Transfer file in binary mode.\nUploading the file to the remote TFTP server. Please wait...\n")
	e.out.flush()
	n, err := tftpc.Put(ctx, server, t.dst, r, fi.Size, opts)
	if err != nil {
		return e.tftpError(t, err)
	}
	e.Print(fmt.Sprintf(" TFTP: Uploading the file successfully.\n    %d bytes send in %d second.\n", n, seconds(e.dev.now().Sub(start))))
	e.dev.logf("TFTP", 5, "TFTP_PUT", "The file was uploaded through TFTP. (Host=%s, LocalFile=%s, RemoteFile=%s, Bytes=%d)", t.host, lp, t.dst, n)
	return nil
}

// tftpError says why a transfer failed, on a line of its own.
func (e *callEnv) tftpError(t *tftpTransfer, err error) error {
	if t.printed > 0 {
		e.Print("\n")
	}
	var re *tftpc.RemoteError
	switch {
	case errors.Is(err, flash.ErrNoSpace) || errors.Is(err, tftpc.ErrTooLarge):
		return refuse("Error: Failed to save the file because the storage space is insufficient.")
	case errors.Is(err, context.Canceled):
		return refuse("Info: The operation was aborted.")
	case errors.Is(err, tftpc.ErrTimeout):
		return refuse("Error: The remote TFTP server did not answer. Check the address and that the server runs.")
	case errors.As(err, &re):
		return refuse("Error: The remote TFTP server refused the transfer: %s (error %d).", maskControls(re.Message), re.Code)
	}
	return refuse("Error: The TFTP transfer failed: %s.", maskControls(err.Error()))
}

// tftpDefaultName is the name a file gets when the command names none.
func tftpDefaultName(p string) string {
	return path.Base(strings.TrimPrefix(strings.ReplaceAll(p, "\\", "/"), flash.Device))
}
