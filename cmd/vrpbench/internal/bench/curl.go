package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ftpLogin is where a benchmark's FTP clients go: a server and its login.
type ftpLogin struct {
	host     string
	port     int
	user     string
	password string
}

func (l ftpLogin) addr() string { return net.JoinHostPort(l.host, strconv.Itoa(l.port)) }

// url returns the FTP URL of a file on the server.
func (l ftpLogin) url(path string) string { return "ftp://" + l.addr() + "/" + path }

// curlRun runs curl with the login of l and args, prefixed by prefix (taskset
// when curl runs pinned), bounded by limit (curl gets limit-60s for itself,
// --max-time). It returns what curl printed on standard output (what -w asks
// for); its errors go to errLog. A curl that fails still returns its output:
// "-w %{exitcode}" reports the failure; a curl killed at limit returns "".
func curlRun(ctx context.Context, errLog io.Writer, limit time.Duration, prefix []string, l ftpLogin, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	argv := append(slices.Clone(prefix), "curl", "-sS", "--max-time", strconv.Itoa(int((limit-time.Minute)/time.Second)),
		"-u", l.user+":"+l.password)
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, errLog
	if err := cmd.Run(); err != nil && ctx.Err() != nil {
		return ""
	}
	return out.String()
}

// crowdConfig is the curl configuration (curl -K) of n downloads of url, each
// written nowhere.
func crowdConfig(url string, n int) string {
	var b strings.Builder
	for range n {
		fmt.Fprintf(&b, "url = %q\noutput = \"/dev/null\"\n", url)
	}
	return b.String()
}

// crowdResult is the outcome of a crowd of downloads.
type crowdResult struct {
	wall   time.Duration
	failed int
	why    string // the kinds of failure with their counts, "" for none
}

// parseCrowd reads curl's "-w '%{exitcode} %{response_code}
// %{size_download}\n'" lines of n downloads of a file of size bytes. A
// download that did not end with exit 0 and the whole file failed; so did
// one without a line (curl killed). Failures are grouped by exit code and
// last reply: "3 x curl exit 28, last reply 000; 1 x ...".
func parseCrowd(out string, n int, size int64) (failed int, why string) {
	ok, lines := 0, 0
	kinds := make(map[string]int)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		lines++
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "0" && f[2] == strconv.FormatInt(size, 10) {
			ok++
			continue
		}
		if len(f) >= 2 {
			kinds["curl exit "+f[0]+", last reply "+f[1]]++
		} else {
			kinds[fmt.Sprintf("curl printed %q", sc.Text())]++
		}
	}
	if lines < n {
		kinds["no result (curl killed)"] += n - lines
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		parts = append(parts, fmt.Sprintf("%d x %s", kinds[k], k))
	}
	return n - ok, strings.Join(parts, "; ")
}
