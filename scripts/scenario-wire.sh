#!/usr/bin/env bash
# scenario-wire.sh: watching FTP on the wire with tshark. R2 (127.7.4.2)
# lists R1's flash and downloads a text file in passive mode while two captures
# run: one with the port filter of the control connection only ("tcp port
# 2121"), one with everything between the two devices. The script prints the
# control dialogue as tshark decodes it and follows the data connection's TCP
# stream (tshark -q -z follow,tcp,ascii,N).
#
# Usage (as root; installs tshark, expect, sshpass when missing):
#   scripts/scenario-wire.sh
source "$(dirname "$0")/lib/scenario.sh"
prepare tshark

r1=127.7.4.1
r2=127.7.4.2
ftp_port=2121
mkdir -p "$scenario_work/R1/flash"
printf 'Backup plan for R1\nsave, then ftp the vrpcfg.zip to the server in binary\n' >"$scenario_work/R1/flash/readme.txt"

start_device R1 "$r1" 2201
start_device R2 "$r2" 2202
enable_ftp_server R1 "$ftp_port"
control_cap=$scenario_work/control.pcapng
all_cap=$scenario_work/all.pcapng
capture_start "$control_cap" lo "tcp port $ftp_port and host $r1"
capture_start "$all_cap" lo "tcp and host $r1 and host $r2"

section "On R2: list and download in passive mode"
session R2 "$scenario_work/dialogue.txt" <<EOF || fail "the session on R2 did not complete"
ftp $r1 $ftp_port
$ftp_user
$ftp_pass
passive
get readme.txt
bye
quit
EOF
capture_stop

# tshark knows FTP on port 21 only: "-d tcp.port==2121,ftp" decodes the control
# port as FTP, and its FTP dissector then follows 227/PORT to the data connection.
decode=(-d "tcp.port==$ftp_port,ftp")

section "Capture 1, filter 'tcp port $ftp_port': the control connection"
shown "dumpcap -i lo -f 'tcp port $ftp_port and host $r1' -w control.pcapng"
shown "tshark -r control.pcapng -d tcp.port==$ftp_port,ftp -Y ftp -T fields -e ip.src -e ftp.request.command -e ftp.request.arg -e ftp.response.code -e ftp.response.arg"
tshark -r "$control_cap" "${decode[@]}" -Y ftp -T fields -E separator=/t \
	-e ip.src -e ftp.request.command -e ftp.request.arg -e ftp.response.code -e ftp.response.arg |
	awk -F'\t' -v c="$r2" '{ if ($1 == c) printf "%-10s -> %s %s\n", $1, $2, $3; else printf "%-10s <- %s %s\n", $1, $4, $5 }' |
	tee "$scenario_work/control.txt"
say
control=$(cat "$scenario_work/control.txt")
for want in "-> USER $ftp_user" "-> PASS $ftp_pass" "<- 230 " "-> PASV" "<- 227 Entering Passive Mode" "-> RETR readme.txt" "<- 226 "; do
	grep -qF -- "$want" <<<"$control" || fail "the control capture lacks '$want'"
done
check "the control capture holds the whole dialogue, the password in clear text included"
streams=$(tshark -r "$control_cap" -T fields -e tcp.stream | sort -u | wc -l)
[[ $streams -eq 1 ]] || fail "the port-filtered capture holds $streams connections, expected only the control connection"
grep -q 'Backup plan' < <(tshark -r "$control_cap" -q -z follow,tcp,ascii,0) && fail "the file's text is in the control capture"
check "it holds one connection only: the file itself is not in it"

section "Capture 2, filter 'host $r1 and host $r2': the data connection too"
shown "tshark -r all.pcapng -d tcp.port==$ftp_port,ftp -Y 'ftp || ftp-data' -T fields -e tcp.stream -e tcp.srcport -e tcp.dstport -e _ws.col.Protocol -e _ws.col.Info"
tshark -r "$all_cap" "${decode[@]}" -Y 'ftp || ftp-data' -T fields -E separator=' ' \
	-e tcp.stream -e tcp.srcport -e tcp.dstport -e _ws.col.Protocol -e _ws.col.Info |
	awk '{ s = $1; sp = $2; dp = $3; $1 = $2 = $3 = ""; sub(/^ +/, ""); printf "stream %s  %5s -> %-5s  %s\n", s, sp, dp, $0 }' |
	tee "$scenario_work/all.txt"
say
pasv=$(grep -m1 '227 Entering Passive Mode' "$scenario_work/all.txt") || fail "no 227 in capture 2"
read -r _ p1 p2 <<<"$(hostport_of "$pasv")"
data_port=$(port_of "$p1" "$p2")
say "227 names port $p1*256+$p2 = $data_port"
data_stream=$(tshark -r "$all_cap" -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == $data_port" -T fields -e tcp.stream | head -1)
[[ -n $data_stream ]] || fail "no connection to port $data_port in capture 2"
check "the data connection to port $data_port is tcp.stream $data_stream"
grep -q "^stream $data_stream .*FTP-DATA" "$scenario_work/all.txt" || fail "tshark did not mark stream $data_stream as FTP-DATA"
check "tshark followed the 227 reply and decoded that stream as FTP-DATA"

section "Following the data connection (tcp.stream $data_stream)"
shown "tshark -r all.pcapng -q -z follow,tcp,ascii,$data_stream"
tshark -r "$all_cap" -q -z "follow,tcp,ascii,$data_stream" | tee "$scenario_work/follow.txt"
grep -qF 'save, then ftp the vrpcfg.zip to the server in binary' "$scenario_work/follow.txt" ||
	fail "the followed stream does not show the file's text"
check "the followed stream shows the file's contents"

explain <<EOF
A capture filter on the control port (capture 1) shows the whole FTP dialogue:
USER, PASS, PASV, RETR and the replies. Note that PASS carries the password in
clear text: anyone on the path can read it, which is why SFTP/FTPS replace FTP
outside labs. But the file itself is not there: it went over a second TCP
connection, to the port the 227 reply announced ($p1*256+$p2 = $data_port).

Capture 2 filters on the two hosts and so holds both connections. tshark decodes
port 21 as FTP by default; with "-d tcp.port==$ftp_port,ftp" it decodes the control
connection, reads the 227 reply and marks the data connection as FTP-DATA.
"follow,tcp,ascii,$data_stream" reassembles that stream: the file as it crossed the
network (in ASCII mode, with CR LF line ends; the number before each chunk is
its size in bytes). "Node 0" and "Node 1" are the two ends of the connection.
EOF
