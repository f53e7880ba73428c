//go:build unix

package ftpd

import (
	"errors"
	"syscall"
)

// reuseAddr sets SO_REUSEADDR, so that several data connections may start from
// port 20 at once.
func reuseAddr(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

// isPermission reports whether err means the process may not bind the port.
func isPermission(err error) bool {
	return errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM)
}

// setOOBInline keeps TCP urgent data in the stream. Clients send "IAC IP IAC DM"
// or even the whole "ABOR\r\n" as urgent data (Python's ftplib does); without
// SO_OOBINLINE the kernel would take the last byte out of the command.
func setOOBInline(c syscall.Conn) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_OOBINLINE, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
