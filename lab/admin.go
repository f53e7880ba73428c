package lab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"
)

// stopTimeout bounds how long the admin endpoint waits for a device to stop.
const stopTimeout = 10 * time.Second

// Handler is the lab's admin endpoint, for the instructor (plain text, curl
// friendly; see docs/lab.md):
//
//	GET  /devices              the devices and their state
//	POST /devices/NAME/stop    stop one device (nothing is saved)
//	POST /devices/NAME/start   start it again from its flash
//	GET  /health               the running devices' SSH addresses (HealthText)
//
// It has no authentication: serve it on a loopback address only.
func (l *Lab) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /devices", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, l.StatusText())
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, l.HealthText())
	})
	mux.HandleFunc("POST /devices/{name}/stop", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), stopTimeout)
		defer cancel()
		name := r.PathValue("name")
		reply(w, l.StopDevice(ctx, name), name, "stopped")
	})
	mux.HandleFunc("POST /devices/{name}/start", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		reply(w, l.StartDevice(name), name, "started")
	})
	return mux
}

func reply(w http.ResponseWriter, err error, name, done string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case err == nil:
		fmt.Fprintf(w, "%s: %s\n", name, done)
		return
	case errors.Is(err, ErrNoDevice):
		w.WriteHeader(http.StatusNotFound)
	case errors.Is(err, ErrStopped), errors.Is(err, ErrRunning), errors.Is(err, ErrLabShutdown):
		w.WriteHeader(http.StatusConflict)
	default:
		w.WriteHeader(http.StatusInternalServerError)
	}
	fmt.Fprintf(w, "%v\n", err)
}

// StatusText renders Status as a table.
func (l *Lab) StatusText() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tSTATE\tSSH\tFTP\tFLASH")
	for _, s := range l.Status() {
		state, ftp := "stopped", "-"
		if s.Running {
			state = "running"
			if s.FTP.IsValid() {
				ftp = s.FTP.String()
			} else {
				ftp = "disabled"
			}
		}
		fl := s.Flash
		if s.Data != "" {
			fl += " " + s.Data
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Sysname, state, s.SSH, ftp, fl)
	}
	tw.Flush()
	return b.String()
}
