// Command vrpbench runs vrpsim's benchmarks: the device's FTP server against
// vsftpd (transfers, session setup, 200 clients at once, memory with idle
// sessions), a lab of 1,000 devices in one process ("lab"), and the device's
// FTP client against curl ("client"), and the device's SFTP server against
// OpenSSH's sftp-server ("sftp"). scripts/bench.sh runs it.
//
// Usage:
//
//	vrpbench [-quick] [-runs N] [-size SIZE] [flags]
//	vrpbench lab [-devices N] [flags]
//	vrpbench client [-runs N] [-size SIZE] [-active] [flags]
//	vrpbench sftp [-runs N] [-size SIZE] [-cipher CIPHER] [flags]
//
// "vrpbench -h", "vrpbench lab -h" and "vrpbench client -h" explain each
// figure. The logic is in internal/bench.
package main

import (
	"os"

	"github.com/vrpsim/vrpsim/cmd/vrpbench/internal/bench"
)

func main() {
	os.Exit(bench.Main(os.Args[1:], os.Stdout, os.Stderr))
}
