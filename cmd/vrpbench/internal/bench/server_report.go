package bench

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vrpsim/vrpsim/cmd/vrpbench/internal/bench/proc"
	"github.com/vrpsim/vrpsim/cmd/vrpbench/internal/bench/stats"
)

// serverResult is what RunServer measured, and what its report says about
// the run.
type serverResult struct {
	opts       serverOptions
	placements []string
	// samples[key][server]: one figure per run, as printed ("2345", "0.41").
	samples      map[string]map[string][]string
	memStart     map[string]int64       // PSS (KiB) before any login
	mem0         map[string]proc.Memory // no session, after some logins
	mem          map[string]proc.Memory // with the idle sessions
	idleOK       map[string]int         // idle sessions that logged in
	crowdDefault crowdResult            // vrpsim at its default limit
	notes        []string
	textLines    int64 // LFs of the ASCII file: each goes out as CR LF

	loadStart, loadEnd string
	curlVersion        string
	cpus               int
	date               time.Time
}

// add appends a figure of one run.
func (res *serverResult) add(key, server, value string) {
	if res.samples[key] == nil {
		res.samples[key] = make(map[string][]string)
	}
	res.samples[key][server] = append(res.samples[key][server], value)
}

// floats returns the figures of key for server; a sample that does not
// parse makes the figure NaN ("nan" in the report), not a failure.
func (res *serverResult) floats(key, server string) []float64 {
	xs, err := stats.Floats(res.samples[key][server])
	if err != nil {
		return nil
	}
	return xs
}

func (res *serverResult) median(key, server string) float64 {
	return stats.Median(res.floats(key, server))
}

// sampleKeys are the keys of the "runs:" list, in its order.
var sampleKeys = []string{
	"retr", "cpu_retr", "retr_pinned", "cpu_retr_pinned",
	"stor", "cpu_stor", "stor_pinned", "cpu_stor_pinned",
	"ascii", "cpu_ascii", "ascii_pinned", "cpu_ascii_pinned",
	"login", "crowd_wall", "crowd_failed", "crowd_cpu",
}

