#!/usr/bin/env bash
# scenario-sftp.sh: the same configuration backup over FTP and over SFTP, on
# the wire. R1 (127.7.6.1) saves its configuration; the host fetches
# flash:/vrpcfg.zip once with curl over FTP and once with OpenSSH's sftp while
# tshark captures each. The FTP capture shows the password and the file (the
# names inside the zip) in clear text; the SFTP capture shows only the SSH
# version lines: the password, the file name and the file are encrypted.
#
# Usage (as root; installs tshark, expect, sshpass when missing):
#   scripts/scenario-sftp.sh
source "$(dirname "$0")/lib/scenario.sh"
prepare tshark

r1=127.7.6.1
ssh_port=2201
ftp_port=2121

start_device R1 "$r1" "$ssh_port"
enable_ftp_server R1 "$ftp_port"
note "enabling the SFTP server of R1 for user $ftp_user (directory flash:) and saving"
device_exec R1 "system-view
sftp server enable
aaa
local-user $ftp_user service-type ftp ssh
quit
ssh user $ftp_user authentication-type password
ssh user $ftp_user service-type sftp
ssh user $ftp_user sftp-directory flash:
return
save" "y
" >/dev/null
flash=$scenario_work/R1/flash
[[ -f $flash/vrpcfg.zip ]] || fail "save did not write flash:/vrpcfg.zip"

ftp_cap=$scenario_work/ftp.pcapng
sftp_cap=$scenario_work/sftp.pcapng

section "Backup 1: FTP"
capture_start "$ftp_cap" lo "tcp and host $r1 and not port $ssh_port"
run_shown curl -sS --ftp-pasv -u "$ftp_user:$ftp_pass" "ftp://$r1:$ftp_port/vrpcfg.zip" -o "$scenario_work/ftp-backup.zip" ||
	fail "curl could not fetch the backup"
capture_stop

section "Backup 2: SFTP"
capture_start "$sftp_cap" lo "tcp and host $r1 and port $ssh_port"
run_shown sshpass -p "$ftp_pass" sftp -P "$ssh_port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o LogLevel=ERROR -o PubkeyAuthentication=no "$ftp_user@$r1:/vrpcfg.zip" "$scenario_work/sftp-backup.zip" ||
	fail "sftp could not fetch the backup"
capture_stop

section "Verification"
want=$(sha256sum <"$flash/vrpcfg.zip" | cut -d' ' -f1)
for f in ftp-backup.zip sftp-backup.zip; do
	[[ $(sha256sum <"$scenario_work/$f" | cut -d' ' -f1) == "$want" ]] || fail "$f differs from flash:/vrpcfg.zip"
done
check "both backups have the SHA-256 of flash:/vrpcfg.zip"

section "Capture 1 (FTP): what anyone on the path reads"
shown "tshark -r ftp.pcapng -d tcp.port==$ftp_port,ftp -Y ftp.request.command -T fields -e ftp.request.command -e ftp.request.arg"
tshark -r "$ftp_cap" -d "tcp.port==$ftp_port,ftp" -Y ftp.request.command -T fields -E separator=' ' \
	-e ftp.request.command -e ftp.request.arg | tee "$scenario_work/ftp-requests.txt"
grep -qx "PASS $ftp_pass" "$scenario_work/ftp-requests.txt" || fail "the FTP capture does not show PASS $ftp_pass"
check "the FTP capture shows the password in clear text: PASS $ftp_pass"
ftp_bytes=$scenario_work/ftp-bytes
: >"$ftp_bytes"
for s in $(tshark -r "$ftp_cap" -T fields -e tcp.stream | sort -un); do stream_bytes "$ftp_cap" "$s" >>"$ftp_bytes"; done
grep -qa 'vrpcfg.cfg' "$ftp_bytes" || fail "the FTP capture does not show the zip's contents"
check "the FTP capture holds the file itself: the names inside the zip are readable"

section "Capture 2 (SFTP): what anyone on the path reads"
shown "tshark -r sftp.pcapng -d tcp.port==$ssh_port,ssh -Y ssh -T fields -e ip.src -e _ws.col.Info | head -14"
tshark -r "$sftp_cap" -d "tcp.port==$ssh_port,ssh" -Y ssh -T fields -E separator=' ' \
	-e ip.src -e _ws.col.Info | sed -n '1,14p' | tee "$scenario_work/sftp-info.txt"
say "..."
sftp_bytes=$scenario_work/sftp-bytes
: >"$sftp_bytes"
for s in $(tshark -r "$sftp_cap" -T fields -e tcp.stream | sort -un); do stream_bytes "$sftp_cap" "$s" >>"$sftp_bytes"; done
[[ -s $sftp_bytes ]] || fail "the SFTP capture is empty"
grep -qa 'SSH-2.0-HUAWEI' "$sftp_bytes" || fail "the SFTP capture does not show the device's SSH version line"
check "the SFTP capture shows only the SSH version lines in clear text (SSH-2.0-HUAWEI-1.5)"
for secret in "$ftp_pass" "$ftp_user" vrpcfg; do
	grep -qaF -- "$secret" "$sftp_bytes" && fail "'$secret' is readable in the SFTP capture"
done
check "the password, the user name and the file name are nowhere in the SFTP capture"
grep -qaF 'vrpcfg.cfg' "$sftp_bytes" && fail "the zip's contents are readable in the SFTP capture"
check "the file went encrypted: none of its contents are readable"

explain <<EOF
The same file went twice from R1 to the host. Over FTP, the capture is the
whole story: USER and PASS carry the name and the password as typed, and the
data connection carries the file byte for byte (tshark's "follow" or a look
at the raw bytes shows the names of the files inside the zip).

Over SFTP the only readable bytes are the two version lines of SSH
("SSH-2.0-..."), then the key exchange. From then on every packet is
encrypted: the password, the file's name and its contents cross the network
as noise, and only the lengths and times of the packets tell that something
was transferred. That is why Huawei's own warning at the FTP login says "it is
recommended to use SFTP": the device's SFTP server serves the same flash, to
the same users, with the same rules ("sftp server enable", an "ssh user" with
service-type sftp and its sftp-directory).
EOF
