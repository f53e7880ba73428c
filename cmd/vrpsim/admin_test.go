package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAdminFlag: vrpsim --admin serves the instructor's page of its one
// device on a loopback address, and refuses any other address.
func TestAdminFlag(t *testing.T) {
	var out, errOut syncBuffer
	if code := run(t.Context(), []string{"--admin", "0.0.0.0:0", "--data", t.TempDir()}, &out, &errOut); code != 1 ||
		errOut.String() != "vrpsim: --admin \"0.0.0.0:0\": 0.0.0.0 is not a loopback address: the page has no password\n" {
		t.Errorf("--admin 0.0.0.0:0: exit %d, stderr %q", code, errOut.String())
	}

	admin := freePort(t, "127.0.0.1")
	ssh := freePort(t, "127.0.0.1")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	out, errOut = syncBuffer{}, syncBuffer{}
	go func() {
		done <- run(ctx, []string{"--admin", fmt.Sprintf("127.0.0.1:%d", admin), "--ssh", fmt.Sprintf("127.0.0.1:%d", ssh), "--data", t.TempDir()}, &out, &errOut)
	}()
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(out.String(), "Press Ctrl+C"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("vrpsim --admin did not come up: %s%s", out.String(), errOut.String())
		}
	}
	if want := fmt.Sprintf("Instructor's page (docs/instructor.md):\n\n    http://127.0.0.1:%d/\n\n", admin); !strings.Contains(out.String(), want) {
		t.Errorf("stdout %q lacks %q", out.String(), want)
	}
	// a live page is open while vrpsim stops
	stream, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/stream", admin))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/devices", admin))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var rows []struct {
		Device    string `json:"device"`
		Running   bool   `json:"running"`
		Reachable bool   `json:"reachable"`
	}
	if err := json.Unmarshal(data, &rows); err != nil || len(rows) != 1 || rows[0].Device != "Huawei" || !rows[0].Running || !rows[0].Reachable {
		t.Errorf("GET /api/devices: %s (%v)", data, err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
}
