package vrp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandFilesTakeNoLock: command handlers (the _cmd.go files) go
// through their feature's model; only the model takes the device's lock
// and touches the running configuration (see the package doc).
func TestCommandFilesTakeNoLock(t *testing.T) {
	files, err := filepath.Glob("*_cmd.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no command files: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, ".mu.") || strings.Contains(line, ".cfg.") {
				t.Errorf("%s:%d: a command handler reaches into the model: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
