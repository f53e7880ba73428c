package vrp

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/vrpsim/vrpsim/aaa"
	"github.com/vrpsim/vrpsim/flash"
)

// The information center keeps the device's log in two places: the log
// buffer in memory (display logbuffer) and the log file on flash, which is
// zipped to an archive and started afresh when it grows past a limit.
const (
	logDir      = flash.Root + "logfile"
	logFilePath = logDir + "/log.log"

	// defaultLogFileLimit is the size past which log.log is rotated.
	defaultLogFileLimit = 512 << 10
	// defaultLogArchives is how many zipped logs the device keeps; the oldest
	// is deleted when a rotation makes one more.
	defaultLogArchives = 200
	// maxPendingLog bounds the log lines waiting for the file while another
	// caller writes it; lines past it reach only the buffer.
	maxPendingLog = 1 << 20
	// maxRotateRead bounds how much of log.log a rotation reads.
	maxRotateRead = 64 << 20
)

// logBuffer is the device's information center: the log buffer that
// display logbuffer shows and the writer of flash:/logfile/log.log.
type logBuffer struct {
	dev *Device

	mu    sync.Mutex
	lines []string
	seq   map[string]int // per-brief counters, the [n] of a log line

	// The log file. Lines are queued in pending; the first caller that
	// finds no writer at work becomes the writer and drains the queue, so
	// events that arrive while it writes are appended in one batch and no
	// caller waits for another's write.
	pending   []byte
	writing   bool
	failing   bool // the last write failed (reported once in the buffer)
	fileLimit int64
	archives  int
}

const logBufferSize = 512

// newLogBuffer starts the information center of a device. A fresh flash gets
// the layout of a new device (flash:/logfile, flash:/dhcp) so that the log
// has a place to go and dir looks real.
func newLogBuffer(d *Device) *logBuffer {
	l := &logBuffer{dev: d, seq: map[string]int{}, fileLimit: defaultLogFileLimit, archives: defaultLogArchives}
	if err := flash.Init(d.fs); err != nil {
		l.mu.Lock()
		l.addLocked(l.formatLocked("INFO", 4, "LOGFILE_INIT_FAIL", fmt.Sprintf("Failed to create the log directory. (Directory=%s, Reason=%s)", logDir, errReason(err))))
		l.failing = true
		l.mu.Unlock()
	}
	return l
}

// setFileLimits changes the rotation size of log.log and the number of
// archives kept (tests make them small).
func (l *logBuffer) setFileLimits(size int64, archives int) {
	l.mu.Lock()
	l.fileLimit, l.archives = size, archives
	l.mu.Unlock()
}

// logf records an event in the device's format:
// "Nov 24 2026 18:30:00 Huawei %%01SHELL/5/LOGIN(l)[0]:text".
// The line goes to the log buffer and is appended to the log file. Logging
// never fails: a file that cannot be written is reported in the buffer.
func (d *Device) logf(module string, severity int, brief, format string, a ...any) {
	l := d.log
	text := fmt.Sprintf(format, a...)
	l.mu.Lock()
	line := l.formatLocked(module, severity, brief, text)
	l.addLocked(line)
	if len(l.pending)+len(line) < maxPendingLog {
		l.pending = append(append(l.pending, line...), '\n')
	}
	write := !l.writing
	l.writing = true
	l.mu.Unlock()
	if obs := d.opts.Observer; obs != nil {
		obs.Log(LogEntry{Time: d.now(), Module: module, Severity: severity, Brief: brief, Text: text})
	}
	d.monitorLog(severity, line)
	if write {
		l.drain()
	}
}

// formatLocked renders a log line and counts it. The caller holds l.mu.
func (l *logBuffer) formatLocked(module string, severity int, brief, text string) string {
	key := module + "/" + brief
	n := l.seq[key]
	l.seq[key] = n + 1
	return fmt.Sprintf("%s %s %%%%01%s/%d/%s(l)[%d]:%s",
		l.dev.now().Format("Jan 2 2006 15:04:05"), l.dev.Sysname(), module, severity, brief, n, text)
}

// addLocked puts a line in the buffer. The caller holds l.mu.
func (l *logBuffer) addLocked(line string) {
	l.lines = append(l.lines, line)
	if len(l.lines) > logBufferSize {
		l.lines = slices.Clone(l.lines[len(l.lines)-logBufferSize:])
	}
}

// drain writes the queued lines to the log file until the queue is empty.
// Only the caller that set l.writing runs it.
func (l *logBuffer) drain() {
	for {
		l.mu.Lock()
		data := l.pending
		l.pending = nil
		if len(data) == 0 {
			l.writing = false
			l.mu.Unlock()
			return
		}
		limit, archives := l.fileLimit, l.archives
		l.mu.Unlock()
		err := l.writeFile(data, limit, archives)
		l.mu.Lock()
		switch {
		case err != nil && !l.failing:
			l.failing = true
			l.addLocked(l.formatLocked("INFO", 4, "LOGFILE_WRITE_FAIL", fmt.Sprintf("Failed to write the log file. (FileName=%s, Reason=%s)", logFilePath, errReason(err))))
		case err == nil:
			l.failing = false
		}
		l.mu.Unlock()
	}
}

