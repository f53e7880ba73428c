package instructor

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrpsim/vrpsim/ftpd"
	"github.com/vrpsim/vrpsim/vrp"
)

// TestRecorderBounds: a device's history stays within its limits however
// much happens, and the newest events are the ones kept.
func TestRecorderBounds(t *testing.T) {
	r := NewRecorder()
	var o vrp.Options
	r.Hook("R1", &o)
	out := strings.Repeat("x", 10<<10)
	for i := range 5000 {
		o.Observer.CLI(vrp.CLIEvent{Kind: vrp.CLICommand, Session: 1, Command: "display this", Output: out})
		o.Observer.FTP(vrp.FTPTrace{Trace: ftpd.Trace{Kind: ftpd.TraceCommand, Session: uint64(i), Line: "RETR a"}})
	}
	d := r.devices["r1"]
	if len(d.events) > maxEvents || d.bytes > maxEventBytes {
		t.Errorf("kept %d events of %d bytes, limits %d and %d", len(d.events), d.bytes, maxEvents, maxEventBytes)
	}
	if len(d.ftp) > maxFTPSessions || len(d.ftpOrder) > maxFTPSessions {
		t.Errorf("follows %d FTP sessions, limit %d", len(d.ftp), maxFTPSessions)
	}
	if last := d.events[len(d.events)-1]; last.Seq != 10000 || last.Session != "ftp-server/4999" {
		t.Errorf("newest kept event %+v", last)
	}
}

// TestSlowPageIsDropped: a live page that does not read is disconnected
// rather than holding the devices up.
func TestSlowPageIsDropped(t *testing.T) {
	r := NewRecorder()
	var o vrp.Options
	r.Hook("R1", &o)
	sub, cancel := r.subscribe("")
	defer cancel()
	for range subscriberBuf + 1 {
		o.Observer.Log(vrp.LogEntry{Module: "SHELL", Brief: "LOGIN", Text: "x"})
	}
	n := 0
	for range sub.ch {
		n++
	}
	if n != subscriberBuf {
		t.Errorf("the page got %d events before it was dropped, want %d", n, subscriberBuf)
	}
}

// BenchmarkRecordFTPLine is the cost a device pays per FTP line observed.
func BenchmarkRecordFTPLine(b *testing.B) {
	r := NewRecorder()
	var o vrp.Options
	r.Hook("R1", &o)
	tr := vrp.FTPTrace{Trace: ftpd.Trace{Kind: ftpd.TraceReply, Session: 1, Time: time.Unix(0, 0),
		Remote: netip.MustParseAddrPort("127.0.1.1:50000"), Local: netip.MustParseAddrPort("127.0.1.2:21"),
		Line: "227 Entering Passive Mode (127,0,1,2,195,80)."}}
	b.ReportAllocs()
	for b.Loop() {
		o.Observer.FTP(tr)
	}
}

// TestSessionsAcrossRestarts: the device numbers its sessions from 1 at
// every start; the Recorder keeps them apart.
func TestSessionsAcrossRestarts(t *testing.T) {
	r := NewRecorder()
	for range 2 {
		var o vrp.Options
		r.Hook("R1", &o)
		o.Observer.FTP(vrp.FTPTrace{Trace: ftpd.Trace{Kind: ftpd.TraceCommand, Session: 1, Line: "USER a"}})
		o.Observer.CLI(vrp.CLIEvent{Kind: vrp.CLIOpen, Session: 1, Line: "VTY 0"})
	}
	var got []string
	for _, e := range r.Events("R1", 0, "") {
		got = append(got, e.Session)
	}
	if want := "ftp-server/1 cli/1 ftp-server/2.1 cli/2.1"; strings.Join(got, " ") != want {
		t.Errorf("sessions %q, want %q", strings.Join(got, " "), want)
	}
}
