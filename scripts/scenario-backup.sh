#!/usr/bin/env bash
# scenario-backup.sh: the HCIA lab "back up the configuration by FTP" as a
# script. R1 (127.7.5.1) changes its configuration, saves it to vrpcfg.zip,
# then, as FTP client, uploads it in binary to a backup server (pyftpdlib on
# 127.7.5.9) and downloads it back. The script verifies the copies by SHA-256.
#
# Usage (as root; installs python3-pyftpdlib, expect, sshpass when missing):
#   scripts/scenario-backup.sh
source "$(dirname "$0")/lib/scenario.sh"
prepare python3-pyftpdlib unzip

r1=127.7.5.1
server=127.7.5.9
ftp_port=2121
backup_user=backup
backup_pass=Backup@123
root=$scenario_work/backup-server
mkdir -p "$root"

start_device R1 "$r1" 2201

note "starting the backup server: pyftpdlib on $server:$ftp_port (user $backup_user, directory $root)"
port_open "$server" "$ftp_port" && fail "$server:$ftp_port is already in use"
/usr/bin/python3 - "$server" "$ftp_port" "$backup_user" "$backup_pass" "$root" >"$scenario_work/pyftpdlib.log" 2>&1 <<'EOF' &
import logging, sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

addr, port, user, password, root = sys.argv[1:6]
logging.basicConfig(level=logging.INFO, format="%(message)s")
authorizer = DummyAuthorizer()
authorizer.add_user(user, password, root, perm="elradfmw")
handler = FTPHandler
handler.authorizer = authorizer
FTPServer((addr, int(port)), handler).serve_forever()
EOF
track $!
deadline=$((SECONDS + 15))
until port_open "$server" "$ftp_port"; do
	((SECONDS < deadline)) || { cat "$scenario_work/pyftpdlib.log"; fail "pyftpdlib did not start"; }
	sleep 0.1
done

section "On R1: change the configuration, save it, back it up by FTP, fetch it back"
session R1 "$scenario_work/dialogue.txt" <<EOF || fail "the session on R1 did not complete"
system-view
sysname Branch-R1
aaa
local-user $ftp_user password cipher $ftp_pass
local-user $ftp_user service-type ftp
return
save
y
dir
display startup
ftp $server $ftp_port
$backup_user
$backup_pass
binary
put vrpcfg.zip r1-vrpcfg.zip
dir
get r1-vrpcfg.zip restored.zip
bye
quit
EOF
dialogue=$(cat "$scenario_work/dialogue.txt")

section "The backup server's log (pyftpdlib)"
grep -F "$r1:" "$scenario_work/pyftpdlib.log" | sed "s|$scenario_work/||; s/^/  /" || true

section "Verification"
flash=$scenario_work/R1/flash
grep -q 'Configuration file had been saved successfully' <<<"$dialogue" || fail "save did not report success"
check "save wrote flash:/vrpcfg.zip"
grep -q '^200 Type set to: Binary' <<<"$dialogue" || grep -q '^200 Type set to I' <<<"$dialogue" ||
	fail "binary was not acknowledged by the server"
check "the transfers ran in binary (TYPE I)"
grep -q '^226 ' <<<"$dialogue" || fail "no transfer completed (226)"
[[ -f $flash/vrpcfg.zip ]] || fail "flash:/vrpcfg.zip is missing"
[[ -f $root/r1-vrpcfg.zip ]] || fail "the server has no r1-vrpcfg.zip"
[[ -f $flash/restored.zip ]] || fail "flash:/restored.zip is missing"
shown "sha256sum R1/flash/vrpcfg.zip backup-server/r1-vrpcfg.zip R1/flash/restored.zip"
(cd "$scenario_work" && sha256sum R1/flash/vrpcfg.zip backup-server/r1-vrpcfg.zip R1/flash/restored.zip)
sum() { sha256sum <"$1" | cut -d' ' -f1; }
[[ $(sum "$root/r1-vrpcfg.zip") == "$(sum "$flash/vrpcfg.zip")" ]] || fail "the backup on the server differs from flash:/vrpcfg.zip"
check "the backup on the server has the SHA-256 of flash:/vrpcfg.zip"
[[ $(sum "$flash/restored.zip") == "$(sum "$flash/vrpcfg.zip")" ]] || fail "the file fetched back differs from flash:/vrpcfg.zip"
check "the copy fetched back has it too"
shown "unzip -l backup-server/r1-vrpcfg.zip"
unzip -l "$root/r1-vrpcfg.zip" | sed 1d
unzip -p "$root/r1-vrpcfg.zip" vrpcfg.cfg | grep -q '^ sysname Branch-R1' || fail "the backup's vrpcfg.cfg does not hold 'sysname Branch-R1'"
check "the backup's vrpcfg.cfg holds the saved configuration (sysname Branch-R1)"

explain <<'EOF'
"save" writes the running configuration to flash:/vrpcfg.zip, the file the
device boots from (display startup). A copy off the device is the backup: the
device is the FTP client here, and the backup server any FTP server.

- "binary" first: vrpcfg.zip is a compressed file, and the default ASCII type
  would rewrite every CR LF pair in it (scenario-ascii-binary.sh).
- "put vrpcfg.zip r1-vrpcfg.zip" uploads under a name that says which device it
  came from; "get" brings it back (a restore is get, then
  "startup saved-configuration" and a reboot).
- A transfer that says "226 Transfer complete." can still have moved the wrong
  bytes (ASCII mode, a full disk on the server): compare a checksum of both
  ends, as the SHA-256 lines above do.
EOF
