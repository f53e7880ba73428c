package frontend

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGroupLimits pins the admission rules on real loopback connections:
// a source keeps its quota of connections not logged in, gets more only
// while over half of the slots stay free, and nobody gets more than
// MaxConnections; Shutdown closes the connections and ends Serve.
func TestGroupLimits(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var g Group
	served := make(chan *Conn)
	refused := make(chan Refusal)
	release := make(chan struct{})
	serveErr := make(chan error, 1)
	go func() {
		serveErr <- g.Serve(l, Limits{MaxConnections: 4, MaxPreLoginPerSource: 3},
			func(c net.Conn, why Refusal) { refused <- why },
			func(c *Conn) {
				served <- c
				<-release
			})
	}()
	// dial opens a connection and tells what the group did with it.
	var clients []net.Conn
	dial := func() (string, *Conn) {
		t.Helper()
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
		select {
		case fc := <-served:
			return "served", fc
		case why := <-refused:
			return map[Refusal]string{TooMany: "too many", TooManyFromSource: "too many from the source"}[why], nil
		}
	}
	var got []string
	var conns []*Conn
	step := func() {
		what, fc := dial()
		got = append(got, what)
		if fc != nil {
			conns = append(conns, fc)
		}
	}
	step() // 1: within the quota (3, cut to half of 4: 2)
	step() // 2: within the quota
	step() // 3: over the quota, and only 1 slot of 4 would stay free
	g.LoggedIn(conns[0])
	step() // 4: within the quota again
	g.LoggedIn(conns[1])
	g.LoggedIn(conns[2])
	step() // 5: within the quota
	step() // 6: all 4 slots taken
	want := []string{"served", "served", "too many from the source", "served", "served", "too many"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("admissions (-want +got):\n%s", diff)
	}
	if conns[0].Src.String() != "127.0.0.1" {
		t.Errorf("Src %v, want 127.0.0.1", conns[0].Src)
	}

	done := make(chan error, 1)
	go func() { done <- g.Shutdown(context.Background()) }()
	// Shutdown closed the connections: the clients read EOF at once.
	for _, c := range clients {
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Errorf("client %v: read succeeded after Shutdown", c.LocalAddr())
		}
		c.Close()
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-serveErr; !errors.Is(err, ErrClosed) {
		t.Errorf("Serve: %v, want ErrClosed", err)
	}
}

// TestInterrupter pins that only keys typed while a command runs interrupt.
func TestInterrupter(t *testing.T) {
	i := NewInterrupter()
	i.See([]byte{keyCtrlC})
	select {
	case <-i.C():
		t.Fatal("interrupt seen while no command ran")
	default:
	}
	i.Start()
	i.See([]byte("ab\x0b"))
	select {
	case <-i.C():
	default:
		t.Fatal("Ctrl+K typed while a command ran: no interrupt")
	}
	i.Stop()
}
