#!/usr/bin/env bash
# scenario-telnet.sh: Telnet against SSH on the wire. R1 (127.7.6.1) takes
# logins over SSH (port 2261) and Telnet (port 2323, "telnet server port"). A
# trainee logs in once with each, types the same command, while dumpcap
# captures each port. The script prints the bytes the Telnet client sent, as
# tshark decodes them (the password in clear text), and checks that the SSH
# capture holds neither the password nor the command.
#
# Usage (as root; installs tshark, telnet, expect, sshpass when missing):
#   scripts/scenario-telnet.sh
source "$(dirname "$0")/lib/scenario.sh"
prepare tshark telnet

r1=127.7.6.1
ssh_port=2261
telnet_port=2323

start_device R1 "$r1" "$ssh_port"
note "enabling Telnet on R1 ($r1:$telnet_port) for user $admin_user"
device_exec R1 "system-view
telnet server port $telnet_port
telnet server enable
aaa
local-user $admin_user service-type ssh terminal telnet
quit
user-interface vty 0 4
protocol inbound all
return" >/dev/null
deadline=$((SECONDS + 15))
until port_open "$r1" "$telnet_port"; do
	((SECONDS < deadline)) || fail "the Telnet server of R1 did not start"
	sleep 0.1
done

telnet_cap=$scenario_work/telnet.pcapng
ssh_cap=$scenario_work/ssh.pcapng
capture_start "$telnet_cap" lo "tcp port $telnet_port and host $r1"
capture_start "$ssh_cap" lo "tcp port $ssh_port and host $r1"

section "Telnet: log in to R1 and display the version"
shown "telnet $r1 $telnet_port"
expect -c "
set timeout 30
spawn -noecho telnet $r1 $telnet_port
expect \"Username:\" { send \"$admin_user\r\" } timeout { exit 1 }
expect \"Password:\" { send \"$admin_pass\r\" } timeout { exit 1 }
expect \"<R1>\" { send \"display version | include VRP\r\" } timeout { exit 1 }
expect \"<R1>\" { send \"quit\r\" } timeout { exit 1 }
expect eof
" | tr -d '\r' | tee "$scenario_work/telnet.txt" || fail "the Telnet session did not complete"
grep -q '^<R1>display version' "$scenario_work/telnet.txt" || fail "the Telnet session did not reach the prompt"

section "SSH: the same on R1"
session R1 "$scenario_work/ssh.txt" <<EOF || fail "the SSH session did not complete"
display version | include VRP
quit
EOF
capture_stop

section "What the Telnet client sent, as tshark decodes it"
shown "tshark -r telnet.pcapng -d tcp.port==$telnet_port,telnet -Y 'telnet && tcp.dstport==$telnet_port' -T fields -e telnet.data"
tshark -r "$telnet_cap" -d "tcp.port==$telnet_port,telnet" -Y "telnet && tcp.dstport == $telnet_port" -T fields -e telnet.data |
	grep -v '^$' | tee "$scenario_work/telnet-client.txt"
say
# the client's bytes, whatever the packets: a character per packet or a line
client=$(tshark -r "$telnet_cap" -Y "tcp.dstport == $telnet_port && tcp.len > 0" -T fields -e tcp.payload | tr -d '\n' | xxd -r -p | tr -d '\0')
grep -aqF "$admin_pass" <<<"$client" || fail "the Telnet capture does not show the password"
check "the Telnet capture shows the password '$admin_pass' as the client typed it"
grep -aqF "display version" <<<"$client" || fail "the Telnet capture does not show the command"
check "and the command typed after the login"
server=$(tshark -r "$telnet_cap" -Y "tcp.srcport == $telnet_port && tcp.len > 0" -T fields -e tcp.payload | tr -d '\n')
grep -q '^fffb01' <<<"$server" || fail "the server's first bytes are not IAC WILL ECHO"
check "the server asked to echo (IAC WILL ECHO): the password typed was not echoed back"
xxd -r -p <<<"$server" | grep -aqF "VRP (R) software" || fail "the Telnet capture does not show the output"
check "the device's answer is readable too"

section "What the SSH capture holds"
shown "tshark -r ssh.pcapng -d tcp.port==$ssh_port,ssh -Y ssh -T fields -e ip.src -e _ws.col.Info"
tshark -r "$ssh_cap" -d "tcp.port==$ssh_port,ssh" -Y ssh -T fields -e ip.src -e _ws.col.Info | head -14
say
ssh_bytes=$(tshark -r "$ssh_cap" -Y "tcp.len > 0" -T fields -e tcp.payload | tr -d '\n' | xxd -r -p | tr -d '\0')
grep -aqF "SSH-2.0-HUAWEI" <<<"$ssh_bytes" || fail "the SSH capture does not hold the SSH session"
grep -aqF "$admin_pass" <<<"$ssh_bytes" && fail "the SSH capture shows the password"
grep -aqF "display version" <<<"$ssh_bytes" && fail "the SSH capture shows the command"
check "the SSH capture holds neither the password nor the command: after the key exchange everything is encrypted"

explain <<EOF
Telnet (TCP port 23, here $telnet_port) sends every byte as it is: the user name,
the password and each command cross the network in clear text, and anyone who
can capture the traffic reads them, as tshark just did. The "IAC WILL ECHO" at the
start is the server telling the client that it will echo typed characters itself:
it then does not echo the password, but that only hides it from the screen, not
from the wire.

SSH (STelnet on VRP, port 22, here $ssh_port) first agrees on keys (the KEX
packets tshark lists), then encrypts everything: the capture shows packet sizes
and timing, not the password nor the commands. This is why the VTY lines of a
device should take SSH only ("protocol inbound ssh") and "telnet server enable"
stays off outside the lab.
EOF
