#!/usr/bin/env bash
# bench.sh: vrpsim's benchmarks, the README's command. The work is done by
# cmd/vrpbench (the logic is in cmd/vrpbench/internal/bench); "scripts/bench.sh -h",
# "scripts/bench.sh lab -h" and "scripts/bench.sh client -h" explain every
# figure and flag.
#
#   scripts/bench.sh                       the FTP server against vsftpd (as root):
#                                          1 GiB, 256 MiB ASCII, 200 clients, 31 runs
#   scripts/bench.sh -runs 3 -size 64MiB   a short run: it checks the benchmark,
#   scripts/bench.sh -quick                its figures are not for comparison
#   scripts/bench.sh lab                   a lab of 1,000 devices in one process
#   scripts/bench.sh client                the device's FTP client against curl (as root)
#   scripts/bench.sh sftp                  the SFTP server against OpenSSH's sftp-server (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./cmd/vrpbench "$@"
