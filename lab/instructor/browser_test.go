package instructor

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// browser starts Debian's chromium, headless; the test is skipped without
// it, unless CI=true.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (scripts/test.sh installs it)")
		}
		t.Skip("chromium is not installed")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.WindowSize(1400, 1000),
		chromedp.Flag("headless", true),
		chromedp.DisableGPU,
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // chromium refuses to run as root with its sandbox
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// the whole browser session is bounded; no single step is timed
	ctx, cancel3 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

// artifactDir is where screenshots go: $VRPSIM_ARTIFACTS, or a temporary
// directory of the test.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("VRPSIM_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// text gets the text of the elements matching sel, joined by "\n".
func text(sel string, out *string) chromedp.Action[chromedp.Void] {
	get := chromedp.Evaluate[string](fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(e => e.innerText).join("\n")`, sel))
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := get(ctx, t)
		*out = v
		return err
	})
}

// waitFor waits until the JavaScript expression is true (the page is live:
// it changes as the lesson runs). The bound only ends a test that would
// otherwise hang.
func waitFor(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))
}

// screenshot captures the element sel as PNG.
func screenshot(sel string, out *[]byte) chromedp.Action[chromedp.Void] {
	shot := chromedp.Screenshot(chromedp.CSS(sel))
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := shot(ctx, t)
		*out = v
		return err
	})
}

// instructorAuth sends the instructor's password with every request.
func instructorAuth(auth string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": auth}})
		return err
	})
}

// TestBrowser loads the instructor's page in chromium, runs the lesson while
// it is open and checks what the page shows: the decoded port of R2's 227
// reply (the port R1's data connection went to), the failed data
// connection of the firewalled client with its reason, the refused login's
// reason and the checks. It keeps a screenshot of the ladder.
func TestBrowser(t *testing.T) {
	ll := startLessonLab(t, "127.87.0")
	ctx := browser(t) // stopped first at the end, so that its live connection ends before the server closes
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("instructor:"+instrPassword))
	err := chromedp.Do(ctx,
		instructorAuth(auth),
		chromedp.Navigate(ll.http.URL+"/?device=R2"),
		waitFor(`document.getElementById("live").textContent === "live"`),
		waitFor(`document.querySelectorAll("#grid tbody tr").length === 2`),
	)
	if err != nil {
		t.Fatalf("loading the page: %v", err)
	}

	// The lesson runs while the page is open.
	ll.transfers(t)
	ll.settle(t)
	ll.refusedLogins(t)
	ll.settle(t)
	ll.firewalled(t, "127.87.0.9")
	ll.settle(t)

	// The real data port of R1's passive upload, from the API.
	_, body := ll.get(t, "/api/devices/R2/events?session=ftp-server/1", "instructor")
	var evs []Event
	if err := json.Unmarshal([]byte(body), &evs); err != nil {
		t.Fatal(err)
	}
	dataTo, pasv := "", ""
	for _, e := range evs {
		if e.Data != nil && e.Data.Mode == "passive" {
			dataTo = e.Data.To
		}
		if strings.HasPrefix(e.Line, "227 ") {
			pasv = e.Line
		}
	}
	port := dataTo[strings.LastIndexByte(dataTo, ':')+1:]
	var p1, p2 int
	fmt.Sscanf(port, "%d", &p1)
	p1, p2 = p1/256, p1%256

	var decoded, failed, lastError, checks string
	dir := artifactDir(t)
	var shot, failedShot, page []byte
	err = chromedp.Do(ctx,
		// the failed data connection of the firewalled client (the newest
		// FTP session, which the page shows)
		waitFor(`document.querySelector("#ladder .arrow.data.failed") !== null`),
		text("#ladder .arrow.data.failed", &failed),
		screenshot("#ladder", &failedShot),
		text(`#grid tr[data-device="R2"] .last-error`, &lastError),
		// the passive upload's session
		chromedp.Click(chromedp.CSS(`#sessions li[data-session="ftp-server/1"]`)),
		waitFor(`document.getElementById("sname").textContent === "ftp-server/1" && document.querySelector("#ladder .decoded") !== null`),
		text("#ladder .arrow.rep .decoded", &decoded),
		waitFor(`Array.from(document.querySelectorAll("#checks td.result")).filter(e => e.textContent === "pass").length === 5`),
		text("#checks tbody tr", &checks),
		chromedp.ScrollIntoView(chromedp.CSS("#ladder")),
		screenshot("#ladder", &shot),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			var err error
			page, err = chromedp.FullScreenshot(100)(ctx, t)
			return err
		}),
	)
	if err != nil {
		t.Fatalf("the page after the lesson: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ladder.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ladder-failed.png"), failedShot, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "page.png"), page, 0o644); err != nil {
		t.Fatal(err)
	}
	if doc := os.Getenv("VRPSIM_DOCS_SCREENSHOTS"); doc != "" { // docs/instructor.md's pictures
		for name, data := range map[string][]byte{"instructor-ladder.png": shot, "instructor-ladder-failed.png": failedShot} {
			if err := os.WriteFile(filepath.Join(doc, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("ladder screenshot: %s", filepath.Join(dir, "ladder.png"))

	wantDecoded := fmt.Sprintf("127,87,0,2,%d,%d -> 127.87.0.2 port %d*256+%d = %s", p1, p2, p1, p2, port)
	if !strings.Contains(pasv, fmt.Sprintf("(127,87,0,2,%d,%d)", p1, p2)) || decoded != wantDecoded {
		t.Errorf("decoded on the page: %q, want %q (227 reply %q, data connection to %s)", decoded, wantDecoded, pasv, dataTo)
	}
	if !strings.HasPrefix(failed, "FAILED active: server opens 127.87.0.2 → 127.87.0.9:") ||
		!strings.Contains(failed, "reason: connect to 127.87.0.9:") || !strings.HasSuffix(failed, "connect: connection refused") {
		t.Errorf("failed data connection on the page: %q", failed)
	}
	if !strings.Contains(lastError, "data connection failed (active, opened by the server)") || !strings.Contains(lastError, "why: connect to 127.87.0.9:") {
		t.Errorf("R2's last error on the page: %q", lastError)
	}
	wantChecks := "R2 has user admin with ftp-directory flash:\tR2\tpass\tuser admin has service-type ftp and ftp-directory flash:/\n" +
		"a binary transfer from R1 to R2 succeeded in passive mode\tR1\tpass\tbinary passive STOR r1.cfg: 226 Transfer complete.\n" +
		"an ASCII transfer from R1 to R2 succeeded in active mode\tR1\tpass\tascii active RETR r1.cfg: 226 Transfer complete.\n" +
		"the FTP server is enabled\tR1\tpass\tthe FTP server is enabled\n" +
		"the FTP server is enabled\tR2\tpass\tthe FTP server is enabled"
	if checks != wantChecks {
		t.Errorf("checks on the page:\n%s\nwant:\n%s", checks, wantChecks)
	}

	// The refused SSH login's reason is in R2's log, which the grid showed
	// as the last error before the firewalled transfer.
	_, body = ll.get(t, "/api/devices/R2/events", "instructor")
	if !strings.Contains(body, `"reason": "wrong password"`) {
		t.Errorf("R2's events lack the refused login's reason")
	}
}
