package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vrpsim/vrpsim/cmd/vrpbench/internal/bench/proc"
)

// TestServerReport pins the server benchmark's report: every figure, its
// name and the arithmetic behind it (medians of the runs, the paired ratio
// with its range, the ratio vrpsim/vsftpd), from the samples of 3 runs.
func TestServerReport(t *testing.T) {
	o, err := parseServerFlags([]string{"-runs", "3", "-size", "64MiB", "-crowd-runs", "2"}, new(strings.Builder))
	if err != nil {
		t.Fatal(err)
	}
	res := serverResult{opts: o, placements: []string{"free", "pinned"}, samples: map[string]map[string][]string{},
		memStart:     map[string]int64{"vrpsim": 12186, "vsftpd": 3174},
		mem0:         map[string]proc.Memory{"vrpsim": {PSS: 40243, RSS: 41779, Processes: 1}, "vsftpd": {PSS: 3174, RSS: 3502, Processes: 1}},
		mem:          map[string]proc.Memory{"vrpsim": {PSS: 40448, RSS: 41984, Processes: 1}, "vsftpd": {PSS: 24166, RSS: 338022, Processes: 401}},
		idleOK:       map[string]int{"vrpsim": 200, "vsftpd": 200},
		crowdDefault: crowdResult{wall: 2061 * time.Millisecond, failed: 195, why: "195 x curl exit 28, last reply 421"},
		notes:        []string{"vrpsim at the default limit of 5 users: 195 of 200 failed (195 x curl exit 28, last reply 421) in 2.06s"},
		loadStart:    "1.48 2.92 3.57", loadEnd: "1.88 2.92 3.56", curlVersion: "7.88.1", cpus: 2,
		date: time.Date(2026, 12, 3, 13, 24, 59, 0, time.UTC),
	}
	add := func(key string, vr []string, vs ...string) {
		for i := range vr {
			res.add(key, "vrpsim", vr[i])
			res.add(key, "vsftpd", vs[i])
		}
	}
	add("retr", []string{"2400", "2600", "2500"}, "2000", "2600", "2400")
	add("cpu_retr", []string{"0.32", "0.30", "0.31"}, "0.48", "0.50", "0.49")
	add("retr_pinned", []string{"2100", "2200", "2300"}, "2000", "2000", "2000")
	add("cpu_retr_pinned", []string{"0.32", "0.32", "0.32"}, "0.96", "0.96", "0.96")
	add("stor", []string{"1095", "1100", "1000"}, "312", "400", "350")
	add("cpu_stor", []string{"0.80", "0.80", "0.80"}, "1.76", "1.76", "1.76")
	add("stor_pinned", []string{"433", "433", "433"}, "618", "618", "618")
	add("cpu_stor_pinned", []string{"1.92", "1.92", "1.92"}, "1.12", "1.12", "1.12")
	add("ascii", []string{"725", "725", "725"}, "179", "179", "179")
	add("cpu_ascii", []string{"0.63", "0.63", "0.63"}, "2.53", "2.53", "2.53")
	add("ascii_pinned", []string{"899", "899", "899"}, "294", "294", "294")
	add("cpu_ascii_pinned", []string{"0.63", "0.63", "0.63"}, "3.16", "3.16", "3.16")
	add("login", []string{"0.002574", "0.001592", "0.001179", "0.0016", "0.0015", "0.0017", "0.0018"},
		"0.021973", "0.020059", "0.020473", "0.0201", "0.0202", "0.0203", "0.0204")
	add("crowd_wall", []string{"0.14", "0.15"}, "1.34", "1.35")
	add("crowd_failed", []string{"0", "0"}, "0", "1")
	add("crowd_cpu", []string{"0.04", "0.05"}, "1.47", "1.48")

	var b strings.Builder
	if err := res.report(&b); err != nil {
		t.Fatal(err)
	}
	want := `
vrpsim vs vsftpd, loopback, files on tmpfs, curl 7.88.1, 2 CPUs, 2026-12-03 13:24 UTC
load average at start: 1.48 2.92 3.57, at end: 1.88 2.92 3.56 (figures from a busy machine are noisy)
medians of 3 run(s) (session setup: 7, crowd: 2); ratio = vrpsim / vsftpd
transfers twice: placed by the scheduler, and pinned with taskset (curl on CPU 0, the server on CPU 1)
a short run (not 31 runs of 1 GiB, 200 clients): it checks the benchmark; its figures are not for comparison

figure                                                                      vrpsim     vsftpd             ratio
------                                                                      ------     ------             -----
RETR 64 MiB (MiB/s), placed by the scheduler                                  2500       2400              1.04
  paired: median (min-max) of the runs' ratios                                   -          -  1.04 (1.00-1.20)
  server CPU (s per GiB sent)                                                 0.31       0.49              0.63
RETR 64 MiB (MiB/s), curl on CPU 0, server on CPU 1                           2200       2000              1.10
  paired: median (min-max) of the runs' ratios                                   -          -  1.10 (1.05-1.15)
  server CPU (s per GiB sent)                                                 0.32       0.96              0.33
STOR 64 MiB (MiB/s), placed by the scheduler                                  1095        350              3.13
  paired: median (min-max) of the runs' ratios                                   -          -  2.86 (2.75-3.51)
  server CPU (s per GiB sent)                                                  0.8       1.76              0.45
STOR 64 MiB (MiB/s), curl on CPU 0, server on CPU 1                            433        618              0.70
  paired: median (min-max) of the runs' ratios                                   -          -  0.70 (0.70-0.70)
  server CPU (s per GiB sent)                                                 1.92       1.12              1.71
ASCII RETR 256 MiB (MiB/s on the wire), placed by the scheduler                725        179              4.05
  paired: median (min-max) of the runs' ratios                                   -          -  4.05 (4.05-4.05)
  server CPU (s per GiB sent)                                                 0.63       2.53              0.25
ASCII RETR 256 MiB (MiB/s on the wire), curl on CPU 0, server on CPU 1         899        294              3.06
  paired: median (min-max) of the runs' ratios                                   -          -  3.06 (3.06-3.06)
  server CPU (s per GiB sent)                                                 0.63       3.16              0.20
session: connect+login+SIZE+QUIT (ms)                                          1.6       20.3              0.08
200 x 1024 KiB at once: wall (s)                                             0.145      1.345              0.11
200 x 1024 KiB at once: failed                                                   0        0.5                 -
  server CPU (s)                                                             0.045      1.475              0.03
  same, vrpsim at default 5 users: wall (s) / failed                    2.06 / 195          -                 -
memory at start, before any login: PSS (MiB)                                  11.9        3.1              3.84
memory, no session, after some logins: PSS (MiB)                              39.3        3.1             12.68
memory, 200 idle sessions: PSS (MiB)                                          39.5       23.6              1.67
memory, 200 idle sessions: RSS sum (MiB)                                      41.0      330.1              0.12
  idle sessions logged in / processes                                      200 / 1  200 / 401                 -
memory per idle session: PSS (KiB)                                               1        104              0.01

runs:
  retr              vrpsim: 2400 2600 2500 | vsftpd: 2000 2600 2400
  cpu_retr          vrpsim: 0.32 0.30 0.31 | vsftpd: 0.48 0.50 0.49
  retr_pinned       vrpsim: 2100 2200 2300 | vsftpd: 2000 2000 2000
  cpu_retr_pinned   vrpsim: 0.32 0.32 0.32 | vsftpd: 0.96 0.96 0.96
  stor              vrpsim: 1095 1100 1000 | vsftpd: 312 400 350
  cpu_stor          vrpsim: 0.80 0.80 0.80 | vsftpd: 1.76 1.76 1.76
  stor_pinned       vrpsim: 433 433 433 | vsftpd: 618 618 618
  cpu_stor_pinned   vrpsim: 1.92 1.92 1.92 | vsftpd: 1.12 1.12 1.12
  ascii             vrpsim: 725 725 725 | vsftpd: 179 179 179
  cpu_ascii         vrpsim: 0.63 0.63 0.63 | vsftpd: 2.53 2.53 2.53
  ascii_pinned      vrpsim: 899 899 899 | vsftpd: 294 294 294
  cpu_ascii_pinned  vrpsim: 0.63 0.63 0.63 | vsftpd: 3.16 3.16 3.16
  login             vrpsim: 0.002574 0.001592 0.001179 0.0016 0.0015 0.0017 0.0018 | vsftpd: 0.021973 0.020059 0.020473 0.0201 0.0202 0.0203 0.0204
  crowd_wall        vrpsim: 0.14 0.15 | vsftpd: 1.34 1.35
  crowd_failed      vrpsim: 0 0 | vsftpd: 0 1
  crowd_cpu         vrpsim: 0.04 0.05 | vsftpd: 1.47 1.48
notes:
  - curl reports a 421 greeting (vrpsim's 'too many users/connections') as exit 28, like a timeout;
    exit 28 with last reply 000 is a real timeout: no greeting within --max-time (vsftpd's backlog of 32).
  - vrpsim hashes passwords with argon2id (12 MiB, 2 hashes at once); Go keeps the freed heap for a while, so
    its memory after logins exceeds its memory at start, and the per-session figure (difference of the idle
    server and 200 sessions, over 200) understates a session when sessions reuse that heap.
  - vsftpd: backlog of 32 (hard-coded), SHA-512 crypt password, ascii_*_enable=YES; vrpsim: argon2id password,
    ftp server max-sessions 256 for the crowd and memory tests; each crowd client has --max-time 30s.
  - vrpsim at the default limit of 5 users: 195 of 200 failed (195 x curl exit 28, last reply 421) in 2.06s
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

func TestClientReport(t *testing.T) {
	res := clientResult{opts: clientOptions{transferOptions: transferOptions{size: gib, runs: 4}},
		devGets: []string{"671.1", "700.0", "650.3", "690.0"}, curlGets: []string{"572.0", "600.0", "610.0", "590.0"},
		devPuts: []string{"1001.6", "990.0", "995.0", "1010.0"}, curlPuts: []string{"954.6", "0.0", "900.0", "980.0"}}
	var b strings.Builder
	if err := res.report(&b); err != nil {
		t.Fatal(err)
	}
	want := `
FTP client throughput, 1024 MiB binary file, vsftpd on loopback, passive mode, 4 run(s), MB/s
      device median  curl median   ratio    device best  curl best   ratio
get           680.5        595.0    1.14          700.0      610.0    1.15
put           998.3        927.3    1.08         1010.0      980.0    1.03
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	res.opts = clientOptions{transferOptions: transferOptions{size: 64 * mib, runs: 1}, active: true}
	res.devGets, res.curlGets, res.devPuts, res.curlPuts = []string{"10.0"}, []string{"0.0"}, []string{"5.0"}, []string{"4.0"}
	b.Reset()
	if err := res.report(&b); err != nil {
		t.Fatal(err)
	}
	want = `
FTP client throughput, 64 MiB binary file, vsftpd on loopback, active mode, 1 run(s), MB/s
      device median  curl median   ratio    device best  curl best   ratio
get            10.0          0.0       -           10.0        0.0       -
put             5.0          4.0    1.25            5.0        4.0    1.25
(a short run, below 3 runs of 1 GiB: it checks the benchmark; its figures are not for comparison)
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("short report (-want +got):\n%s", diff)
	}
}

func TestLabReport(t *testing.T) {
	res := labResult{opts: labOptions{devices: 1000, sessions: 100, backups: 100, logins: 2}, cpus: 2, goVersion: "go1.26.8",
		start: 690 * time.Millisecond, own: "412ms", idleRSS: 54272, busyRSS: 122880,
		held:     "held 200 sessions, 0 failed",
		backups:  "100 backups in 29.0 s, 1 failed (netmiko log-in: median 8.5 s, max 9.1 s)\n  D7: RuntimeError('save') at backup.py:31\n",
		shutdown: 160 * time.Millisecond}
	var b strings.Builder
	if err := res.report(&b); err != nil {
		t.Fatal(err)
	}
	want := `
vrpsim lab bench: 1000 devices, 2 CPUs, go1.26.8
  start (exec to ready):         690 ms (the process's own figure: 412ms)
  RSS idle:                      53.0 MiB
  RSS, 100 SSH + 100 FTP sessions: 120.0 MiB (held 200 sessions, 0 failed; logins at once: 2)
  backups:                       100 backups in 29.0 s, 1 failed (netmiko log-in: median 8.5 s, max 9.1 s)
  D7: RuntimeError('save') at backup.py:31
  shutdown (SIGTERM to exit):    160 ms
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}
