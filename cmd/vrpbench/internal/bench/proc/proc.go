// Package proc reads what vrpsim's benchmarks (cmd/vrpbench) account for a
// server from Linux's /proc: the CPU time of a process and of the children it
// reaped (/proc/PID/stat), the process tree below a process, its memory as
// proportional set size (PSS, /proc/PID/smaps_rollup) and resident set size
// (RSS).
//
// A [Dir] reads a /proc tree; tests give it a directory of their own.
package proc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// Dir reads the /proc tree it holds (a Linux procfs, or a copy of its files).
type Dir struct {
	fsys fs.FS
}

// New returns a Dir reading the tree at path, usually "/proc".
func New(path string) Dir {
	return Dir{fsys: os.DirFS(path)}
}

// UserHZ is the number of clock ticks per second in which /proc reports
// CPU times (the kernel's USER_HZ, sysconf(_SC_CLK_TCK)): 100 on every
// architecture Go runs Linux on (include/asm-generic/param.h; only alpha
// differs).
const UserHZ = 100

// Seconds converts clock ticks of /proc to seconds.
func Seconds(ticks int64) float64 { return float64(ticks) / UserHZ }

// Stat is what the benchmarks use of /proc/PID/stat. Times are in clock
// ticks ([UserHZ] per second).
type Stat struct {
	PID    int
	Comm   string // the command name, without the parentheses
	State  byte
	PPID   int
	UTime  int64 // user time of the process
	STime  int64 // system time of the process
	CUTime int64 // user time of the children the process waited for
	CSTime int64 // system time of the children the process waited for
}

// OwnTicks is the CPU time of the process itself, user and system.
func (s Stat) OwnTicks() int64 { return s.UTime + s.STime }

// ReapedTicks is the CPU time of the children the process has waited for:
// a child's time reaches its parent only when the parent reaps it.
func (s Stat) ReapedTicks() int64 { return s.CUTime + s.CSTime }

// ParseStat parses the contents of /proc/PID/stat. The command name may
// hold spaces and parentheses: it runs from the first "(" to the last ")".
func ParseStat(b []byte) (Stat, error) {
	line := string(bytes.TrimSpace(b))
	open := strings.IndexByte(line, '(')
	end := strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return Stat{}, fmt.Errorf("stat %q: no (command name)", abbrev(line))
	}
	var s Stat
	var err error
	if s.PID, err = strconv.Atoi(strings.TrimSpace(line[:open])); err != nil {
		return Stat{}, fmt.Errorf("stat %q: process ID: %w", abbrev(line), err)
	}
	s.Comm = line[open+1 : end]
	// Fields from 3 (state) on; f[i] is field i+3 of proc(5).
	f := strings.Fields(line[end+1:])
	if len(f) < 15 || len(f[0]) != 1 {
		return Stat{}, fmt.Errorf("stat of %d: %d fields after the command name, want at least 15", s.PID, len(f))
	}
	s.State = f[0][0]
	ints := []struct {
		field int
		dst   *int64
	}{{14, &s.UTime}, {15, &s.STime}, {16, &s.CUTime}, {17, &s.CSTime}}
	for _, x := range ints {
		if *x.dst, err = strconv.ParseInt(f[x.field-3], 10, 64); err != nil {
			return Stat{}, fmt.Errorf("stat of %d: field %d: %w", s.PID, x.field, err)
		}
	}
	if s.PPID, err = strconv.Atoi(f[1]); err != nil {
		return Stat{}, fmt.Errorf("stat of %d: parent: %w", s.PID, err)
	}
	return s, nil
}

func abbrev(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// Stat reads /proc/PID/stat.
func (d Dir) Stat(pid int) (Stat, error) {
	b, err := fs.ReadFile(d.fsys, strconv.Itoa(pid)+"/stat")
	if err != nil {
		return Stat{}, fmt.Errorf("process %d: %w", pid, err)
	}
	return ParseStat(b)
}

// ended reports whether err says the process has ended: its directory is
// gone (ENOENT), or it went between opening one of its files and reading it
// (ESRCH, which procfs returns then).
func ended(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH)
}