// errReason is the short cause of a flash error, as a log line shows it.
func errReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// writeFile appends data to log.log, rotating it first when data would take
// it past limit. It creates the log directory when it is missing.
func (l *logBuffer) writeFile(data []byte, limit int64, archives int) error {
	fsys := l.dev.fs
	var size int64
	fi, err := fsys.Stat(logFilePath)
	switch {
	case err == nil && fi.IsDir:
		return &fs.PathError{Op: "append", Path: logFilePath, Err: flash.ErrIsDir}
	case err == nil:
		size = fi.Size
	case errors.Is(err, flash.ErrNotExist):
		if err := fsys.Mkdir(logDir); err != nil && !errors.Is(err, flash.ErrExist) {
			return err
		}
	default:
		return err
	}
	var rotateErr error
	if size > 0 && size+int64(len(data)) > limit {
		// A failed rotation keeps the old file and appends to it: the log
		// is never truncated silently.
		var archived bool
		archived, rotateErr = l.rotate(archives)
		if archived {
			size = 0
		}
	}
	err = appendFile(fsys, logFilePath, size, data)
	if errors.Is(err, flash.ErrInvalidOffset) || errors.Is(err, flash.ErrNotExist) {
		// The file shrank or vanished under us (deleted, replaced by FTP):
		// start it afresh.
		err = appendFile(fsys, logFilePath, 0, data)
	}
	if err == nil {
		err = rotateErr
	}
	return err
}

// appendFile replaces path with its first offset bytes followed by data.
func appendFile(fsys flash.FS, path string, offset int64, data []byte) error {
	w, err := fsys.Create(path, offset)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		return err
	}
	return w.Commit()
}

// archiveName is the name of a rotated log, logfile-YYYY-MM-DD-hh-mm-ss.zip,
// with "-N" added when that name is taken.
func (l *logBuffer) archiveName() (string, error) {
	base := l.dev.now().Format("logfile-2006-01-02-15-04-05")
	for i := 0; i < 1000; i++ {
		name := base
		if i > 0 {
			name += "-" + strconv.Itoa(i)
		}
		path := logDir + "/" + name + ".zip"
		if _, err := l.dev.fs.Stat(path); errors.Is(err, flash.ErrNotExist) {
			return path, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", &fs.PathError{Op: "rotate", Path: logDir + "/" + base + ".zip", Err: flash.ErrExist}
}

// rotate zips log.log into a new archive and deletes the oldest archives
// beyond the number kept. It reports whether the archive was written: the
// caller then starts a new log.log.
func (l *logBuffer) rotate(archives int) (archived bool, err error) {
	fsys := l.dev.fs
	f, err := fsys.Open(logFilePath)
	if err != nil {
		return false, err
	}
	old, err := io.ReadAll(io.LimitReader(f, maxRotateRead))
	f.Close()
	if err != nil {
		return false, fmt.Errorf("rotate %s: %w", logFilePath, err)
	}
	path, err := l.archiveName()
	if err != nil {
		return false, err
	}
	name := strings.TrimSuffix(path[len(logDir)+1:], ".zip")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".log", Method: zip.Deflate, Modified: l.dev.now()})
	if err == nil {
		_, err = w.Write(old)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return false, fmt.Errorf("rotate %s: %w", logFilePath, err)
	}
	if err := appendFile(fsys, path, 0, buf.Bytes()); err != nil {
		return false, err
	}
	return true, pruneArchives(fsys, archives)
}

// pruneArchives deletes the oldest rotated logs until keep are left.
func pruneArchives(fsys flash.FS, keep int) error {
	list, err := fsys.ReadDir(logDir)
	if err != nil {
		return err
	}
	type archive struct {
		path  string
		stamp string
		n     int
	}
	var found []archive
	for _, fi := range list {
		stamp, n, ok := parseArchiveName(fi.Name)
		if ok && !fi.IsDir {
			found = append(found, archive{fi.Path, stamp, n})
		}
	}
	if len(found) <= keep {
		return nil
	}
	slices.SortFunc(found, func(a, b archive) int {
		if c := strings.Compare(a.stamp, b.stamp); c != 0 {
			return c
		}
		return a.n - b.n
	})
	for _, a := range found[:len(found)-keep] {
		if err := fsys.Remove(a.path, true); err != nil && !errors.Is(err, flash.ErrNotExist) {
			return err
		}
	}
	return nil
}

