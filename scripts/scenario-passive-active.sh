#!/usr/bin/env bash
# scenario-passive-active.sh: passive (PASV) and active (PORT) FTP between two
# devices, with verbose on. R1 (127.7.1.1) runs the FTP server; R2 (127.7.1.2)
# downloads the same file once in each mode. The script works out the data
# port from the 227 reply and from the PORT command (p1*256+p2) and checks it
# against the TCP connection that really carried the file, captured on lo.
#
# Usage (as root; installs tshark, expect, sshpass when missing):
#   scripts/scenario-passive-active.sh
source "$(dirname "$0")/lib/scenario.sh"
prepare tshark

r1=127.7.1.1
r2=127.7.1.2
ftp_port=2121
file=lesson.bin
size=200000

mkdir -p "$scenario_work/R1/flash"
head -c "$size" /dev/urandom >"$scenario_work/R1/flash/$file"
start_device R1 "$r1" 2201
start_device R2 "$r2" 2202
enable_ftp_server R1 "$ftp_port"

cap=$scenario_work/ftp.pcapng
capture_start "$cap" lo "tcp and host $r1 and host $r2"

section "On R2: the FTP client, verbose, passive then active"
session R2 "$scenario_work/dialogue.txt" <<EOF || fail "the session on R2 did not complete"
ftp $r1 $ftp_port
$ftp_user
$ftp_pass
verbose
binary
passive
get $file passive.bin
undo passive
get $file active.bin
bye
quit
EOF
capture_stop
dialogue=$(cat "$scenario_work/dialogue.txt")

section "Working out the data ports"
pasv_line=$(grep -m1 '^227 ' <<<"$dialogue") || fail "no 227 reply in the dialogue"
# The device's FTP client shows the server's replies, not the commands it
# sends: the PORT command is read from the capture of the control connection.
port_arg=$(tshark -r "$cap" -d "tcp.port==$ftp_port,ftp" -Y 'ftp.request.command == "PORT"' \
	-T fields -e ftp.request.arg | head -n1)
[[ -n $port_arg ]] || fail "no PORT command on the control connection"
port_line="PORT $port_arg"
read -r pasv_host p1 p2 <<<"$(hostport_of "$pasv_line")"
pasv_port=$(port_of "$p1" "$p2")
say "Passive: the server answered    $pasv_line"
say "  -> connect to $pasv_host port $p1*256+$p2 = $((p1 * 256)) + $p2 = $pasv_port"
read -r port_host q1 q2 <<<"$(hostport_of "$port_line")"
active_port=$(port_of "$q1" "$q2")
say "Active:  the client sent        $port_line   (in the capture)"
say "  -> the server connects to $port_host port $q1*256+$q2 = $((q1 * 256)) + $q2 = $active_port"
[[ $pasv_host == "$r1" ]] || fail "227 announced $pasv_host, not the server's address $r1"
[[ $port_host == "$r2" ]] || fail "PORT named $port_host, not the client's address $r2"

section "The connections that really carried the data (tshark, SYN packets)"
shown "tshark -r ftp.pcapng -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport"
tshark -r "$cap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' \
	-T fields -E separator=' ' -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport |
	awk '{ printf "frame %-4s %s:%s -> %s:%s\n", $1, $2, $3, $4, $5 }' | tee "$scenario_work/syns.txt"

# payload_on SRC DST DPORT: bytes the connection SRC -> DST:DPORT carried (both ways).
payload_on() {
	# Retransmitted segments (a busy machine retransmits even on loopback)
	# carry no new bytes: count each direction up to its highest relative
	# sequence number instead of summing segment lengths.
	tshark -r "$cap" -Y "ip.addr == $1 && ip.addr == $2 && tcp.port == $3 && tcp.len > 0" \
		-T fields -e ip.src -e tcp.seq -e tcp.len |
		awk '{ if ($2 + $3 > top[$1]) top[$1] = $2 + $3 } END { s = 0; for (d in top) s += top[d] - 1; print s }'
}
say
grep -q " $r2:[0-9]* -> $r1:$pasv_port\$" "$scenario_work/syns.txt" ||
	fail "no connection from R2 to $r1:$pasv_port (the 227 port) was captured"
check "passive: R2 opened the data connection to $r1:$pasv_port, the port of the 227 reply"
bytes=$(payload_on "$r2" "$r1" "$pasv_port")
[[ $bytes -eq $size ]] || fail "the passive data connection carried $bytes bytes, not $size"
check "passive: that connection carried the file's $size bytes"
grep -q " $r1:20 -> $r2:$active_port\$" "$scenario_work/syns.txt" ||
	fail "no connection from $r1:20 to $r2:$active_port (the PORT port) was captured"
check "active: R1 opened the data connection from port 20 to $r2:$active_port, the port R2 sent in PORT"
bytes=$(payload_on "$r1" "$r2" "$active_port")
[[ $bytes -eq $size ]] || fail "the active data connection carried $bytes bytes, not $size"
check "active: that connection carried the file's $size bytes"
want=$(sha256sum <"$scenario_work/R1/flash/$file")
for got in passive.bin active.bin; do
	[[ $(sha256sum <"$scenario_work/R2/flash/$got" 2>/dev/null) == "$want" ]] ||
		fail "R2's flash:/$got differs from R1's $file"
done
check "both copies on R2's flash have the SHA-256 of the original"

explain <<EOF
FTP uses two TCP connections. The control connection (R2 -> $r1:$ftp_port) carries
the commands (PORT, RETR..., in the capture) and the numbered replies you saw. Every file and every
listing travels on a separate data connection, and the two modes differ in who
opens it:

- Passive (PASV): the client asks, the server answers "227 Entering Passive Mode
  (h1,h2,h3,h4,p1,p2)" and listens there; the CLIENT connects to it. The port is
  p1*256+p2: here $p1*256+$p2 = $pasv_port. The connection goes from R2 to the server.
- Active (PORT, the device's default): the client listens and sends
  "PORT h1,h2,h3,h4,p1,p2"; the SERVER connects to it, from its port 20
  (ftp-data). Here $q1*256+$q2 = $active_port, and the connection goes from R1 to R2.

The capture shows exactly those SYN packets, and the bytes on each data
connection add up to the file's size. This direction is what firewalls and NAT
care about: see scenario-firewall.sh.
EOF