// Parents maps each process ID under the tree to its parent's. Processes
// that end while it reads are left out.
func (d Dir) Parents() (map[int]int, error) {
	entries, err := fs.ReadDir(d.fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	parents := make(map[int]int, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !e.IsDir() {
			continue // not a process: /proc/self, /proc/sys, ...
		}
		s, err := d.Stat(pid)
		if ended(err) {
			continue // ended meanwhile
		}
		if err != nil {
			return nil, err
		}
		parents[pid] = s.PPID
	}
	return parents, nil
}

// Descendants returns pid and every process below it in parents (from
// [Dir.Parents]), sorted; nothing when pid is not in parents.
func Descendants(parents map[int]int, pid int) []int {
	if _, ok := parents[pid]; !ok {
		return nil
	}
	children := make(map[int][]int)
	for p, pp := range parents {
		children[pp] = append(children[pp], p)
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	slices.Sort(out)
	return out
}

// Descendants returns pid and every process below it, sorted; nothing when
// pid has ended.
func (d Dir) Descendants(pid int) ([]int, error) {
	parents, err := d.Parents()
	if err != nil {
		return nil, err
	}
	return Descendants(parents, pid), nil
}

// Memory is the memory of one or more processes, in KiB.
type Memory struct {
	PSS       int64 // proportional set size: shared pages divided among their users
	RSS       int64 // resident set size: shared pages counted in full by each
	Processes int   // how many processes were measured
}

// ParseSmapsRollup parses /proc/PID/smaps_rollup into PSS and RSS (one
// process).
func ParseSmapsRollup(b []byte) (Memory, error) {
	m := Memory{Processes: 1}
	var havePSS, haveRSS bool
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		var dst *int64
		switch f[0] {
		case "Pss:":
			dst, havePSS = &m.PSS, true
		case "Rss:":
			dst, haveRSS = &m.RSS, true
		default:
			continue
		}
		if len(f) != 3 || f[2] != "kB" {
			return Memory{}, fmt.Errorf("smaps_rollup line %q: want NAME: N kB", sc.Text())
		}
		v, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("smaps_rollup line %q: %w", sc.Text(), err)
		}
		*dst = v
	}
	if !havePSS || !haveRSS {
		return Memory{}, errors.New("smaps_rollup without Pss: and Rss: lines")
	}
	return m, nil
}

// Memory sums the memory of the processes pids from their smaps_rollup.
// Processes that have ended are not counted.
func (d Dir) Memory(pids ...int) (Memory, error) {
	var sum Memory
	for _, pid := range pids {
		b, err := fs.ReadFile(d.fsys, strconv.Itoa(pid)+"/smaps_rollup")
		if ended(err) {
			continue
		}
		if err != nil {
			return Memory{}, fmt.Errorf("process %d: %w", pid, err)
		}
		m, err := ParseSmapsRollup(b)
		if err != nil {
			return Memory{}, fmt.Errorf("process %d: %w", pid, err)
		}
		sum.PSS += m.PSS
		sum.RSS += m.RSS
		sum.Processes++
	}
	return sum, nil
}

// ParseVmRSS returns the VmRSS line of /proc/PID/status, in KiB.
func ParseVmRSS(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("status line %q: want VmRSS: N kB", sc.Text())
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, errors.New("status without a VmRSS line (a kernel thread or a zombie)")
}

// VmRSS reads the resident set size of pid from /proc/PID/status, in KiB.
func (d Dir) VmRSS(pid int) (int64, error) {
	b, err := fs.ReadFile(d.fsys, strconv.Itoa(pid)+"/status")
	if err != nil {
		return 0, fmt.Errorf("process %d: %w", pid, err)
	}
	v, err := ParseVmRSS(b)
	if err != nil {
		return 0, fmt.Errorf("process %d: %w", pid, err)
	}
	return v, nil
}
