package ftpd_test

import (
	"context"
	"errors"
	"log"
	"net"
	"net/netip"
	"time"

	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/ftpd"
)

// The device wires the server to its flash and AAA users, applies "ftp timeout"
// and "ftp acl" at run time, and stops it with "undo ftp server".
func Example() {
	fsys := flash.NewMemory(flash.Options{})
	auth := ftpd.AuthenticatorFunc(func(ctx context.Context, user, password string, remote netip.AddrPort) (ftpd.Login, error) {
		if user == "huawei" && password == "Huawei@123" { // the device asks its AAA here
			return ftpd.Login{Root: "flash:", Release: func() {}}, nil
		}
		return ftpd.Login{}, errors.New("wrong password")
	})
	srv := ftpd.New(ftpd.Config{
		FS:               fsys,
		Auth:             auth,
		ActiveFromPort20: true,
		Log:              func(e ftpd.Event) { log.Printf("%s %s %s", e.Kind, e.User, e.Remote) },
	})
	l, err := net.Listen("tcp", "127.0.0.1:0") // the device address
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)

	srv.SetIdleTimeout(10 * time.Minute) // ftp timeout 10
	srv.SetAllow(func(a netip.Addr) bool { return a.IsLoopback() })
	for _, s := range srv.Sessions() { // display ftp-users
		log.Println(s.User, s.Remote.Addr(), s.Remote.Port(), int(s.Idle.Minutes()), s.Root)
	}
	srv.KickUser("huawei") // free ftp user huawei

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	srv.Shutdown(ctx) // undo ftp server
}
