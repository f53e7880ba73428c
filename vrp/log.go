package vrp

import (
	"fmt"
	"strings"
	"sync"

	"github.com/vrpsim/vrpsim/aaa"
)

// logBuffer is the device's information center: the log buffer that
// display logbuffer shows.
type logBuffer struct {
	dev *Device

	mu    sync.Mutex
	lines []string
	seq   map[string]int // per-brief counters, the [n] of a log line
}

const logBufferSize = 512

func newLogBuffer(d *Device) *logBuffer {
	return &logBuffer{dev: d, seq: map[string]int{}}
}

// logf records an event in the device's format:
// "Nov 24 2026 18:30:00 Huawei %%01SHELL/5/LOGIN(l)[0]:text".
func (d *Device) logf(module string, severity int, brief, format string, a ...any) {
	l := d.log
	name := d.Sysname()
	l.mu.Lock()
	defer l.mu.Unlock()
	key := module + "/" + brief
	n := l.seq[key]
	l.seq[key] = n + 1
	line := fmt.Sprintf("%s %s %%%%01%s/%d/%s(l)[%d]:%s",
		d.now().Format("Jan 2 2006 15:04:05"), name, module, severity, brief, n, fmt.Sprintf(format, a...))
	l.lines = append(l.lines, line)
	if len(l.lines) > logBufferSize {
		l.lines = l.lines[len(l.lines)-logBufferSize:]
	}
}

// Log returns the log buffer, oldest first.
func (d *Device) Log() []string {
	d.log.mu.Lock()
	defer d.log.mu.Unlock()
	return append([]string(nil), d.log.lines...)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func (d *Device) logAAA(ev aaa.Event) {
	switch ev.Kind {
	case aaa.EventLocked:
		d.logf("AAA", 6, "LOCALACCOUNT_LOCK", "Local account %s has been locked.", ev.User)
	case aaa.EventUnlocked:
		d.logf("AAA", 6, "LOCALACCOUNT_UNLOCK", "Local account %s has been unlocked.", ev.User)
	}
}
