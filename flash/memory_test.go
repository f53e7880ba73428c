package flash

import "testing"

func TestMemory(t *testing.T) {
	testConformance(t, func(t *testing.T, opts Options) FS { return NewMemory(opts) })
}
