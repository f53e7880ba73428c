package instructor

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/api")

// normalize replaces what changes from run to run: ports (SSH, FTP, data),
// the decoded port numbers and the FTP client's transfer rate.
func normalize(s string) string {
	for _, r := range []struct{ re, to string }{
		{`(127\.\d+\.\d+\.\d+):\d+`, "${1}:PORT"},
		{`(127,\d+,\d+,\d+),\d+,\d+`, "${1},P1,P2"},
		{`port \d+\*256\+\d+ = \d+`, "port P1*256+P2 = PORT"},
		{`"port": \d+`, `"port": PORT`},
		{`\|\|\|\d+\|`, "|||PORT|"},
		{`in [\d.]+ second\(s\) [\d.]+ ?[KM]?byte\(s\)/sec`, "in TIME second(s) RATE"},
		{`"seq": \d+`, `"seq": N`},
		{`ftp (127\.\d+\.\d+\.\d+) \d+`, "ftp ${1} PORT"},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.to)
	}
	return s
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "api", name)
	got = normalize(got)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// TestAPI runs the lesson and pins the API's answers: the grid, the ladder
// of R2's server sessions and of R1's client session, the transcripts, the
// checks (JSON and CSV) and the metrics.
func TestAPI(t *testing.T) {
	ll := startLessonLab(t, "127.86.0")
	if code, _ := ll.get(t, "/api/devices", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /api/devices without credentials: %d, want 401", code)
	}
	ll.transfers(t)
	ll.settle(t)
	ll.refusedLogins(t)
	ll.settle(t)
	ll.firewalled(t, "127.86.0.9")
	ll.settle(t)

	for _, c := range []struct{ file, path string }{
		{"devices.json", "/api/devices"},
		{"r1-sessions.json", "/api/devices/R1/sessions"},
		{"r1-client-ladder.json", "/api/devices/R1/events?session=ftp-client/1"},
		{"r2-server-ladder.json", "/api/devices/R2/events?session=ftp-server/1"},
		{"r2-firewalled-ladder.json", "/api/devices/R2/events?session=ftp-server/3"},
		{"r1-transcripts.json", "/api/devices/R1/transcripts"},
		{"r2-events.json", "/api/devices/R2/events"},
		{"checks.json", "/api/checks"},
		{"checks.csv", "/api/checks.csv"},
		{"metrics.txt", "/metrics"},
	} {
		code, body := ll.get(t, c.path, "instructor")
		if code != http.StatusOK {
			t.Errorf("GET %s: %d %s", c.path, code, body)
			continue
		}
		golden(t, c.file, body)
	}
}

// TestAccess: a student's token reads its own device only and cannot act;
// the instructor's password is needed for actions and metrics.
func TestAccess(t *testing.T) {
	ll := startLessonLab(t, "127.86.1")
	r1 := "token:" + ll.srv.StudentToken("R1")
	for _, c := range []struct {
		method, path, auth string
		code               int
		body               string
	}{
		{"GET", "/api/whoami", r1, 200, "{\n  \"device\": \"R1\",\n  \"role\": \"student\"\n}\n"},
		{"GET", "/api/devices/R2", r1, 403, "{\n  \"error\": \"a student sees only the device of the token\"\n}\n"},
		{"GET", "/api/devices/R2/events", r1, 403, "{\n  \"error\": \"a student sees only the device of the token\"\n}\n"},
		{"POST", "/api/devices/R1/stop", r1, 403, "{\n  \"error\": \"only the instructor may do this\"\n}\n"},
		{"POST", "/devices/R1/stop", r1, 403, "{\n  \"error\": \"only the instructor may do this\"\n}\n"},
		{"GET", "/metrics", r1, 403, "{\n  \"error\": \"only the instructor may do this\"\n}\n"},
		{"GET", "/api/devices", "token:R1.00000000000000000000000000000000", 401, "{\n  \"error\": \"the instructor's password or a student's token is needed\"\n}\n"},
		{"GET", "/api/checks.csv", r1, 200, "check,device,result,detail\n" +
			"a binary transfer from R1 to R2 succeeded in passive mode,R1,fail,no binary transfer to R2 in passive mode yet\n" +
			"an ASCII transfer from R1 to R2 succeeded in active mode,R1,fail,no ascii transfer to R2 in active mode yet\n" +
			"the FTP server is enabled,R1,pass,the FTP server is enabled\n"},
		{"POST", "/api/devices/R2/faults", "instructor", 200, "{\n  \"refuse_logins\": true,\n  \"slow_ms\": 0,\n  \"flash_full\": false,\n  \"save_delay_ms\": 0,\n  \"cut_after_bytes\": 0\n}\n"},
		{"POST", "/api/devices/R2/stop", "instructor", 200, "{\n  \"action\": \"stop\",\n  \"device\": \"R2\"\n}\n"},
		{"POST", "/api/devices/R2/stop", "instructor", 409, "{\n  \"error\": \"R2: device is stopped\"\n}\n"},
		{"POST", "/api/devices/R9/stop", "instructor", 404, "{\n  \"error\": \"no such device\"\n}\n"},
	} {
		body := ""
		if c.path == "/api/devices/R2/faults" {
			body = `{"refuse_logins": true}`
		}
		code, got := ll.do(t, c.method, c.path, c.auth, body)
		if code != c.code || got != c.body {
			t.Errorf("%s %s as %.12s: %d %q, want %d %q", c.method, c.path, c.auth, code, got, c.code, c.body)
		}
	}
	// the student sees R1's row only
	_, rows := ll.get(t, "/api/devices", r1)
	if strings.Contains(rows, `"device": "R2"`) || !strings.Contains(rows, `"device": "R1"`) {
		t.Errorf("a student of R1 sees rows %s", rows)
	}
}

// TestDecodedPortIsTheDataPort: the port decoded from R2's 227 reply is the
// port R1's data connection went to, and the one decoded from R1's PORT
// command the port R2 connected to.
func TestDecodedPortIsTheDataPort(t *testing.T) {
	ll := startLessonLab(t, "127.86.2")
	ll.transfers(t)
	ll.settle(t)
	for _, c := range []struct{ path, line, mode string }{
		{"/api/devices/R2/events?session=ftp-server/1", "227 ", "passive"},
		{"/api/devices/R1/events?session=ftp-client/1", "PORT ", "active"},
	} {
		_, body := ll.get(t, c.path, "instructor")
		var evs []Event
		if err := json.Unmarshal([]byte(body), &evs); err != nil {
			t.Fatal(err)
		}
		decoded, to := "", ""
		for _, e := range evs {
			if strings.HasPrefix(e.Line, c.line) {
				decoded = e.Decoded
			}
			if e.Data != nil && e.Data.Mode == c.mode {
				to = e.Data.To
			}
		}
		var port int
		if i := strings.LastIndex(decoded, " = "); i < 0 || to == "" {
			t.Fatalf("%s: decoded %q, data connection to %q", c.path, decoded, to)
		} else {
			fmt.Sscan(decoded[i+3:], &port)
		}
		if !strings.HasSuffix(to, fmt.Sprintf(":%d", port)) {
			t.Errorf("%s: %q decodes port %d but the data connection went to %s", c.path, decoded, port, to)
		}
	}
}
