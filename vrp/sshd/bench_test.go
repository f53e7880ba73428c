package sshd

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
	"github.com/vrpsim/vrpsim/vrp"
	gossh "golang.org/x/crypto/ssh"
)

// BenchmarkIdleSessions measures the server's memory per idle interactive
// session with 200 open: 40 devices (5 VTY lines each) serve 200 pty
// sessions opened by a client in another process, so that only the
// server's memory is counted. It reports live heap plus goroutine stacks
// per session, and goroutines per session.
//
//	go test -run '^$' -bench IdleSessions -benchtime 1x ./vrp/sshd/
func BenchmarkIdleSessions(b *testing.B) {
	const devices, perDevice = 40, 5
	var addrs []string
	for range devices {
		_, addr := startServer(b, newDevice(b))
		for range perDevice {
			addrs = append(addrs, addr)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	var total, heap, goroutines float64
	for range b.N {
		idleGoroutines := runtime.NumGoroutine()
		cmd := exec.Command(exe, "-test.run=^TestIdleSessionClient$", "-test.v")
		cmd.Env = append(os.Environ(), "SSHD_IDLE_CLIENT="+strings.Join(addrs, ","))
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if err := waitLine(stdout, "ready"); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			b.Fatalf("client: %v", err)
		}
		open, openHeap := serverMemory()
		openGoroutines := runtime.NumGoroutine()
		stdin.Close() // the client closes its sessions and exits
		go io.Copy(io.Discard, stdout)
		if err := cmd.Wait(); err != nil {
			b.Fatalf("client: %v", err)
		}
		for deadline := time.Now().Add(30 * time.Second); runtime.NumGoroutine() > idleGoroutines; {
			if time.Now().After(deadline) {
				b.Fatalf("%d goroutines left after the sessions ended, %d before", runtime.NumGoroutine(), idleGoroutines)
			}
			time.Sleep(10 * time.Millisecond)
		}
		// Measured against the same server after the sessions ended, so that
		// what the first sessions allocate for good is not counted.
		closed, closedHeap := serverMemory()
		total += float64(open-closed) / float64(len(addrs))
		heap += float64(openHeap-closedHeap) / float64(len(addrs))
		goroutines += float64(openGoroutines-idleGoroutines) / float64(len(addrs))
	}
	b.ReportMetric(total/float64(b.N), "bytes/session")
	b.ReportMetric(heap/float64(b.N), "heap-bytes/session")
	b.ReportMetric(goroutines/float64(b.N), "goroutines/session")
}

// serverMemory returns the live heap plus goroutine stacks, and the live
// heap alone, after a collection.
func serverMemory() (total, heap int64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse), int64(m.HeapAlloc)
}

// waitLine reads r until a line equal to want.
func waitLine(r io.Reader, want string) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == want {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return fmt.Errorf("no %q line", want)
}

// TestIdleSessionClient is BenchmarkIdleSessions' client process: it opens a
// pty session on each address, prints "ready" when every prompt has come,
// and closes them all when its stdin ends.
func TestIdleSessionClient(t *testing.T) {
	list := os.Getenv("SSHD_IDLE_CLIENT")
	if list == "" {
		t.Skip("run by BenchmarkIdleSessions")
	}
	var clients []*gossh.Client
	for _, addr := range strings.Split(list, ",") {
		c := mustDial(t, addr)
		clients = append(clients, c)
		sh := openShell(t, c)
		sh.waitFor(t, "<Huawei>")
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range clients {
		c.Close()
	}
}

// BenchmarkLoginDisplayLogout measures a whole exec session: TCP connect,
// SSH handshake, password login, "display current-configuration", logout.
// "argon2id-default" checks the password against the default configuration's
// hash (the device's real cost); "cheap-hash" shows the SSH and CLI part.
//
//	go test -run '^$' -bench LoginDisplayLogout -benchtime 50x ./vrp/sshd/
func BenchmarkLoginDisplayLogout(b *testing.B) {
	for _, bc := range []struct {
		name   string
		device func(testing.TB) *vrp.Device
	}{
		{"argon2id-default", defaultDevice}, // logins after the first hit aaa's login cache
		{"argon2id-every-login", func(tb testing.TB) *vrp.Device {
			return deviceWith(tb, aaa.Options{LoginCacheTTL: -1})
		}},
		{"cheap-hash", func(tb testing.TB) *vrp.Device { return newDevice(tb) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			_, addr := startServer(b, bc.device(b))
			config := &gossh.ClientConfig{
				User: adminUser, Auth: []gossh.AuthMethod{gossh.Password(adminPassword)},
				HostKeyCallback: gossh.InsecureIgnoreHostKey(),
			}
			b.ResetTimer()
			took := make([]time.Duration, 0, b.N)
			for range b.N {
				start := time.Now()
				c, err := gossh.Dial("tcp", addr, config)
				if err != nil {
					b.Fatal(err)
				}
				s, err := c.NewSession()
				if err != nil {
					b.Fatal(err)
				}
				out, err := s.Output("display current-configuration")
				if err != nil || !strings.HasSuffix(string(out), "return\n") {
					b.Fatalf("%v: %q", err, out)
				}
				c.Close()
				took = append(took, time.Since(start))
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "median-ms")
		})
	}
}

// defaultDevice is a device as vrpsim runs it: default configuration and
// password hashing.
func defaultDevice(tb testing.TB) *vrp.Device { return deviceWith(tb, aaa.Options{}) }

// deviceWith is defaultDevice with other AAA options.
func deviceWith(tb testing.TB, opts aaa.Options) *vrp.Device {
	d, err := vrp.New(vrp.Options{Flash: flash.NewMemory(flash.Options{}), AAA: opts})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}
