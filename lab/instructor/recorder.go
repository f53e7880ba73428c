// Package instructor is the instructor's view of a running lab, served by
// the lab's admin endpoint: a class grid of the devices, the FTP ladder
// diagram of every session (the device's FTP server's and its FTP client's),
// the CLI transcripts, the lesson checks of the lab file, fault controls for
// test harnesses and Prometheus metrics (docs/instructor.md).
//
// A Recorder observes the devices (it is the vrp.Observer the lab gives each
// device, through lab.Options.Device) and keeps a bounded history per
// device; a Server serves the page, its JSON API, server-sent events and
// the metrics from the Recorder and the lab.
package instructor

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vrpsim/vrpsim/ftpd"
	"github.com/vrpsim/vrpsim/vrp"
)

// Limits of the history kept per device.
const (
	maxEvents      = 2048    // events of a device
	maxEventBytes  = 1 << 20 // bytes of their text (CLI output mostly)
	maxTransfers   = 64      // transfers of a device
	maxFTPSessions = 256     // FTP sessions whose state is followed
	subscriberBuf  = 512     // events queued for one live page
)

// Event is one thing that happened on a device, as the API returns it.
type Event struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Device string    `json:"device"`
	// Kind: "ftp-command", "ftp-reply", "ftp-data", "cli-open", "cli-close",
	// "cli-command", "log" or "control" (an instructor's action).
	Kind string `json:"kind"`
	// Session: "ftp-server/N", "ftp-client/N" or "cli/N".
	Session string `json:"session,omitempty"`
	// Client and Server are the FTP control connection's ends.
	Client string `json:"client,omitempty"`
	Server string `json:"server,omitempty"`
	User   string `json:"user,omitempty"`
	// Line is the FTP command or reply line, the CLI line ("VTY 0"), the
	// log text or the action.
	Line string `json:"line,omitempty"`
	// Decoded explains the data address of a PORT, EPRT, 227 or 229 line.
	Decoded string    `json:"decoded,omitempty"`
	Data    *DataConn `json:"data,omitempty"`
	Command string    `json:"command,omitempty"`
	Output  string    `json:"output,omitempty"`
	// Brief is a log line's "MODULE/BRIEF"; Reason the reason it gives.
	Brief  string `json:"brief,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func (e *Event) size() int { return len(e.Line) + len(e.Output) + len(e.Command) + 200 }

// DataConn is a data connection of an FTP session.
type DataConn struct {
	Mode   string `json:"mode"`   // "passive" or "active"
	Opener string `json:"opener"` // "client" or "server"
	From   string `json:"from"`   // the opener's address; "" when none came
	To     string `json:"to"`     // the listener's address
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
}

// Transfer is a file transfer seen in an FTP session.
type Transfer struct {
	Time    time.Time `json:"time"`
	Session string    `json:"session"`
	Side    string    `json:"side"` // "server": the device's FTP server; "client": its FTP client
	Client  string    `json:"client"`
	Server  string    `json:"server"`
	Verb    string    `json:"verb"`
	Path    string    `json:"path"`
	Mode    string    `json:"mode"` // "passive" or "active"
	Type    string    `json:"type"` // "ascii" or "binary"
	Bytes   int64     `json:"bytes"`
	Result  string    `json:"result"` // the final reply
	OK      bool      `json:"ok"`
	Reason  string    `json:"reason,omitempty"` // why its data connection failed
}

// Problem is the last error of a device and why.
type Problem struct {
	Time   time.Time `json:"time"`
	Text   string    `json:"text"`
	Reason string    `json:"reason"`
}

// Recorder keeps what the devices of a lab do. Its methods are safe for
// concurrent use.
type Recorder struct {
	mu      sync.Mutex
	seq     uint64
	devices map[string]*deviceRec // by lower-case sysname
	subs    map[*subscriber]struct{}
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{devices: map[string]*deviceRec{}, subs: map[*subscriber]struct{}{}}
}

type deviceRec struct {
	name      string
	faults    *vrp.Faults
	events    []Event
	bytes     int
	ftp       map[string]*ftpSession
	ftpOrder  []string
	transfers []Transfer
	lastError *Problem
	pending   map[string]int64 // bytes logged before the final reply, by side
	counts    counters
	boots     int // starts of the device: its session numbers begin again at each
}

// counters are the device's metrics.
type counters struct {
	logins       map[[2]string]uint64 // service, result
	transfers    map[[4]string]uint64 // side, mode, type, result
	bytes        uint64
	dataFailures uint64
	commands     uint64
	faults       map[string]uint64
}

type ftpSession struct {
	key, side      string
	client, server string
	user           string
	mode, typ      string
	verb, path     string
	started        bool // 150 came
	dataErr        string
	done           bool
}

// device returns the record of name, creating it. The caller holds r.mu.
func (r *Recorder) device(name string) *deviceRec {
	key := strings.ToLower(name)
	d := r.devices[key]
	if d == nil {
		d = &deviceRec{name: name, faults: &vrp.Faults{}, ftp: map[string]*ftpSession{}, pending: map[string]int64{},
			counts: counters{logins: map[[2]string]uint64{}, transfers: map[[4]string]uint64{}, faults: map[string]uint64{}}}
		r.devices[key] = d
	}
	return d
}

// Hook is the lab's Options.Device: it makes the Recorder the device's
// observer and gives it the device's faults, which outlive a stop and a
// start of the device.
func (r *Recorder) Hook(name string, opts *vrp.Options) {
	r.mu.Lock()
	d := r.device(name)
	d.boots++
	boot := d.boots
	r.mu.Unlock()
	opts.Observer = &observer{r: r, name: name, boot: boot}
	opts.Faults = d.faults
}

// Faults returns the fault switches of the device name.
func (r *Recorder) Faults(name string) *vrp.Faults {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.device(name).faults
}

// observer is the vrp.Observer of one device.
type observer struct {
	r    *Recorder
	name string
	boot int // the device's start this observer sees
}

func (o *observer) Log(e vrp.LogEntry) { o.r.log(o.name, e) }
func (o *observer) FTP(t vrp.FTPTrace) { o.r.ftp(o.name, o.boot, t) }
func (o *observer) CLI(e vrp.CLIEvent) { o.r.cli(o.name, o.boot, e) }

// sessionID names a session: "ftp-server/3" during the device's first
// start, "ftp-server/2.3" during its second, as the device numbers its
// sessions from 1 at every start.
func sessionID(kind string, boot int, n uint64) string {
	if boot <= 1 {
		return kind + "/" + strconv.FormatUint(n, 10)
	}
	return kind + "/" + strconv.Itoa(boot) + "." + strconv.FormatUint(n, 10)
}

// add appends e to the device's history and sends it to the live pages.
// The caller holds r.mu.
func (r *Recorder) add(d *deviceRec, e Event) {
	r.seq++
	e.Seq = r.seq
	e.Device = d.name
	d.events = append(d.events, e)
	d.bytes += e.size()
	for len(d.events) > maxEvents || d.bytes > maxEventBytes && len(d.events) > 1 {
		d.bytes -= d.events[0].size()
		d.events[0] = Event{}
		d.events = d.events[1:]
	}
	for s := range r.subs {
		s.send(e)
	}
}

var reasonRe = regexp.MustCompile(`(?:FailedReason|LeftReason|Reason)="?([^",)]*)"?`)
var bytesRe = regexp.MustCompile(`Bytes=(\d+)`)

