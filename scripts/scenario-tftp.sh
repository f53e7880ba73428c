#!/usr/bin/env bash
# scenario-tftp.sh: FTP beside TFTP. R2 (127.7.6.2) fetches the same file
# twice: by FTP from R1's FTP server (127.7.6.1, port 2121) and by TFTP from
# Debian's tftpd-hpa (127.7.6.100, UDP port 69), then uploads it back by TFTP.
# One capture of everything R2 sends and receives shows the difference: FTP is
# TCP, with a login and two connections (control and data); TFTP is UDP, with
# no login, a request to port 69 and the data from another port of the server.
#
# Everything runs in a network namespace of its own, so that port 69 is free
# whatever the host runs.
#
# Usage (as root; installs tshark, tftpd-hpa, expect, sshpass when missing):
#   scripts/scenario-tftp.sh
source "$(dirname "$0")/lib/scenario.sh"
prepare tshark tftpd-hpa

ns=vrpsim-tftp
r1=127.7.6.1
r2=127.7.6.2
tftp_ip=127.7.6.100
ftp_port=2121
netns_create "$ns"
# in.tftpd resolves its -a address with AI_ADDRCONFIG, which finds no IPv4 in a
# namespace that has only loopback addresses: give it one on a veth link.
ip -n "$ns" link add vrpsim-tf0 type veth peer name vrpsim-tf1 || fail "ip link add veth failed"
ip -n "$ns" addr add 192.0.2.1/32 dev vrpsim-tf0
ip -n "$ns" link set vrpsim-tf0 up
ip -n "$ns" link set vrpsim-tf1 up

mkdir -p "$scenario_work/R1/flash" "$scenario_work/tftproot"
head -c 3000 /dev/urandom >"$scenario_work/R1/flash/image.bin"
cp "$scenario_work/R1/flash/image.bin" "$scenario_work/tftproot/image.bin"
chmod 0777 "$scenario_work/tftproot"
original=$(sha256sum <"$scenario_work/R1/flash/image.bin" | cut -d' ' -f1)

start_device R1 "$r1" 2201 "$ns"
start_device R2 "$r2" 2202 "$ns"
enable_ftp_server R1 "$ftp_port"

note "starting tftpd-hpa on $tftp_ip:69 (in.tftpd -L -s $scenario_work/tftproot --create)"
ip netns exec "$ns" in.tftpd -L -p -u root -a "$tftp_ip:69" -s "$scenario_work/tftproot" --create \
	>"$scenario_work/tftpd.log" 2>&1 &
tftpd_pid=$!
track "$tftpd_pid"
sleep 0.3
kill -0 "$tftpd_pid" 2>/dev/null || { cat "$scenario_work/tftpd.log"; fail "in.tftpd did not start"; }

cap=$scenario_work/all.pcapng
capture_start "$cap" lo "host $r2 and not tcp port 2202" "$ns"

section "On R2: FTP from R1, then TFTP from the TFTP server"
session R2 "$scenario_work/dialogue.txt" <<EOF || fail "the session on R2 did not complete"
ftp $r1 $ftp_port
$ftp_user
$ftp_pass
binary
get image.bin ftp-copy.bin
bye
tftp $tftp_ip get image.bin tftp-copy.bin
tftp $tftp_ip put tftp-copy.bin back.bin
quit
EOF
capture_stop

grep -q 'TFTP: Downloading the file successfully.' "$scenario_work/dialogue.txt" || fail "tftp get did not succeed"
grep -q 'TFTP: Uploading the file successfully.' "$scenario_work/dialogue.txt" || fail "tftp put did not succeed"

section "FTP in the capture: TCP, a login, two connections"
shown "tshark -r all.pcapng -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e tcp.stream -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport"
tshark -r "$cap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -E separator=' ' \
	-e tcp.stream -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport |
	awk '{ printf "stream %s  %s:%s -> %s:%s\n", $1, $2, $3, $4, $5 }' | tee "$scenario_work/tcp.txt"
conns=$(wc -l <"$scenario_work/tcp.txt")
[[ $conns -eq 2 ]] || fail "FTP opened $conns TCP connections, expected 2 (control and data)"
grep -q " -> $r1:$ftp_port\$" "$scenario_work/tcp.txt" || fail "no control connection to $r1:$ftp_port"
logins=$(tshark -r "$cap" -d "tcp.port==$ftp_port,ftp" -Y 'ftp.request.command == "USER" || ftp.request.command == "PASS"' -T fields -e ftp.request.command -e ftp.request.arg)
printf '%s\n' "$logins"
grep -q "^PASS.$ftp_pass\$" <<<"$logins" || fail "the FTP login is not in the capture"
check "FTP: two TCP connections (control to port $ftp_port, then data), and a login in clear text"

section "TFTP in the capture: UDP, no login"
shown "tshark -r all.pcapng -Y tftp -T fields -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e _ws.col.Info"
tshark -r "$cap" -Y tftp -T fields -E separator=' ' \
	-e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e _ws.col.Info | tee "$scenario_work/tftp.txt"
rrq=$(grep -m1 'Read Request' "$scenario_work/tftp.txt") || fail "no TFTP read request in the capture"
read -r _ _ dst dport _ <<<"$rrq"
[[ $dst == "$tftp_ip" && $dport == 69 ]] || fail "the read request went to $dst:$dport, not $tftp_ip:69"
grep -q 'Write Request' "$scenario_work/tftp.txt" || fail "no TFTP write request in the capture"
tcp_to_tftp=$(tshark -r "$cap" -Y "tcp && ip.addr == $tftp_ip" | wc -l)
[[ $tcp_to_tftp -eq 0 ]] || fail "TCP packets to the TFTP server"
check "TFTP: one UDP request to port 69 for each transfer, no login, no TCP"
data_port=$(awk '/Data Packet/ && $1 == "'"$tftp_ip"'" { print $2; exit }' "$scenario_work/tftp.txt")
[[ -n $data_port && $data_port != 69 ]] || fail "the TFTP data did not come from a port of its own ($data_port)"
check "TFTP: the server sent the data from port $data_port, not 69 (its transfer ID)"

for f in ftp-copy.bin tftp-copy.bin; do
	got=$(sha256sum <"$scenario_work/R2/flash/$f" | cut -d' ' -f1)
	[[ $got == "$original" ]] || fail "$f on R2 has SHA-256 $got, not the original's"
done
got=$(sha256sum <"$scenario_work/tftproot/back.bin" | cut -d' ' -f1)
[[ $got == "$original" ]] || fail "back.bin on the TFTP server has SHA-256 $got, not the original's"
check "the FTP copy, the TFTP copy and the file put back have the SHA-256 of the original"

explain <<EOF
FTP runs over TCP. The client first opens a control connection to the server's
port ($ftp_port here, 21 by default) and logs in: USER and PASS cross the network in
clear text. Each transfer then opens a second TCP connection, the data
connection (here in active mode, the default of the device's client).

TFTP runs over UDP and has no login at all: whoever reaches UDP port 69 may
read (and, with --create, write) the files the server offers. The client sends
one request (RRQ to read, WRQ to write) to port 69; the server answers from a
new port of its own (port $data_port above), which identifies the transfer.
The device asks for the file's size with the tsize option (RFC 2349), which
the server confirms in an Option Acknowledgement: that is how the device shows
percentages. The file then goes in numbered blocks of 512 bytes, each acknowledged before
the next is sent; a block shorter than 512 bytes ends the transfer. A lost
packet is sent again after a timeout: UDP itself does not do it.
EOF
