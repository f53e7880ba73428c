#!/usr/bin/env bash
# bench-client.sh: throughput of the device's FTP client (the "get" and "put"
# of its FTP client view) against vsftpd on loopback, compared with curl doing
# the same transfers from the host in the same run.
#
# vsftpd serves a directory on tmpfs (/dev/shm); the device (vrpsim) has a disk
# flash on tmpfs too. Each run, in alternating order:
#
#   device: one SSH exec session (sshpass + ssh) whose lines are
#             ftp 127.0.0.1 PORT / binary / [passive] / get big.bin /
#             put big.bin up-device.bin / bye / delete /unreserved /force big.bin
#           with the user name and password of the FTP login on the session's
#           standard input (exec sessions read answers from it);
#   curl:   RETR big.bin to a file on /dev/shm, then STOR of the same file as
#           up-curl.bin.
#
# Rates are MB/s (10^6 bytes per second), the median and the best of the
# runs (on a shared machine the best is the steadier figure):
#
#   - device: N/S from its own summary line "FTP: N byte(s) received in S
#     second(s) ...", S running from RETR/STOR to the final 226 reply;
#   - curl: size / (time_total - time_pretransfer), which leaves out the
#     connection and login as the device's figure does.
#
# The ratio device/curl is printed for get and put (the aim is >= 0.9). The
# first run checks that every copy is byte-identical (SHA-256): the device's
# and curl's uploads of the copies they downloaded.
#
# Usage (as root: vsftpd comes from scripts/ftp-peers.sh):
#
#   scripts/bench-client.sh            # 1 GiB file, 3 runs, passive mode
#   scripts/bench-client.sh --quick    # 64 MiB, 1 run
#
# Options: --runs N, --size MiB, --active (PORT instead of PASV, for both),
# --keep (leave the work directory). Everything listens on 127.0.0.1 and is
# stopped on exit, also on Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/vrpsim.sh # stop_pid, wait_line, start_vrpsim

size_mib=1024
runs=3
mode=passive
keep=no
while [[ $# -gt 0 ]]; do
	case $1 in
	--quick) size_mib=64; runs=1 ;;
	--runs) runs=${2:?--runs needs a number}; shift ;;
	--size) size_mib=${2:?--size needs a number of MiB}; shift ;;
	--active) mode=active ;;
	--keep) keep=yes ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-client.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done
[[ $runs =~ ^[1-9][0-9]*$ && $size_mib =~ ^[1-9][0-9]*$ ]] || { echo "bench-client.sh: --runs and --size take positive numbers" >&2; exit 2; }
# The device's flash holds 1,090,732 KB (an AR2220's): one copy of the file.
((size_mib <= 1040)) || { echo "bench-client.sh: --size is at most 1040 MiB (the flash holds one copy)" >&2; exit 2; }
size=$((size_mib * 1024 * 1024))

host=127.0.0.1
ftp_user=vrpsimftp
ftp_pass=vrpsim-peer-pw
admin_pass=Admin@huawei

log() { printf '%s bench-client: %s\n' "$(date -u +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

work=""
vsftpd_pid=""
vrpsim_pid=""

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n $vsftpd_pid ]]; then
		# the listener and its session processes: its own process group (setsid)
		kill -TERM -- "-$vsftpd_pid" 2>/dev/null || true
		stop_pid "$vsftpd_pid"
	fi
	[[ -n $vrpsim_pid ]] && stop_pid "$vrpsim_pid"
	if [[ -n $work && -d $work ]]; then
		if [[ $keep == yes || $rc -ne 0 ]]; then
			log "work directory kept: $work (remove it with rm -rf)"
		else
			rm -rf -- "$work"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

[[ $(id -u) -eq 0 ]] || die "run as root (scripts/ftp-peers.sh provides vsftpd and its user)"
for tool in go curl sshpass ssh sha256sum awk timeout setsid; do
	command -v "$tool" >/dev/null || die "$tool is missing (scripts/test.sh installs the Debian packages)"