// failures are the log entries that are a device's last error.
var failures = map[string]bool{
	"FTPS/LOGINFAILED": true, "SSH/SSH_USER_LOGIN_FAIL": true, "SHELL/LOGINFAIL": true,
	"FTPS/FTPS_REJECT": true, "FTPS/FTPS_BOUNCE": true, "FTPS/FTPS_DATA_REFUSED": true,
	"FTPS/FTPS_START_FAIL": true, "CFM/RESTORE_FAIL": true,
}

// logins classify log entries as logins: service and result.
var logins = map[string][2]string{
	"FTPS/LOGIN_OK": {"ftp", "ok"}, "FTPS/LOGINFAILED": {"ftp", "refused"},
	"SSH/SSH_USER_LOGIN_FAIL": {"ssh", "refused"}, "SHELL/LOGINFAIL": {"console", "refused"},
}

func (r *Recorder) log(name string, l vrp.LogEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.device(name)
	brief := l.Module + "/" + l.Brief
	e := Event{Time: l.Time, Kind: "log", Line: l.Text, Brief: brief}
	if m := reasonRe.FindStringSubmatch(l.Text); m != nil {
		e.Reason = m[1]
	}
	if failures[brief] {
		d.lastError = &Problem{Time: l.Time, Text: l.Text, Reason: e.Reason}
	}
	if k, ok := logins[brief]; ok {
		d.counts.logins[k]++
	}
	if m := bytesRe.FindStringSubmatch(l.Text); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		side := "client"
		if l.Module == "FTPS" {
			side = "server"
		}
		d.setBytes(side, n)
	}
	r.add(d, e)
}