// parseArchiveName recognises logfile-YYYY-MM-DD-hh-mm-ss[-N].zip and returns
// its time stamp and sequence number.
func parseArchiveName(name string) (stamp string, n int, ok bool) {
	rest, ok := strings.CutPrefix(strings.ToLower(name), "logfile-")
	if !ok {
		return "", 0, false
	}
	rest, ok = strings.CutSuffix(rest, ".zip")
	const stampLen = len("2006-01-02-15-04-05")
	if !ok || len(rest) < stampLen {
		return "", 0, false
	}
	stamp, rest = rest[:stampLen], rest[stampLen:]
	for i := 0; i < stampLen; i++ {
		c := stamp[i]
		if (i == 4 || i == 7 || i == 10 || i == 13 || i == 16) != (c == '-') || c != '-' && (c < '0' || c > '9') {
			return "", 0, false
		}
	}
	if rest == "" {
		return stamp, 0, true
	}
	digits, ok := strings.CutPrefix(rest, "-")
	if !ok || digits == "" || digits[0] == '0' || len(digits) > 6 || strings.TrimLeft(digits, "0123456789") != "" {
		return "", 0, false
	}
	n, _ = strconv.Atoi(digits)
	return stamp, n, true
}

// Log returns the log buffer, oldest first.
func (d *Device) Log() []string {
	d.log.mu.Lock()
	defer d.log.mu.Unlock()
	return append([]string(nil), d.log.lines...)
}

// reset empties the log buffer (reset logbuffer); the log file is kept.
func (l *logBuffer) reset() {
	l.mu.Lock()
	l.lines = nil
	l.mu.Unlock()
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// logAAA logs the AAA events the device logs: a lock and its end. Locks hold
// one source address (see package aaa); the device's text is followed by the
// address in the device's parameter style, "(Ip=192.0.2.7)", and "(Ip=**)"
// for the console, as the device writes a console's address in its logs.
func (d *Device) logAAA(ev aaa.Event) {
	switch ev.Kind {
	case aaa.EventLocked:
		d.logf("AAA", 6, "LOCALACCOUNT_LOCK", "Local account %s has been locked. (Ip=%s)", ev.User, logSource(ev.Source))
	case aaa.EventUnlocked:
		d.logf("AAA", 6, "LOCALACCOUNT_UNLOCK", "Local account %s has been unlocked. (Ip=%s)", ev.User, logSource(ev.Source))
	}
}

// logSource is a login's source address as the log shows it: "**" for the
// console (no address).
func logSource(a netip.Addr) string {
	if !a.IsValid() {
		return "**"
	}
	return a.String()
}

// Notifier is implemented by terminals that can show a message of the
// device's own at any time, such as a log line while the user types
// (vrp/tty's Terminal does); terminal monitor shows the log on them.
type Notifier interface {
	Notify(text string)
}

// monitorLevel is the least severe level a monitoring terminal shows: warnings (4) and worse, the information
// center's default for its console and monitor channels.
const monitorLevel = 4

// maxNotices bounds the log lines waiting for a slow terminal; later ones
// are dropped for it (they stay in the log buffer and file).
const maxNotices = 256

// monitorLog shows a log line on every session whose terminal monitor and
// terminal logging are on. It takes only the monitors' lock, so it may be
// called with the device's lock held.
func (d *Device) monitorLog(severity int, line string) {
	if severity > monitorLevel {
		return
	}
	d.monMu.Lock()
	ss := slices.Clone(d.monitors)
	d.monMu.Unlock()
	for _, s := range ss {
		if s.monitor.Load() && !s.noLogging.Load() {
			s.notice(line)
		}
	}
}

// addMonitor lets a session with a Notifier terminal receive log lines;
// terminal monitor turns them on (the console starts with it on).
func (d *Device) addMonitor(s *Session) {
	if _, ok := s.term.(Notifier); !ok {
		return
	}
	s.monitor.Store(s.info.Line == LineConsole)
	d.monMu.Lock()
	d.monitors = append(d.monitors, s)
	d.monMu.Unlock()
}

func (d *Device) removeMonitor(s *Session) {
	d.monMu.Lock()
	d.monitors = slices.DeleteFunc(d.monitors, func(o *Session) bool { return o == s })
	d.monMu.Unlock()
}

// notice queues a line for the session's terminal; one goroutine at a time
// shows the queue, in order, so that the logging caller never waits for a
// terminal.
func (s *Session) notice(line string) {
	s.noticeMu.Lock()
	if len(s.notices) < maxNotices {
		s.notices = append(s.notices, line)
	}
	start := !s.noticing
	s.noticing = true
	s.noticeMu.Unlock()
	if start {
		go s.showNotices()
	}
}

func (s *Session) showNotices() {
	n := s.term.(Notifier)
	for {
		s.noticeMu.Lock()
		if len(s.notices) == 0 || s.isClosed() {
			s.notices, s.noticing = nil, false
			s.noticeMu.Unlock()
			return
		}
		line := s.notices[0]
		s.notices = s.notices[1:]
		s.noticeMu.Unlock()
		n.Notify(line)
	}
}