done
[[ -d /dev/shm && -w /dev/shm ]] || die "/dev/shm (tmpfs) is not writable"
free_kib=$(df -k --output=avail /dev/shm | tail -n1)
((free_kib / 1024 > 5 * size_mib)) || die "/dev/shm has $((free_kib / 1024)) MiB free; the run needs $((5 * size_mib)) MiB"

work=$(mktemp -d /dev/shm/vrpsim-bench-client.XXXXXX)
chmod 0755 "$work" # vsftpd's sessions run as vrpsimftp and must reach their root

log "building vrpsim"
timeout 600 go build -o "$work/vrpsim" ./cmd/vrpsim || die "go build ./cmd/vrpsim failed"
log "fetching vsftpd (scripts/ftp-peers.sh)"
eval "$(timeout 600 scripts/ftp-peers.sh --env)"
vsftpd_bin=$VRPSIM_PEERS_DIR/root/usr/sbin/vsftpd
[[ -x $vsftpd_bin ]] || die "vsftpd missing at $vsftpd_bin"

log "making a random file of $size_mib MiB"
root=$work/vsftpd
mkdir -p "$root" "$work/vsftpd-empty" "$work/curl"
chunk=$((size < 64 * 1024 * 1024 ? size : 64 * 1024 * 1024))
head -c "$chunk" /dev/urandom >"$work/chunk"
{ while cat "$work/chunk"; do :; done; } 2>/dev/null | head -c "$size" >"$root/big.bin" || true
rm "$work/chunk"
[[ $(stat -c %s "$root/big.bin") -eq $size ]] || die "the test file has the wrong size"
chmod 0644 "$root/big.bin"
chown "$ftp_user" "$root"
want_sum=$(sha256sum <"$root/big.bin" | cut -d' ' -f1)

# vsftpd, in its own process group so that cleanup reaches its sessions.
vs_port=$(
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 12000))
)
cat >"$work/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$host
listen_port=$vs_port
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
local_root=$root
seccomp_sandbox=NO
secure_chroot_dir=$work/vsftpd-empty
pam_service_name=vrpsim-bench-client
xferlog_enable=NO
connect_from_port_20=NO
max_per_ip=0
EOF
chmod 0600 "$work/vsftpd.conf"
setsid "$vsftpd_bin" "$work/vsftpd.conf" >"$work/vsftpd.log" 2>&1 &
vsftpd_pid=$!
deadline=$((SECONDS + 20))
until timeout 2 bash -c "exec 3<>/dev/tcp/$host/$vs_port" 2>/dev/null; do
	kill -0 "$vsftpd_pid" 2>/dev/null || { cat "$work/vsftpd.log" >&2; die "vsftpd exited"; }
	((SECONDS < deadline)) || die "vsftpd did not start"
	sleep 0.1
done
log "vsftpd on $host:$vs_port serving $root"

# The device, SSH on a port the system picks.
start_vrpsim "$work/vrpsim" "$host" "$work/data" "$work/vrpsim.log" || die "vrpsim did not start"
log "device up, SSH on $host:$ssh_port, flash in $work/data/flash"

passive_line=""
curl_mode=()
if [[ $mode == passive ]]; then
	passive_line=$'\npassive'
else
	curl_mode=(-P "$host" --disable-eprt)
fi