// report writes the report: a header on the run, the table of figures with
// the ratio vrpsim/vsftpd, every run's figures, and notes.
func (res *serverResult) report(w io.Writer) error {
	o := res.opts
	const a, b = "vrpsim", "vsftpd"
	num := stats.Num
	kib := func(k int64) string { return fmt.Sprintf("%.1f", float64(k)/1024) }
	ratioInt := func(x, y int64) string { return stats.Ratio(float64(x), float64(y)) }
	rows := [][]string{{"figure", a, b, "ratio"}, {"------", "------", "------", "-----"}}
	row := func(cells ...string) { rows = append(rows, cells) }

	for _, kind := range []string{"retr", "stor", "ascii"} {
		for _, p := range res.placements {
			k := sampleKey(kind, p)
			var name string
			switch kind {
			case "retr":
				name = fmt.Sprintf("RETR %d MiB (MiB/s)", o.bigSize>>20)
			case "stor":
				name = fmt.Sprintf("STOR %d MiB (MiB/s)", o.bigSize>>20)
			case "ascii":
				name = fmt.Sprintf("ASCII RETR %d MiB (MiB/s on the wire)", o.textSize>>20)
			}
			switch p {
			case "free":
				name += ", placed by the scheduler"
			case "pinned":
				name += ", curl on CPU 0, server on CPU 1"
			}
			x, y := res.median(k, a), res.median(k, b)
			row(name, num(x), num(y), stats.Ratio(x, y))
			row("  paired: median (min-max) of the runs' ratios", "-", "-", stats.PairedRatio(res.floats(k, a), res.floats(k, b)))
			x, y = res.median("cpu_"+k, a), res.median("cpu_"+k, b)
			row("  server CPU (s per GiB sent)", num(x), num(y), stats.Ratio(x, y))
		}
	}
	x, y := res.median("login", a), res.median("login", b)
	row("session: connect+login+SIZE+QUIT (ms)", fmt.Sprintf("%.1f", x*1000), fmt.Sprintf("%.1f", y*1000), stats.Ratio(x, y))
	crowd := fmt.Sprintf("%d x %d KiB at once", o.clients, o.smallSize>>10)
	x, y = res.median("crowd_wall", a), res.median("crowd_wall", b)
	row(crowd+": wall (s)", num(x), num(y), stats.Ratio(x, y))
	x, y = res.median("crowd_failed", a), res.median("crowd_failed", b)
	row(crowd+": failed", num(x), num(y), "-")
	x, y = res.median("crowd_cpu", a), res.median("crowd_cpu", b)
	row("  server CPU (s)", num(x), num(y), stats.Ratio(x, y))
	row("  same, vrpsim at default 5 users: wall (s) / failed",
		fmt.Sprintf("%.2f / %d", res.crowdDefault.wall.Seconds(), res.crowdDefault.failed), "-", "-")
	row("memory at start, before any login: PSS (MiB)", kib(res.memStart[a]), kib(res.memStart[b]), ratioInt(res.memStart[a], res.memStart[b]))
	row("memory, no session, after some logins: PSS (MiB)", kib(res.mem0[a].PSS), kib(res.mem0[b].PSS), ratioInt(res.mem0[a].PSS, res.mem0[b].PSS))
	row(fmt.Sprintf("memory, %d idle sessions: PSS (MiB)", o.idle), kib(res.mem[a].PSS), kib(res.mem[b].PSS), ratioInt(res.mem[a].PSS, res.mem[b].PSS))
	row(fmt.Sprintf("memory, %d idle sessions: RSS sum (MiB)", o.idle), kib(res.mem[a].RSS), kib(res.mem[b].RSS), ratioInt(res.mem[a].RSS, res.mem[b].RSS))
	row("  idle sessions logged in / processes",
		fmt.Sprintf("%d / %d", res.idleOK[a], res.mem[a].Processes), fmt.Sprintf("%d / %d", res.idleOK[b], res.mem[b].Processes), "-")
	perA := (res.mem[a].PSS - res.mem0[a].PSS) / int64(o.idle)
	perB := (res.mem[b].PSS - res.mem0[b].PSS) / int64(o.idle)
	row("memory per idle session: PSS (KiB)", fmt.Sprint(perA), fmt.Sprint(perB), ratioInt(perA, perB))

	var out strings.Builder
	fmt.Fprintf(&out, "\nvrpsim vs vsftpd, loopback, files on tmpfs, curl %s, %d CPUs, %s\n",
		res.curlVersion, res.cpus, res.date.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&out, "load average at start: %s, at end: %s (figures from a busy machine are noisy)\n", res.loadStart, res.loadEnd)
	fmt.Fprintf(&out, "medians of %d run(s) (session setup: %d, crowd: %d); ratio = vrpsim / vsftpd\n", o.runs, 2*o.runs+1, o.crowdRuns)
	if len(res.placements) > 1 {
		out.WriteString("transfers twice: placed by the scheduler, and pinned with taskset (curl on CPU 0, the server on CPU 1)\n")
	}
	if !o.full() {
		out.WriteString("a short run (not 31 runs of 1 GiB, 200 clients): it checks the benchmark; its figures are not for comparison\n")
	}
	out.WriteString("\n")
	if err := stats.Table(&out, rows); err != nil {
		return err
	}
	out.WriteString("\nruns:\n")
	for _, k := range sampleKeys {
		if len(res.samples[k][a]) == 0 {
			continue
		}
		fmt.Fprintf(&out, "  %-17s vrpsim: %s | vsftpd: %s\n", k,
			strings.Join(res.samples[k][a], " "), strings.Join(res.samples[k][b], " "))
	}
	out.WriteString("notes:\n")
	for _, n := range []string{
		"curl reports a 421 greeting (vrpsim's 'too many users/connections') as exit 28, like a timeout;\n" +
			"    exit 28 with last reply 000 is a real timeout: no greeting within --max-time (vsftpd's backlog of 32).",
		"vrpsim hashes passwords with argon2id (12 MiB, 2 hashes at once); Go keeps the freed heap for a while, so\n" +
			"    its memory after logins exceeds its memory at start, and the per-session figure (difference of the idle\n" +
			fmt.Sprintf("    server and %d sessions, over %d) understates a session when sessions reuse that heap.", o.idle, o.idle),
		"vsftpd: backlog of 32 (hard-coded), SHA-512 crypt password, ascii_*_enable=YES; vrpsim: argon2id password,\n" +
			fmt.Sprintf("    ftp server max-sessions %d for the crowd and memory tests; each crowd client has --max-time %ds.",
				o.raised, int(o.clientMaxTime.Seconds())),
	} {
		fmt.Fprintf(&out, "  - %s\n", n)
	}
	for _, n := range res.notes {
		fmt.Fprintf(&out, "  - %s\n", n)
	}
	_, err := io.WriteString(w, out.String())
	return err
}
