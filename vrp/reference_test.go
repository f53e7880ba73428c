package vrp

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite generated files")

const referencePath = "../docs/commands.md"

// TestCommandReference fails when docs/commands.md is stale: run
// go generate ./vrp after changing a command.
func TestCommandReference(t *testing.T) {
	got, err := CommandReference()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(referencePath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatalf("%v (run go generate ./vrp)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("docs/commands.md is stale; run go generate ./vrp (-file +grammar):\n%s", diff)
	}
}