# device_run: one session, get then put; sets dev_get and dev_put (MB/s).
device_run() {
	local out rx tx
	out=$(printf '%s\n%s\n' "$ftp_user" "$ftp_pass" | timeout 900 sshpass -p "$admin_pass" ssh \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o PubkeyAuthentication=no -p "$ssh_port" "admin@$host" "ftp $host $vs_port
binary$passive_line
get big.bin
put big.bin up-device.bin
bye
delete /unreserved /force big.bin" 2>&1) || true
	printf '%s\n' "$out" >>"$work/device.log"
	rx=$(sed -nE 's/^FTP: ([0-9]+) byte\(s\) received in ([0-9.]+) second.*/\1 \2/p' <<<"$out")
	tx=$(sed -nE 's/^FTP: ([0-9]+) byte\(s\) sent in ([0-9.]+) second.*/\1 \2/p' <<<"$out")
	if [[ ${rx%% *} != "$size" || ${tx%% *} != "$size" ]]; then
		printf '%s\n' "$out" >&2
		die "the device did not get and put the whole file (see above)"
	fi
	dev_get=$(awk -v b="${rx%% *}" -v s="${rx##* }" 'BEGIN { printf "%.1f", b / s / 1e6 }')
	dev_put=$(awk -v b="${tx%% *}" -v s="${tx##* }" 'BEGIN { printf "%.1f", b / s / 1e6 }')
}

# curl_run: get then put; sets curl_get and curl_put (MB/s).
curl_run() {
	local w='%{size_download} %{size_upload} %{time_pretransfer} %{time_total}\n' rx tx
	rx=$(timeout 900 curl -sS "${curl_mode[@]}" -u "$ftp_user:$ftp_pass" -o "$work/curl/big.bin" -w "$w" \
		"ftp://$host:$vs_port/big.bin") || die "curl RETR failed"
	tx=$(timeout 900 curl -sS "${curl_mode[@]}" -u "$ftp_user:$ftp_pass" -T "$work/curl/big.bin" -w "$w" \
		"ftp://$host:$vs_port/up-curl.bin") || die "curl STOR failed"
	read -r n _ pre total <<<"$rx"
	[[ $n == "$size" ]] || die "curl received $n bytes of $size"
	curl_get=$(awk -v b="$n" -v p="$pre" -v t="$total" 'BEGIN { printf "%.1f", b / (t - p) / 1e6 }')
	read -r _ n pre total <<<"$tx"
	[[ $n == "$size" ]] || die "curl sent $n bytes of $size"
	curl_put=$(awk -v b="$n" -v p="$pre" -v t="$total" 'BEGIN { printf "%.1f", b / (t - p) / 1e6 }')
}

# verify: every copy made in this run is the file.
verify() {
	local f got
	for f in "$root/up-device.bin" "$root/up-curl.bin" "$work/curl/big.bin"; do
		got=$(sha256sum <"$f" | cut -d' ' -f1)
		[[ $got == "$want_sum" ]] || die "$f differs from the file sent (SHA-256 $got)"
	done
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

dev_gets=() dev_puts=() curl_gets=() curl_puts=()
for ((run = 1; run <= runs; run++)); do
	if ((run % 2)); then order="device curl"; else order="curl device"; fi
	for who in $order; do
		if [[ $who == device ]]; then device_run; else curl_run; fi
	done
	if ((run == 1)); then
		# the device's copy on flash is checked through its upload
		verify
		log "run 1: every copy is byte-identical (SHA-256 $want_sum)"
	fi
	rm -f "$root/up-device.bin" "$root/up-curl.bin" "$work/curl/big.bin"
	log "run $run/$runs: device get $dev_get put $dev_put MB/s; curl get $curl_get put $curl_put MB/s"
	dev_gets+=("$dev_get") dev_puts+=("$dev_put") curl_gets+=("$curl_get") curl_puts+=("$curl_put")
done

best() { printf '%s\n' "$@" | sort -g | tail -n1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
dg=$(median "${dev_gets[@]}") dp=$(median "${dev_puts[@]}")
cg=$(median "${curl_gets[@]}") cp=$(median "${curl_puts[@]}")
bdg=$(best "${dev_gets[@]}") bdp=$(best "${dev_puts[@]}")
bcg=$(best "${curl_gets[@]}") bcp=$(best "${curl_puts[@]}")
echo
echo "FTP client throughput, $size_mib MiB binary file, vsftpd on loopback, $mode mode, $runs run(s), MB/s"
printf '%-4s %14s %12s %7s   %12s %10s %7s\n' "" "device median" "curl median" "ratio" "device best" "curl best" "ratio"
printf '%-4s %14s %12s %7s   %12s %10s %7s\n' get "$dg" "$cg" "$(ratio "$dg" "$cg")" "$bdg" "$bcg" "$(ratio "$bdg" "$bcg")"
printf '%-4s %14s %12s %7s   %12s %10s %7s\n' put "$dp" "$cp" "$(ratio "$dp" "$cp")" "$bdp" "$bcp" "$(ratio "$bdp" "$bcp")"
