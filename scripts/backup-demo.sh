#!/usr/bin/env bash
# backup-demo.sh: an automated configuration-backup test, end to end, the way
# a pipeline would run it against a lab router. Copy it and adapt it.
#
#   1. builds vrpsim and starts a device (SSH on a free loopback port, flash in
#      a temporary data directory);
#   2. starts the "remote host": an FTP server on loopback (pyftpdlib under
#      /usr/bin/python3, Debian python3-pyftpdlib) with one user;
#   3. logs in to the device with OpenSSH (driven by expect, on a real pty, as
#      a person would) and runs
#        save                      (answers y)
#        ftp 127.0.0.1 PORT        (answers the user and password questions)
#        binary
#        put vrpcfg.zip
#        bye
#   4. checks that the SHA-256 of vrpcfg.zip on the FTP host equals that of
#      the device's flash file (DATA/flash/vrpcfg.zip), and that the device's
#      "FTP: N byte(s) sent" line names the file's size.
#
# It prints PASS or FAIL and exits 0 or 1 (2 for a bad argument or a missing
# tool). Everything it starts is stopped and its temporary directory removed
# on exit, also on failure or Ctrl+C (--keep leaves the directory).
#
# Needs: go, expect, ssh (openssh-client), python3-pyftpdlib, sha256sum.
# Usage: scripts/backup-demo.sh [--keep] [-v]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/vrpsim.sh # stop_pid, wait_line, start_vrpsim

keep=no
verbose=no
for arg in "$@"; do
	case $arg in
	--keep) keep=yes ;;
	-v) verbose=yes ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "backup-demo.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
	esac
done

python=/usr/bin/python3
ftp_user=backup
ftp_pass=Backup-pw-123
admin_pass=Admin@huawei

log() { printf 'backup-demo: %s\n' "$*" >&2; }
fail() { log "$*"; echo "FAIL"; exit 1; }

for tool in go expect ssh sha256sum; do
	command -v "$tool" >/dev/null || { log "$tool is missing"; exit 2; }
done
"$python" -c 'import pyftpdlib' 2>/dev/null || { log "$python cannot import pyftpdlib (apt-get install python3-pyftpdlib)"; exit 2; }

work=""
vrpsim_pid=""
ftpd_pid=""

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[[ -n $ftpd_pid ]] && stop_pid "$ftpd_pid"
	[[ -n $vrpsim_pid ]] && stop_pid "$vrpsim_pid"
	if [[ -n $work && -d $work ]]; then
		if [[ $keep == yes ]]; then
			log "work directory kept: $work"
		else
			rm -rf -- "$work"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

work=$(mktemp -d "${TMPDIR:-/tmp}/vrpsim-backup-demo.XXXXXX")

log "building vrpsim"
go build -o "$work/vrpsim" ./cmd/vrpsim || fail "go build ./cmd/vrpsim failed"

# The device. Port 0: the system picks a free port, vrpsim prints the ssh
# command with it when it is ready.
start_vrpsim "$work/vrpsim" 127.0.0.1 "$work/data" "$work/vrpsim.log" || fail "vrpsim did not start"
log "device up, SSH on 127.0.0.1:$ssh_port"

# The remote host's FTP server, also on a port the system picks.
mkdir -p "$work/ftp-root"
"$python" -c '
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
home, user, password = sys.argv[1:4]
authorizer = DummyAuthorizer()
authorizer.add_user(user, password, home, perm="elradfmw")
FTPHandler.authorizer = authorizer
server = FTPServer(("127.0.0.1", 0), FTPHandler)
print("listening on port", server.socket.getsockname()[1], flush=True)
server.serve_forever()
' "$work/ftp-root" "$ftp_user" "$ftp_pass" >"$work/ftpd.log" 2>&1 &
ftpd_pid=$!
wait_line "$work/ftpd.log" '^listening on port [0-9]+' 30 "$ftpd_pid" || { cat "$work/ftpd.log" >&2; fail "the FTP server did not start"; }
ftp_port=$(sed -nE 's/^listening on port ([0-9]+)$/\1/p' "$work/ftpd.log" | head -n1)
log "FTP host up on 127.0.0.1:$ftp_port"

