package instructor

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vrpsim/vrpsim/lab"
	"github.com/vrpsim/vrpsim/vrp"
)

//go:embed static
var static embed.FS

// Options configure a Server.
type Options struct {
	// TokenKey keys the students' per-device tokens; random (new tokens at
	// every start) when nil.
	TokenKey []byte
	// Now is the clock of the instructor's actions (time.Now when nil).
	Now func() time.Time
}

// Server serves the instructor's page and API for a running lab.
type Server struct {
	lab      *lab.Lab
	rec      *Recorder
	opts     Options
	password *checker // nil: no password, every visitor is the instructor
	order    []string // sysnames in the order of the lab file
	quit     chan struct{}
	closing  sync.Once
}

// Close ends the live streams of the pages, so that an http.Server's
// Shutdown need not wait for them. The other requests go on.
func (s *Server) Close() {
	s.closing.Do(func() { close(s.quit) })
}

// New returns the Server of l, whose devices rec observes (rec.Hook as
// the lab's Options.Device). The lab file's instructor password, if any,
// must be a valid argon2id hash.
func New(l *lab.Lab, rec *Recorder, opts Options) (*Server, error) {
	s := &Server{lab: l, rec: rec, opts: opts, quit: make(chan struct{})}
	if h := l.File().Instructor.PasswordHash; h != "" {
		c, err := newChecker(h)
		if err != nil {
			return nil, err
		}
		s.password = c
	}
	if s.opts.TokenKey == nil {
		s.opts.TokenKey = make([]byte, 32)
		rand.Read(s.opts.TokenKey)
	}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	for _, d := range l.File().Devices {
		s.order = append(s.order, d.Sysname)
	}
	return s, nil
}

// StudentToken is the token that gives a student read-only access to one
// device: its page is /?token=TOKEN.
func (s *Server) StudentToken(device string) string {
	m := hmac.New(sha256.New, s.opts.TokenKey)
	io.WriteString(m, strings.ToLower(device))
	return device + "." + hex.EncodeToString(m.Sum(nil)[:16])
}

// access is who asks: the instructor, or a student of one device.
type access struct {
	instructor bool
	device     string // the student's device
}

func (a access) sees(device string) bool {
	return a.instructor || strings.EqualFold(a.device, device)
}

// who authenticates a request: HTTP basic authentication with the
// instructor's password (any user name), or a student's token (query
// parameter token, or "Authorization: Bearer TOKEN").
func (s *Server) who(r *http.Request) (access, bool) {
	if s.password == nil {
		return access{instructor: true}, true
	}
	if _, pw, ok := r.BasicAuth(); ok && s.password.check(pw) {
		return access{instructor: true}, true
	}
	tok := r.URL.Query().Get("token")
	if h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		tok = h
	}
	if dev, _, ok := strings.Cut(tok, "."); ok && subtle.ConstantTimeCompare([]byte(tok), []byte(s.StudentToken(dev))) == 1 {
		for _, name := range s.order {
			if strings.EqualFold(name, dev) {
				return access{device: name}, true
			}
		}
	}
	return access{}, false
}

// Handler serves the page, the API and the metrics, and the lab's own admin
// endpoint (lab.Lab.Handler: /devices) behind the instructor's password.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	sub, _ := fs.Sub(static, "static")
	files := http.FileServerFS(sub)
	mux.Handle("GET /static/", http.StripPrefix("/static/", files))
	mux.HandleFunc("GET /{$}", s.read(func(w http.ResponseWriter, r *http.Request, a access) {
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFileFS(w, r, sub, "index.html")
	}))
	mux.HandleFunc("GET /api/whoami", s.read(s.whoami))
	mux.HandleFunc("GET /api/devices", s.read(s.devices))
	mux.HandleFunc("GET /api/devices/{name}", s.read(s.device))
	mux.HandleFunc("GET /api/devices/{name}/sessions", s.read(s.sessions))
	mux.HandleFunc("GET /api/devices/{name}/events", s.read(s.events))
	mux.HandleFunc("GET /api/devices/{name}/transcripts", s.read(s.transcripts))
	mux.HandleFunc("GET /api/checks", s.read(s.checks))
	mux.HandleFunc("GET /api/checks.csv", s.read(s.checksCSV))
	mux.HandleFunc("GET /api/stream", s.read(s.stream))
	mux.HandleFunc("GET /metrics", s.act(s.metrics))
	mux.HandleFunc("POST /api/devices/{name}/stop", s.act(s.stop))
	mux.HandleFunc("POST /api/devices/{name}/start", s.act(s.start))
	mux.HandleFunc("POST /api/devices/{name}/reset", s.act(s.reset))
	mux.HandleFunc("POST /api/devices/{name}/drop", s.act(s.drop))
	mux.HandleFunc("GET /api/devices/{name}/faults", s.read(s.getFaults))
	mux.HandleFunc("POST /api/devices/{name}/faults", s.act(s.setFaults))
	mux.HandleFunc("DELETE /api/devices/{name}/faults", s.act(s.clearFaults))
	mux.Handle("GET /health", s.lab.Handler()) // the container's health check: no password
	mux.Handle("/devices", s.act(s.lab.Handler().ServeHTTP))
	mux.Handle("/devices/", s.act(s.lab.Handler().ServeHTTP))
	return mux
}

