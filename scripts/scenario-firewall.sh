#!/usr/bin/env bash
# scenario-firewall.sh: why firewalls break one FTP mode or the other. Two
# network namespaces joined by a veth pair: "server" holds device R1
# (172.16.101.104, FTP server on port 2121), "client" a host (172.16.101.10)
# that downloads with curl in passive (PASV) and active (PORT) mode.
#
#   1. A firewall on the server side drops new inbound connections to high
#      ports (only SSH and the FTP control port are open): PASV fails, PORT works.
#   2. A firewall on the client side drops every new inbound connection:
#      PORT fails, PASV works.
#
# The firewalls are nftables rules inside the namespaces; nothing outside them
# changes. The namespaces are deleted at exit. Every transfer is bounded
# (curl --max-time), so a blocked mode fails within seconds.
#
# Usage (as root; installs nftables, iproute2, curl when missing):
#   scripts/scenario-firewall.sh
source "$(dirname "$0")/lib/scenario.sh"
need_root
prepare nftables

srv_ns=vrpsim-srv-$$
cli_ns=vrpsim-cli-$$
srv_ip=172.16.101.104
cli_ip=172.16.101.10
ssh_port=2222
ftp_port=2121
max_time=8
file=lesson.txt

section "The lab: two namespaces and a cable"
shown "ip netns add $srv_ns; ip netns add $cli_ns"
netns_create "$srv_ns"
netns_create "$cli_ns"
shown "ip link add vs$$ netns $srv_ns type veth peer name vc$$ netns $cli_ns"
netns_link "$srv_ns" "vs$$" "$srv_ip/24" "$cli_ns" "vc$$" "$cli_ip/24"
say "server namespace $srv_ns: $srv_ip/24 (device R1)"
say "client namespace $cli_ns: $cli_ip/24 (curl)"

mkdir -p "$scenario_work/R1/flash"
for i in $(seq 1 200); do printf 'line %03d of the lesson file\n' "$i"; done >"$scenario_work/R1/flash/$file"
start_device R1 "$srv_ip" "$ssh_port" "$srv_ns"
enable_ftp_server R1 "$ftp_port"
port_open "$srv_ip" "$ftp_port" "$cli_ns" || fail "the client namespace cannot reach $srv_ip:$ftp_port"

# fetch MODE: downloads the file from the client namespace; prints curl's
# dialogue (commands and replies) and its result; returns curl's exit code.
fetch() {
	local mode=$1 opts out=$scenario_work/fetch-$1.out rc=0
	if [[ $mode == passive ]]; then opts=(--ftp-pasv --disable-epsv); else opts=(--ftp-port - --disable-eprt); fi
	rm -f "$out"
	shown "curl -v ${opts[*]} --max-time $max_time -u $ftp_user:$ftp_pass ftp://$srv_ip:$ftp_port/$file -o $file   # $mode, in $cli_ns"
	in_ns "$cli_ns" timeout $((max_time + 10)) curl -sS -v "${opts[@]}" --max-time "$max_time" \
		-u "$ftp_user:$ftp_pass" "ftp://$srv_ip:$ftp_port/$file" -o "$out" 2>"$scenario_work/curl-$mode.log" || rc=$?
	grep -E '^(> |< |\* (Connecting|Connected|Preparing|Wildcard|Connect data|Doing the|Ftp|FTP|Operation|Failed|Accept|Connection|Trying))' \
		"$scenario_work/curl-$mode.log" | grep -v '^> PASS' | sed 's/\r$//; s/^/  /'
	say "  curl exit code: $rc"
	last_out=$out
	return "$rc"
}

# drops TABLE NS: packets counted by the drop rule of TABLE in NS.
drops() { in_ns "$2" nft list table inet "$1" | sed -nE 's/.*counter packets ([0-9]+).*drop.*/\1/p' | head -1; }

# transfer_ok MODE: the file arrived whole.
transfer_ok() { cmp -s "$last_out" "$scenario_work/R1/flash/$file"; }

section "Without a firewall both modes work"
fetch passive || fail "passive transfer failed without a firewall"
transfer_ok || fail "passive: the file did not arrive whole"
check "passive works"
fetch active || fail "active transfer failed without a firewall"
transfer_ok || fail "active: the file did not arrive whole"
check "active works"

section "1. Firewall on the server: new inbound connections to high ports dropped"
in_ns "$srv_ns" nft -f - <<EOF || fail "nft failed in $srv_ns"
table inet lesson {
	chain input {
		type filter hook input priority 0; policy accept;
		ct state established,related accept
		tcp dport { $ssh_port, $ftp_port } accept
		tcp dport 1024-65535 ct state new counter drop
	}
}
EOF
shown "ip netns exec $srv_ns nft list table inet lesson"
in_ns "$srv_ns" nft list table inet lesson
say
if fetch passive; then fail "passive worked through the server's firewall"; fi
transfer_ok && fail "passive: the file arrived through the server's firewall"
[[ $(drops lesson "$srv_ns") -gt 0 ]] || fail "the server's drop rule counted no packet"
check "passive fails: the client's SYN to the 227 port hit the server's drop rule ($(drops lesson "$srv_ns") packets dropped)"
fetch active || fail "active failed behind the server's firewall"
transfer_ok || fail "active: the file did not arrive whole"
check "active works: the server opened the data connection itself, from port 20, and the replies are 'established'"
in_ns "$srv_ns" nft delete table inet lesson

section "2. Firewall on the client: every new inbound connection dropped"
in_ns "$cli_ns" nft -f - <<'EOF' || fail "nft failed in $cli_ns"
table inet lesson {
	chain input {
		type filter hook input priority 0; policy accept;
		ct state established,related accept
		ct state new counter drop
	}
}
EOF
shown "ip netns exec $cli_ns nft list table inet lesson"
in_ns "$cli_ns" nft list table inet lesson
say
if fetch active; then fail "active worked through the client's firewall"; fi
transfer_ok && fail "active: the file arrived through the client's firewall"
[[ $(drops lesson "$cli_ns") -gt 0 ]] || fail "the client's drop rule counted no packet"
check "active fails: the server's SYN from port 20 to the PORT port hit the client's drop rule ($(drops lesson "$cli_ns") packets dropped)"
fetch passive || fail "passive failed behind the client's firewall"
transfer_ok || fail "passive: the file did not arrive whole"
check "passive works: the client opened both connections itself"

explain <<EOF
The data connection is opened by the server in active mode (PORT) and by the
client in passive mode (PASV). A stateful firewall lets replies to connections
its side opened through ("ct state established") and drops new connections
coming in. So:

- Server-side firewall that only opens the control port ($ftp_port): the client's
  connection to the port named in the 227 reply is new and inbound on the
  server: dropped. PASV fails (curl times out); PORT works, because there the
  server connects out.
- Client-side firewall (a home router, a PC firewall): the server's connection
  to the port in the PORT command is new and inbound on the client: dropped.
  PORT fails; PASV works. This is why clients default to passive.

The fixes: open a fixed passive port range on the server's firewall, or let the
firewall read the control connection (the nf_conntrack_ftp helper, an "ASPF"
FTP detection on Huawei firewalls), which then admits exactly the data
connection announced by 227 or PORT as "related". A helper only watches the
port it knows (21); on $ftp_port it would need to be told.
EOF