# The session, as a person would type it. Every step waits for what the
# device shows; anything unexpected or a timeout ends the script with 1.
cat >"$work/backup.exp" <<'EOF'
set timeout 30
lassign $argv ssh_port admin_pass ftp_port ftp_user ftp_pass
proc fail {msg} { puts stderr "\nbackup-demo: $msg"; exit 1 }
# step PATTERN WHAT: wait for PATTERN; returns the text of its first group.
proc step {pattern what} {
	expect {
		-re $pattern {
			if {[info exists expect_out(1,string)]} { return $expect_out(1,string) }
			return ""
		}
		-re {\n(Error: [^\r\n]*)} { fail "$what: the device said: $expect_out(1,string)" }
		-re {\n([45][0-9][0-9] [^\r\n]*)} { fail "$what: the FTP server replied: $expect_out(1,string)" }
		timeout { fail "$what: timed out" }
		eof { fail "$what: the session ended" }
	}
}
spawn ssh -p $ssh_port -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o LogLevel=ERROR -o PubkeyAuthentication=no admin@127.0.0.1
step {assword:} "ssh login"
send "$admin_pass\r"
step {\n<[^<>\r\n]+>$} "user view prompt"

send "save\r"
step {\(y/n\)\[n\]:} "save question"
send "y\r"
step {saved successfully[^\n]*\n(.*\n)?<[^<>\r\n]+>$} "save"

send "ftp 127.0.0.1 $ftp_port\r"
step {User\([^)]*\)\)?:} "FTP user question"
send "$ftp_user\r"
step {Enter password:} "FTP password question"
send "$ftp_pass\r"
step {\n230 [^\n]*\n.*-ftp\]$} "FTP login"

send "binary\r"
step {\n200 [^\n]*\n.*-ftp\]$} "binary"

send "put vrpcfg.zip\r"
set sent [step {\n226 [^\n]*\nFTP: ([0-9]+) byte\(s\) sent[^\n]*\n.*-ftp\]$} "put vrpcfg.zip"]

send "bye\r"
step {\n221 [^\n]*\n.*<[^<>\r\n]+>$} "bye"
send "quit\r"
expect eof
puts "\nSENT $sent"
EOF

log "ssh admin@127.0.0.1 -p $ssh_port: save, ftp, binary, put vrpcfg.zip, bye"
if [[ $verbose == yes ]]; then
	expect "$work/backup.exp" "$ssh_port" "$admin_pass" "$ftp_port" "$ftp_user" "$ftp_pass" | tee "$work/session.log" ||
		fail "the device session failed"
else
	expect "$work/backup.exp" "$ssh_port" "$admin_pass" "$ftp_port" "$ftp_user" "$ftp_pass" >"$work/session.log" ||
		{ tr -d '\r' <"$work/session.log" >&2; fail "the device session failed"; }
fi

# The check: the backup on the host is the device's flash file.
device_file=$work/data/flash/vrpcfg.zip
host_file=$work/ftp-root/vrpcfg.zip
[[ -f $device_file ]] || fail "no $device_file: save did not write the configuration"
[[ -f $host_file ]] || fail "no vrpcfg.zip on the FTP host"
device_sum=$(sha256sum <"$device_file" | cut -d' ' -f1)
host_sum=$(sha256sum <"$host_file" | cut -d' ' -f1)
size=$(stat -c %s "$device_file")
sent=$(tr -d '\r' <"$work/session.log" | sed -n 's/^SENT //p')
log "device flash: $device_sum ($size bytes)"
log "FTP host:     $host_sum ($(stat -c %s "$host_file") bytes; the device reported $sent byte(s) sent)"
[[ $device_sum == "$host_sum" ]] || fail "the backup differs from the device's configuration file"
[[ $sent == "$size" ]] || fail "the device reported $sent byte(s) sent for a file of $size bytes"
echo "PASS"
