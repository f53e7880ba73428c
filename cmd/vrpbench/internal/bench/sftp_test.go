package bench

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSFTPFlags(t *testing.T) {
	o, err := parseSFTPFlags([]string{"-quick"}, io.Discard)
	if err != nil || o.size != 64*mib || o.runs != 1 || o.cipher != "aes128-gcm@openssh.com" {
		t.Errorf("-quick: %+v, %v", o, err)
	}
	for _, args := range [][]string{{"-runs", "0"}, {"-size", "2GiB"}, {"-cipher", "aes128-ctr,aes256-ctr"}, {"extra"}} {
		if _, err := parseSFTPFlags(args, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

func TestSFTPReport(t *testing.T) {
	r := sftpResult{opts: sftpOptions{transferOptions: transferOptions{size: gib, runs: 3}, cipher: "aes128-gcm@openssh.com"},
		devGets: []string{"400.0", "500.0", "450.0"}, devPuts: []string{"300.0", "350.0", "320.0"},
		sshGets: []string{"500.0", "500.0", "600.0"}, sshPuts: []string{"400.0", "320.0", "300.0"}}
	var b strings.Builder
	if err := r.report(&b); err != nil {
		t.Fatal(err)
	}
	want := `
SFTP server throughput, 1024 MiB file, OpenSSH sftp client, aes128-gcm@openssh.com, loopback, 3 run(s), MB/s
      device median  OpenSSH median   ratio    device best  OpenSSH best   ratio
get           450.0           500.0    0.90          500.0         600.0    0.83
put           320.0           320.0    1.00          350.0         400.0    0.88
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}