// setBytes gives the bytes a log line reports to the last transfer of side
// that has none yet, or keeps them for the transfer about to end.
func (d *deviceRec) setBytes(side string, n int64) {
	for i := len(d.transfers) - 1; i >= 0; i-- {
		t := &d.transfers[i]
		if t.Side == side {
			if t.Bytes < 0 {
				t.Bytes = n
				d.counts.bytes += uint64(n)
				return
			}
			break
		}
	}
	d.pending[side] = n
}

func addrString(a netip.AddrPort) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func (r *Recorder) ftp(name string, boot int, t vrp.FTPTrace) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.device(name)
	side := "server"
	if t.Client {
		side = "client"
	}
	key := sessionID("ftp-"+side, boot, t.Session)
	s := d.ftp[key]
	if s == nil {
		s = &ftpSession{key: key, side: side, client: addrString(t.Remote), server: addrString(t.Local), typ: "ascii"}
		d.ftp[key] = s
		d.ftpOrder = append(d.ftpOrder, key)
		if len(d.ftpOrder) > maxFTPSessions {
			delete(d.ftp, d.ftpOrder[0])
			d.ftpOrder = d.ftpOrder[1:]
		}
	}
	if s.client == "" {
		s.client, s.server = addrString(t.Remote), addrString(t.Local)
	}
	e := Event{Time: t.Time, Session: key, Client: s.client, Server: s.server, Line: t.Line, Decoded: Decode(t.Line)}
	switch t.Kind {
	case ftpd.TraceCommand:
		e.Kind = "ftp-command"
		s.command(t.Line)
	case ftpd.TraceReply:
		e.Kind = "ftp-reply"
		if tr, ok := s.reply(t.Line); ok {
			tr.Time = t.Time
			d.endTransfer(tr)
		}
		if strings.HasPrefix(t.Line, "230 ") && side == "client" {
			d.counts.logins[[2]string{"ftp-client", "ok"}]++
		}
	case ftpd.TraceData:
		e.Kind = "ftp-data"
		dc := &DataConn{Mode: "active", Opener: "server", From: addrString(t.Data.From), To: addrString(t.Data.To), OK: t.Data.Err == nil}
		if t.Data.Passive {
			dc.Mode, dc.Opener = "passive", "client"
		}
		if t.Data.Err != nil {
			dc.Error = t.Data.Err.Error()
			s.dataErr = dc.Error
			d.counts.dataFailures++
			d.lastError = &Problem{Time: t.Time, Text: "data connection failed (" + dc.Mode + ", opened by the " + dc.Opener + ")", Reason: dc.Error}
		}
		e.Data = dc
	}
	e.User = s.user
	r.add(d, e)
}

// command follows a session's settings from a command line.
func (s *ftpSession) command(line string) {
	verb, arg, _ := strings.Cut(line, " ")
	switch verb = strings.ToUpper(verb); verb {
	case "USER":
		s.user = arg
	case "PASV", "EPSV":
		s.mode = "passive"
	case "PORT", "EPRT":
		s.mode = "active"
	case "TYPE":
		if strings.HasPrefix(strings.ToUpper(arg), "I") {
			s.typ = "binary"
		} else {
			s.typ = "ascii"
		}
	case "RETR", "STOR", "APPE", "STOU":
		s.verb, s.path, s.started, s.dataErr = verb, arg, false, ""
	}
}

// reply follows a reply line; it returns the transfer a final reply ends.
func (s *ftpSession) reply(line string) (Transfer, bool) {
	if len(line) < 4 || line[3] != ' ' {
		return Transfer{}, false
	}
	code := line[:3]
	if s.verb == "" {
		if code == "221" || code == "421" {
			s.done = true
		}
		return Transfer{}, false
	}
	if code[0] == '1' {
		s.started = true
		return Transfer{}, false
	}
	tr := Transfer{Session: s.key, Side: s.side, Client: s.client, Server: s.server, Verb: s.verb, Path: s.path,
		Mode: s.mode, Type: s.typ, Bytes: -1, Result: line, OK: code[0] == '2', Reason: s.dataErr}
	started := s.started || s.dataErr != ""
	s.verb, s.path, s.started, s.dataErr = "", "", false, ""
	return tr, started
}

