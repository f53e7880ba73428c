package ftpc_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"

	"github.com/vrpsim/vrpsim/ftpc"
)

// The FTP client view of the device, reduced to its dialogue: `ftp -a
// 127.0.1.1 127.0.0.1`, log in, `binary`, `get vrpcfg.zip`, `bye`. Replies are
// printed by the Trace as they arrive; with `verbose` the commands are too.
func Example() {
	ctx := context.Background() // the view cancels it on Ctrl+C / Ctrl+K
	out := os.Stdout
	verbose := true
	trace := &ftpc.Trace{
		Connected: func(_, remote net.Addr) {
			fmt.Fprintf(out, "Connected to %s.\n", remote.(*net.TCPAddr).IP)
		},
		Reply: func(line string) { fmt.Fprintln(out, line) },
		Command: func(line string) {
			if verbose {
				fmt.Fprintln(out, line) // PASS arrives as "PASS ******"
			}
		},
	}
	fmt.Fprintln(out, "Trying 127.0.0.1 ...")
	fmt.Fprintln(out, "Press CTRL+K to abort")
	c, err := ftpc.Dial(ctx, "127.0.0.1:21", ftpc.Options{LocalAddr: "127.0.1.1", Trace: trace})
	if err != nil {
		fmt.Fprintln(out, "Error: Failed to connect to the remote host.")
		return
	}
	defer c.Close()
	fmt.Fprint(out, "User(127.0.0.1:(none)):")
	if _, needPassword, err := c.User(ctx, "huawei"); err == nil && needPassword {
		fmt.Fprintln(out, "Enter password:")
		c.Pass(ctx, "huawei123")
	}
	c.SetType(ctx, ftpc.Binary) // 200 Type set to I.
	var file bytes.Buffer
	tr, err := c.Retr(ctx, "vrpcfg.zip", &file, 0)
	if err == nil {
		fmt.Fprintln(out, ftpc.Summary(tr.Bytes, tr.Elapsed, false))
	}
	c.Quit(ctx) // 221 Server closing.
}
