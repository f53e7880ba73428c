//go:build !unix

package ftpd

import (
	"errors"
	"os"
	"syscall"
)

func reuseAddr(network, address string, c syscall.RawConn) error { return nil }

func isPermission(err error) bool { return errors.Is(err, os.ErrPermission) }

func setOOBInline(c syscall.Conn) error { return nil }