func (d *deviceRec) endTransfer(t Transfer) {
	if n, ok := d.pending[t.Side]; ok {
		t.Bytes = n
		d.counts.bytes += uint64(n)
		delete(d.pending, t.Side)
	}
	result := "ok"
	if !t.OK {
		result = "failed"
		if d.lastError == nil || d.lastError.Time.Before(t.Time) || d.lastError.Reason != t.Reason {
			d.lastError = &Problem{Time: t.Time, Text: t.Verb + " " + t.Path + ": " + t.Result, Reason: t.Reason}
		}
	}
	d.counts.transfers[[4]string{t.Side, t.Mode, t.Type, result}]++
	d.transfers = append(d.transfers, t)
	if len(d.transfers) > maxTransfers {
		d.transfers = append(d.transfers[:0:0], d.transfers[1:]...)
	}
}

func (r *Recorder) cli(name string, boot int, c vrp.CLIEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.device(name)
	e := Event{Time: c.Time, Session: sessionID("cli", boot, c.Session), User: c.User, Line: c.Line, Client: addrString(c.Remote)}
	switch c.Kind {
	case vrp.CLIOpen:
		e.Kind = "cli-open"
		svc := "ssh"
		if c.Line == "Console" {
			svc = "console"
		}
		d.counts.logins[[2]string{svc, "ok"}]++
	case vrp.CLIClose:
		e.Kind = "cli-close"
	case vrp.CLICommand:
		e.Kind = "cli-command"
		e.Command, e.Output = c.Command, c.Output
		d.counts.commands++
	}
	r.add(d, e)
}

// control records an instructor's action on a device.
func (r *Recorder) control(name, action string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.device(name)
	r.add(d, Event{Time: now, Kind: "control", Line: action})
}

// countFault counts an injected fault.
func (r *Recorder) countFault(name, fault string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.device(name).counts.faults[fault]++
}

// Events returns the device's events after seq (0: all kept), those of
// session only when session is not "".
func (r *Recorder) Events(name string, since uint64, session string) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.device(name)
	out := []Event{}
	for _, e := range d.events {
		if e.Seq > since && (session == "" || e.Session == session) {
			out = append(out, e)
		}
	}
	return out
}

// Transfers returns the device's transfers, oldest first.
func (r *Recorder) Transfers(name string) []Transfer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Transfer{}, r.device(name).transfers...)
}

// lastTransfer and lastError of a device.
func (r *Recorder) last(name string) (*Transfer, *Problem) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.device(name)
	var t *Transfer
	if n := len(d.transfers); n > 0 {
		c := d.transfers[n-1]
		t = &c
	}
	var p *Problem
	if d.lastError != nil {
		c := *d.lastError
		p = &c
	}
	return t, p
}

// Reset forgets the device's history (the reset action).
func (r *Recorder) Reset(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.device(name)
	d.events, d.bytes, d.transfers, d.lastError = nil, 0, nil, nil
	d.ftp, d.ftpOrder, d.pending = map[string]*ftpSession{}, nil, map[string]int64{}
}

// subscriber is a live page: it gets the events of one device, or of all
// when device is "".
type subscriber struct {
	device string
	ch     chan Event
	lost   bool // its queue overflowed: the page reloads
}

func (s *subscriber) send(e Event) {
	if s.lost || s.device != "" && !strings.EqualFold(s.device, e.Device) {
		return
	}
	select {
	case s.ch <- e:
	default:
		s.lost = true
		close(s.ch)
	}
}

// subscribe registers a live page; cancel unregisters it.
func (r *Recorder) subscribe(device string) (s *subscriber, cancel func()) {
	s = &subscriber{device: device, ch: make(chan Event, subscriberBuf)}
	r.mu.Lock()
	r.subs[s] = struct{}{}
	r.mu.Unlock()
	return s, func() {
		r.mu.Lock()
		delete(r.subs, s)
		if !s.lost {
			s.lost = true
			close(s.ch)
		}
		r.mu.Unlock()
	}
}