type handler func(w http.ResponseWriter, r *http.Request, a access)

// read serves the instructor and the students, each a student only for the
// device the path names, if any.
func (s *Server) read(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := s.who(r)
		if !ok {
			unauthorized(w)
			return
		}
		if name := r.PathValue("name"); name != "" && !a.sees(name) {
			httpError(w, http.StatusForbidden, "a student sees only the device of the token")
			return
		}
		h(w, r, a)
	}
}

// act serves the instructor only.
func (s *Server) act(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := s.who(r)
		if !ok {
			unauthorized(w)
			return
		}
		if !a.instructor {
			httpError(w, http.StatusForbidden, "only the instructor may do this")
			return
		}
		h(w, r)
	}
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="vrpsim instructor", charset="UTF-8"`)
	httpError(w, http.StatusUnauthorized, "the instructor's password or a student's token is needed")
}

func httpError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request, a access) {
	out := map[string]any{"role": "student", "device": a.device}
	if a.instructor {
		links := map[string]string{}
		for _, name := range s.order {
			links[name] = "/?token=" + s.StudentToken(name)
		}
		out = map[string]any{"role": "instructor", "password": s.password != nil, "student_links": links}
	}
	writeJSON(w, http.StatusOK, out)
}

// Row is a device's row of the class grid.
type Row struct {
	Device       string        `json:"device"`
	Address      string        `json:"address"`
	Running      bool          `json:"running"`
	Reachable    bool          `json:"reachable"`
	SSH          string        `json:"ssh"`
	FTP          FTPServer     `json:"ftp"`
	LoggedIn     []Login       `json:"logged_in"`
	FTPUsers     []FTPUser     `json:"ftp_users"`
	LastTransfer *Transfer     `json:"last_transfer"`
	LastError    *Problem      `json:"last_error"`
	Faults       FaultState    `json:"faults"`
	Checks       []CheckResult `json:"checks"`
}

// FTPServer is whether and where a device's FTP server listens.
type FTPServer struct {
	Enabled bool   `json:"enabled"`
	Listen  string `json:"listen"`
	Port    int    `json:"port"`
}

// Login is a user logged in to a device.
type Login struct {
	Via  string `json:"via"` // "SSH", "Console" or "FTP"
	User string `json:"user"`
	From string `json:"from"`
	Line string `json:"line"` // "VTY 0", "Console" or the FTP session
}

// FTPUser is a local user with service-type ftp.
type FTPUser struct {
	Name      string `json:"name"`
	Directory string `json:"directory"`
}

func (s *Server) rows(a access) []Row {
	st := s.lab.Status()
	checks := s.runChecks(st, a.device)
	out := []Row{}
	for _, d := range st {
		if !a.sees(d.Sysname) {
			continue
		}
		row := Row{Device: d.Sysname, Address: d.Address.String(), Running: d.Running, SSH: addrString(d.SSH),
			LoggedIn: []Login{}, FTPUsers: []FTPUser{}, Checks: []CheckResult{}, Faults: faultState(s.rec.Faults(d.Sysname))}
		if d.FTP.IsValid() {
			row.FTP = FTPServer{Enabled: true, Listen: d.FTP.String(), Port: int(d.FTP.Port())}
		}
		if dev := s.lab.Device(d.Sysname); dev != nil {
			row.Reachable = reachable(d)
			for _, c := range dev.CLISessions() {
				via := "SSH"
				if c.Line == "Console" {
					via = "Console"
				}
				row.LoggedIn = append(row.LoggedIn, Login{Via: via, User: c.User, From: addrString(c.Remote), Line: c.Line})
			}
			for _, f := range dev.FTPSessions() {
				if f.LoggedIn {
					row.LoggedIn = append(row.LoggedIn, Login{Via: "FTP", User: f.User, From: f.Remote.String(), Line: "FTP"})
				}
			}
			for _, u := range dev.Users().Users() {
				if u.Services&ftpService != 0 {
					row.FTPUsers = append(row.FTPUsers, FTPUser{Name: u.Name, Directory: u.FTPDirectory})
				}
			}
		}
		row.LastTransfer, row.LastError = s.rec.last(d.Sysname)
		for _, c := range checks {
			if c.Device == d.Sysname {
				row.Checks = append(row.Checks, c)
			}
		}
		out = append(out, row)
	}
	return out
}

// reachable reports whether the device's SSH server accepts a connection.
func reachable(d lab.Status) bool {
	if !d.SSH.IsValid() {
		return d.Running
	}
	addr := d.SSH
	if addr.Addr().IsUnspecified() {
		addr = netipLoopback(addr.Port())
	}
	c, err := net.DialTimeout("tcp", addr.String(), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func (s *Server) devices(w http.ResponseWriter, r *http.Request, a access) {
	writeJSON(w, http.StatusOK, s.rows(a))
}

func (s *Server) device(w http.ResponseWriter, r *http.Request, a access) {
	for _, row := range s.rows(a) {
		if strings.EqualFold(row.Device, r.PathValue("name")) {
			writeJSON(w, http.StatusOK, row)
			return
		}
	}
	httpError(w, http.StatusNotFound, "no such device")
}

// known resolves the device of the path; it answers 404 itself.
func (s *Server) known(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := r.PathValue("name")
	for _, n := range s.order {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	httpError(w, http.StatusNotFound, "no such device")
	return "", false
}

// Session summarizes a session of a device.
type Session struct {
	ID     string    `json:"id"`
	Kind   string    `json:"kind"` // "ftp-server", "ftp-client" or "cli"
	Client string    `json:"client,omitempty"`
	Server string    `json:"server,omitempty"`
	User   string    `json:"user,omitempty"`
	First  time.Time `json:"first"`
	Events int       `json:"events"`
}

func (s *Server) sessions(w http.ResponseWriter, r *http.Request, a access) {
	name, ok := s.known(w, r)
	if !ok {
		return
	}
	out := []Session{}
	idx := map[string]int{}
	for _, e := range s.rec.Events(name, 0, "") {
		if e.Session == "" {
			continue
		}
		i, ok := idx[e.Session]
		if !ok {
			kind, _, _ := strings.Cut(e.Session, "/")
			i = len(out)
			idx[e.Session] = i
			out = append(out, Session{ID: e.Session, Kind: kind, First: e.Time})
		}
		ss := &out[i]
		ss.Events++
		if e.Client != "" {
			ss.Client = e.Client
		}
		if e.Server != "" {
			ss.Server = e.Server
		}
		if e.User != "" {
			ss.User = e.User
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) events(w http.ResponseWriter, r *http.Request, a access) {
	name, ok := s.known(w, r)
	if !ok {
		return
	}
	since, _ := strconv.ParseUint(r.URL.Query().Get("since"), 10, 64)
	writeJSON(w, http.StatusOK, s.rec.Events(name, since, r.URL.Query().Get("session")))
}

// Transcript is a CLI session's commands and their output.
type Transcript struct {
	Session  string    `json:"session"`
	Line     string    `json:"line"`
	User     string    `json:"user"`
	From     string    `json:"from"`
	Opened   time.Time `json:"opened"`
	Closed   bool      `json:"closed"`
	Commands []Command `json:"commands"`
}

// Command is one command of a transcript.
type Command struct {
	Time    time.Time `json:"time"`
	Command string    `json:"command"`
	Output  string    `json:"output"`
}

func (s *Server) transcripts(w http.ResponseWriter, r *http.Request, a access) {
	name, ok := s.known(w, r)
	if !ok {
		return
	}
	out := []Transcript{}
	idx := map[string]int{}
	for _, e := range s.rec.Events(name, 0, "") {
		if !strings.HasPrefix(e.Kind, "cli-") {
			continue
		}
		i, ok := idx[e.Session]
		if !ok {
			i = len(out)
			idx[e.Session] = i
			out = append(out, Transcript{Session: e.Session, Line: e.Line, User: e.User, From: e.Client, Opened: e.Time, Commands: []Command{}})
		}
		switch e.Kind {
		case "cli-close":
			out[i].Closed = true
		case "cli-command":
			out[i].Commands = append(out[i].Commands, Command{Time: e.Time, Command: e.Command, Output: e.Output})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) checks(w http.ResponseWriter, r *http.Request, a access) {
	writeJSON(w, http.StatusOK, s.runChecks(s.lab.Status(), a.device))
}

func (s *Server) checksCSV(w http.ResponseWriter, r *http.Request, a access) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="checks.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"check", "device", "result", "detail"})
	for _, c := range s.runChecks(s.lab.Status(), a.device) {
		cw.Write([]string{c.Check, c.Device, c.Result, c.Detail})
	}
	cw.Flush()
}

// stream sends the events of the devices the visitor sees as server-sent
// events ("event: ev", data the Event's JSON, id its seq) until the visitor
// leaves. A page that falls behind is disconnected and reloads.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, a access) {
	fl, ok := w.(http.Flusher)
	if !ok {
		httpError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	sub, cancel := s.rec.subscribe(a.device)
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, ": vrpsim\n\n")
	fl.Flush()
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case e, ok := <-sub.ch:
			if !ok {
				return
			}
			data, _ := json.Marshal(e)
			fmt.Fprintf(w, "id: %d\nevent: ev\ndata: %s\n\n", e.Seq, data)
			fl.Flush()
		case <-ping.C:
			io.WriteString(w, ": ping\n\n")
			fl.Flush()
		case <-r.Context().Done():
			return
		case <-s.quit:
			return
		}
	}
}

// stopTimeout bounds a stop.
const stopTimeout = 10 * time.Second

func (s *Server) stop(w http.ResponseWriter, r *http.Request) {
	name, ok := s.known(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), stopTimeout)
	defer cancel()
	s.done(w, name, "stop", s.lab.StopDevice(ctx, name))
}

func (s *Server) start(w http.ResponseWriter, r *http.Request) {
	name, ok := s.known(w, r)
	if !ok {
		return
	}
	s.done(w, name, "start", s.lab.StartDevice(name))
}

// reset clears the device's faults and history and restarts it from its
// flash (a stopped device is started).
func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	name, ok := s.known(w, r)
	if !ok {
		return
	}
	clearFaults(s.rec.Faults(name))
	ctx, cancel := context.WithTimeout(r.Context(), stopTimeout)
	defer cancel()
	err := s.lab.StopDevice(ctx, name)
	if errors.Is(err, lab.ErrStopped) {
		err = nil
	}
	s.rec.Reset(name)
	if err == nil {
		err = s.lab.StartDevice(name)
	}
	s.done(w, name, "reset", err)
}

func (s *Server) drop(w http.ResponseWriter, r *http.Request) {
	name, ok := s.known(w, r)
	if !ok {
		return
	}
	dev := s.lab.Device(name)
	if dev == nil {
		s.done(w, name, "drop", fmt.Errorf("%s: %w", name, lab.ErrStopped))
		return
	}
	n := dev.DropSessions()
	s.rec.countFault(name, "drop")
	s.rec.control(name, fmt.Sprintf("drop: %d sessions ended", n), s.opts.Now())
	writeJSON(w, http.StatusOK, map[string]any{"device": name, "action": "drop", "sessions": n})
}

// done answers an action and records it.
func (s *Server) done(w http.ResponseWriter, name, action string, err error) {
	if err != nil {
		code := http.StatusInternalServerError
		switch {
		case errors.Is(err, lab.ErrNoDevice):
			code = http.StatusNotFound
		case errors.Is(err, lab.ErrStopped), errors.Is(err, lab.ErrRunning), errors.Is(err, lab.ErrLabShutdown):
			code = http.StatusConflict
		}
		httpError(w, code, err.Error())
		return
	}
	s.rec.control(name, action, s.opts.Now())
	writeJSON(w, http.StatusOK, map[string]string{"device": name, "action": action})
}

// FaultState is the faults of a device, as the API sets and shows them.
type FaultState struct {
	RefuseLogins bool  `json:"refuse_logins"`
	SlowMS       int64 `json:"slow_ms"`
	FlashFull    bool  `json:"flash_full"`
	SaveDelayMS  int64 `json:"save_delay_ms"`
	CutAfter     int64 `json:"cut_after_bytes"`
}

func faultState(f *vrp.Faults) FaultState {
	return FaultState{RefuseLogins: f.RefuseLogins.Load(), SlowMS: f.Slow.Load() / int64(time.Millisecond),
		FlashFull: f.FlashFull.Load(), SaveDelayMS: f.SaveDelay.Load() / int64(time.Millisecond), CutAfter: f.CutAfter.Load()}
}

func clearFaults(f *vrp.Faults) {
	f.RefuseLogins.Store(false)
	f.Slow.Store(0)
	f.FlashFull.Store(false)
	f.SaveDelay.Store(0)
	f.CutAfter.Store(0)
}

func (s *Server) getFaults(w http.ResponseWriter, r *http.Request, a access) {
	name, ok := s.known(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, faultState(s.rec.Faults(name)))
}

// maxFaultMS bounds a delay fault (ten minutes).
const maxFaultMS = 600_000

// setFaults sets the faults the JSON body names; the others stay.
func (s *Server) setFaults(w http.ResponseWriter, r *http.Request) {
	name, ok := s.known(w, r)
	if !ok {
		return
	}
	var body struct {
		RefuseLogins *bool  `json:"refuse_logins"`
		SlowMS       *int64 `json:"slow_ms"`
		FlashFull    *bool  `json:"flash_full"`
		SaveDelayMS  *int64 `json:"save_delay_ms"`
		CutAfter     *int64 `json:"cut_after_bytes"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		httpError(w, http.StatusBadRequest, "faults: "+err.Error())
		return
	}
	for _, v := range []*int64{body.SlowMS, body.SaveDelayMS} {
		if v != nil && (*v < 0 || *v > maxFaultMS) {
			httpError(w, http.StatusBadRequest, fmt.Sprintf("faults: a delay is 0 to %d ms", maxFaultMS))
			return
		}
	}
	if body.CutAfter != nil && *body.CutAfter < 0 {
		httpError(w, http.StatusBadRequest, "faults: cut_after_bytes is 0 (off) or more")
		return
	}
	f := s.rec.Faults(name)
	var set []string // what the log line says was set
	setBool := func(v *bool, dst *atomic.Bool, key, fault string) {
		if v == nil {
			return
		}
		dst.Store(*v)
		set = append(set, key+"="+strconv.FormatBool(*v))
		if *v {
			s.rec.countFault(name, fault)
		}
	}
	setInt := func(v *int64, dst *atomic.Int64, unit int64, key, fault string) {
		if v == nil {
			return
		}
		dst.Store(*v * unit)
		set = append(set, key+"="+strconv.FormatInt(*v, 10))
		if *v > 0 {
			s.rec.countFault(name, fault)
		}
	}
	setBool(body.RefuseLogins, &f.RefuseLogins, "refuse_logins", "refuse_logins")
	setInt(body.SlowMS, &f.Slow, int64(time.Millisecond), "slow_ms", "slow")
	setBool(body.FlashFull, &f.FlashFull, "flash_full", "flash_full")
	setInt(body.SaveDelayMS, &f.SaveDelay, int64(time.Millisecond), "save_delay_ms", "save_delay")
	setInt(body.CutAfter, &f.CutAfter, 1, "cut_after_bytes", "cut_transfer")
	s.rec.control(name, "faults: "+strings.Join(set, " "), s.opts.Now())
	writeJSON(w, http.StatusOK, faultState(f))
}

func (s *Server) clearFaults(w http.ResponseWriter, r *http.Request) {
	name, ok := s.known(w, r)
	if !ok {
		return
	}
	f := s.rec.Faults(name)
	clearFaults(f)
	s.rec.control(name, "faults cleared", s.opts.Now())
	writeJSON(w, http.StatusOK, faultState(f))
}
