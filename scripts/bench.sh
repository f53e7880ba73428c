#!/usr/bin/env bash
# bench.sh: vrpsim's FTP server against vsftpd, on loopback, in one run.
#
# Both servers run on this machine at the same time and serve files from tmpfs
# (/dev/shm); curl is the client of every transfer. The script prints, per
# server, medians over several runs:
#
#   - RETR and STOR of a large binary file (1 GiB), MiB/s; with each transfer
#     figure also the median of the per-run vrpsim/vsftpd ratios (the two
#     servers run back to back in a run, in alternating order). Every transfer
#     figure comes twice: with curl and the server placed by the scheduler, and
#     with curl pinned to CPU 0 and the server to CPU 1 (see "placements");
#   - ASCII (TYPE A) RETR of a text file (256 MiB of LF-terminated lines); both
#     servers convert to CRLF (vsftpd gets ascii_download_enable=YES), the rate
#     counts the bytes on the wire;
#   - one session's setup: connect, log in, SIZE, QUIT (curl -I), seconds;
#   - 200 clients downloading a 1 MiB file at once (one curl process,
#     --parallel): wall time and failures, each client bounded by --max-time;
#   - server memory (PSS; for vsftpd the sum over all its processes) at start,
#     with no session after some logins, and with 200 idle logged-in sessions;
#   - the server's CPU time per GiB of each transfer and for the crowd test
#     (steadier than MiB/s when the machine is busy). vsftpd runs under
#     scripts/bench/reaper.py, a child subreaper, so that the CPU time of all
#     its session processes is counted.
#
# vsftpd comes from scripts/ftp-peers.sh (unpacked from Debian's package, user
# vrpsimftp with a SHA-512 crypt hash, as fair as its login gets). vsftpd's
# listen backlog is hard-coded to 32: with 200 clients at once some wait for
# SYN retransmissions. That is part of the result, not tuned away.
#
# vrpsim's FTP server lets 5 users log in at once by default (the AR's "Max user
# number 5") and accepts 2*5+2 control connections. The crowd test runs once at
# that default, then the device is reconfigured with "ftp server max-sessions"
# (VRPv8 syntax) and the FTP server restarted, and the memory and crowd tests
# run against the raised limit.
#
# Usage (as root, after scripts/test.sh installed curl, sshpass and ssh):
#
#   scripts/bench.sh            # full run: 1 GiB, 256 MiB, 200 clients, 31 runs
#   scripts/bench.sh --quick    # 64 MiB, 16 MiB, 50 clients, 1 run
#   scripts/bench.sh lab        # scripts/bench-lab.sh: a 1,000-device lab
#   scripts/bench.sh client     # scripts/bench-client.sh: FTP client get/put
#
# Options: --runs N (transfer runs per figure), --crowd-runs N, --keep (leave
# the work directory in /dev/shm for inspection). Everything listens on
# 127.0.0.1 only; everything started is stopped on exit (also on Ctrl+C), and
# a watchdog ends the script if it overruns its time limit.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

# Other figures have scripts of their own: "bench.sh lab" (1,000 devices in
# one process) and "bench.sh client" (the device's FTP client against curl).
case ${1:-} in
lab) shift; exec scripts/bench-lab.sh "$@" ;;
client) shift; exec scripts/bench-client.sh "$@" ;;
esac

# ---------------------------------------------------------------- parameters

big_size=$((1024 * 1024 * 1024))  # RETR / STOR file
text_size=$((256 * 1024 * 1024))  # ASCII RETR file
small_size=$((1024 * 1024))       # file of the crowd test
clients=200                       # crowd test
idle_sessions=200                 # memory test
runs=31                           # runs per transfer figure
crowd_runs=3                      # runs of the crowd test (raised limit)
client_max_time=30                # seconds each crowd client may take
raised_sessions=256               # vrpsim: ftp server max-sessions
limit_seconds=1200                # watchdog for the whole script
keep=no
mode=full

while [[ $# -gt 0 ]]; do
	case $1 in
	--quick)
		mode=quick
		big_size=$((64 * 1024 * 1024))
		text_size=$((16 * 1024 * 1024))
		clients=50
		idle_sessions=50
		runs=1
		crowd_runs=1
		client_max_time=15
		raised_sessions=64
		limit_seconds=300
		;;
	--runs) runs=${2:?--runs needs a number}; shift ;;
	--crowd-runs) crowd_runs=${2:?--crowd-runs needs a number}; shift ;;
	--keep) keep=yes ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*) echo "bench.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done
[[ $runs =~ ^[1-9][0-9]*$ && $crowd_runs =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: runs must be positive numbers" >&2; exit 2; }

host=127.0.0.1
vrp_user=bench
vrp_pass=Bench@123
admin_pass=Admin@huawei

log() { printf '%s bench: %s\n' "$(date -u +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ------------------------------------------------------------------- cleanup

work=""
vrpsim_pid=""
vsftpd_pid=""   # vsftpd's listener
reaper_pid=""   # scripts/bench/reaper.py, vsftpd's parent
watchdog_pid=""
idle_fds=()

# descendants PID: PID and every process below it, one per line.
descendants() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
		{ pid = $1; sub(/.*\) /, ""); parent[pid] = $2 }
		END {
			keep[root] = 1; changed = 1
			while (changed) {
				changed = 0
				for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 }
			}
			for (p in keep) if (p in parent) print p
		}'
}

# stop_pids SECONDS PID...: TERM, wait up to SECONDS for them to go, then KILL.
stop_pids() {
	local wait_s=$1 p alive deadline
	shift
	[[ $# -gt 0 ]] || return 0
	kill -TERM "$@" 2>/dev/null || true
	deadline=$((SECONDS + wait_s))
	while ((SECONDS < deadline)); do
		alive=no
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=yes; done
		[[ $alive == no ]] && return 0
		sleep 0.1
	done
	kill -KILL "$@" 2>/dev/null || true
}

close_idle() {
	local fd
	# (no redirection of its own here: "exec 2>..." would apply to the whole script)
	for fd in "${idle_fds[@]}"; do exec {fd}>&-; done
	idle_fds=()
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e # clean up as much as possible, whatever fails
	close_idle
	if [[ -n $reaper_pid ]]; then
		# The reaper, the listener and the session processes (each session has a
		# process group of its own, so walk the tree).
		mapfile -t pids < <(descendants "$reaper_pid")
		stop_pids 5 "${pids[@]}" "$reaper_pid"
		wait "$reaper_pid" 2>/dev/null || true
	fi
	if [[ -n $vrpsim_pid ]]; then
		stop_pids 10 "$vrpsim_pid"
		wait "$vrpsim_pid" 2>/dev/null || true
	fi
	if [[ -n $watchdog_pid ]]; then
		kill -TERM "$watchdog_pid" 2>/dev/null || true
		wait "$watchdog_pid" 2>/dev/null || true
	fi
	if [[ -n $work && -d $work ]]; then
		if [[ $keep == yes ]]; then
			log "work directory kept: $work (remove it with rm -rf)"
		elif [[ $rc -ne 0 && $rc -ne 124 && $rc -ne 130 ]]; then
			# A failure: keep the logs (small), not the test files (GiBs of RAM).
			rm -rf -- "$work/files" "$work/vsftpd" "$work/vrpsim-data" "$work/vrpsim"
			log "logs kept in $work (remove it with rm -rf)"
		else
			rm -rf -- "$work"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "stopped (time limit of ${limit_seconds}s or SIGTERM)"; exit 124' TERM

# ------------------------------------------------------------------- helpers

# port_in_use PORT: something accepts connections on host:PORT.
port_in_use() { timeout 2 bash -c "exec 3<>/dev/tcp/$host/$1" 2>/dev/null; }

# free_port: a port nobody listens on (and not handed out before in this run).
taken_ports=" "
free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-)
		[[ $taken_ports == *" $p "* ]] && continue
		if ! port_in_use "$p"; then
			taken_ports+="$p "
			echo "$p"
			return 0
		fi
	done
	die "no free port found"
}

# wait_port PORT SECONDS: until host:PORT accepts connections.
wait_port() {
	local deadline=$((SECONDS + $2))
	until port_in_use "$1"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# median N...: the median (mean of the middle two for an even count).
median() {
	[[ $# -gt 0 ]] || { echo nan; return; }
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# Per-server settings, filled in when the servers start.
declare -A port user pass dir
curl_prefix=() # taskset, when curl runs pinned (see place)

# ftp_url SERVER PATH
ftp_url() { echo "ftp://$host:${port[$1]}/$2"; }

# curl_ftp SERVER ARGS...: curl with the server's login, bounded; prints what -w
# asks for (nothing when timeout had to kill it).
curl_ftp() {
	local s=$1
	shift
	timeout 300 "${curl_prefix[@]}" curl -sS --max-time 240 -u "${user[$s]}:${pass[$s]}" "$@" 2>>"$work/curl.err" || true
}

# ftp_delete SERVER NAME: DELE over FTP (so vrpsim's flash accounts for it).
ftp_delete() {
	local out
	out=$(curl_ftp "$1" -o /dev/null -Q "DELE $2" -w '%{exitcode}' "$(ftp_url "$1" "")")
	[[ $out == 0 ]] || die "$1: DELE $2 failed (curl exit ${out:-killed}; see $work/curl.err)"
}

# mib_per_s BYTES_PER_SECOND
mib_per_s() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }

# memory_kib SERVER: "PSS_KiB RSS_KiB PROCESSES" of the server's processes.
memory_kib() {
	local pids=() p files=()
	if [[ $1 == vsftpd ]]; then
		mapfile -t pids < <(vsftpd_pids)
	else
		pids=("$vrpsim_pid")
	fi
	for p in "${pids[@]}"; do files+=("/proc/$p/smaps_rollup"); done
	cat "${files[@]}" 2>/dev/null | awk -v n="${#pids[@]}" '
		/^Rss:/ { r += $2 } /^Pss:/ { p += $2 } END { printf "%d %d %d\n", p, r, n }'
}

# vsftpd_pids: vsftpd's processes (the listener and its sessions).
vsftpd_pids() { descendants "$reaper_pid" | grep -vx "$reaper_pid"; }

# cpu_ticks SERVER: CPU time the server has used, in clock ticks. For vrpsim the
# process; for vsftpd the listener with the sessions it reaped plus the session
# processes the reaper reaped (call settle first: no session may be running).
cpu_ticks() {
	if [[ $1 == vrpsim ]]; then
		awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$vrpsim_pid/stat"
	else
		cat "/proc/$vsftpd_pid/stat" "/proc/$reaper_pid/stat" | awk '
			{ sub(/.*\) /, "") }
			NR == 1 { t += $12 + $13 + $14 + $15 }
			NR == 2 { t += $14 + $15 }
			END { print t }'
	fi
}

# settle SERVER: wait (up to 10 s) until vsftpd's sessions are gone and reaped,
# so that their CPU time shows in the counters.
settle() {
	[[ $1 == vsftpd ]] || { sleep 0.05; return 0; }
	local deadline=$((SECONDS + 10))
	while (($(vsftpd_pids | wc -l) > 1 && SECONDS < deadline)); do sleep 0.05; done
}

# cpu_s_per_gib TICKS BYTES
clk_tck=$(getconf CLK_TCK)
cpu_s_per_gib() { awk -v t="$1" -v b="$2" -v hz="$clk_tck" 'BEGIN { printf "%.2f", t / hz / (b / 1073741824) }'; }

# device_exec COMMANDS: run CLI lines on the device over SSH exec.
device_exec() {
	local out
	if ! out=$(timeout 60 sshpass -p "$admin_pass" ssh -n -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10 \
		-p "${port[ssh]}" "admin@$host" "$1" 2>&1); then
		printf '%s\n' "$out" >&2
		die "device configuration over SSH failed"
	fi
	printf '%s\n' "$out" >>"$work/device.log"
	if grep -q '^Error' <<<"$out"; then
		printf '%s\n' "$out" >&2
		die "the device refused a configuration line"
	fi
}

# ------------------------------------------------------------------- prepare

[[ $(id -u) -eq 0 ]] || die "run as root (scripts/ftp-peers.sh installs vsftpd's libraries and its user)"
for tool in curl sshpass ssh go timeout awk setsid /usr/bin/python3; do
	command -v "$tool" >/dev/null || die "$tool is missing (scripts/test.sh installs the Debian packages)"
done
[[ -d /dev/shm && -w /dev/shm ]] || die "/dev/shm (tmpfs) is not writable"

# The watchdog: TERM to this shell when the run overruns; the TERM trap cleans up.
(
	sleep "$limit_seconds" &
	sleep_pid=$!
	trap 'kill "$sleep_pid" 2>/dev/null; exit 0' TERM
	wait "$sleep_pid" && kill -TERM $$ 2>/dev/null
) &
watchdog_pid=$!

log "mode $mode: file $((big_size >> 20)) MiB, text $((text_size >> 20)) MiB, $clients clients x $((small_size >> 10)) KiB, $idle_sessions idle sessions, $runs run(s)"

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d /dev/shm/vrpsim-bench.XXXXXX)
chmod 0755 "$work" # vsftpd's sessions run as vrpsimftp and must reach their root
files=$work/files
mkdir -p "$files"

log "building vrpsim"
timeout 600 go build -o "$work/vrpsim" ./cmd/vrpsim || die "go build ./cmd/vrpsim failed"

log "fetching vsftpd (scripts/ftp-peers.sh)"
eval "$(timeout 600 scripts/ftp-peers.sh --env)"
vsftpd_bin=$VRPSIM_PEERS_DIR/root/usr/sbin/vsftpd
[[ -x $vsftpd_bin ]] || die "vsftpd missing at $vsftpd_bin"

log "making test files in $files"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$files/chunk.bin"
{ while cat "$files/chunk.bin"; do :; done; } 2>/dev/null | head -c "$big_size" >"$files/big.bin" || true
head -c "$small_size" "$files/chunk.bin" >"$files/small.bin"
rm "$files/chunk.bin"
head -c $((12 * 1024 * 1024)) /dev/urandom | base64 -w 76 >"$files/chunk.txt"
{ while cat "$files/chunk.txt"; do :; done; } 2>/dev/null | head -c "$text_size" >"$files/text.txt" || true
rm "$files/chunk.txt"
[[ $(stat -c %s "$files/big.bin") -eq $big_size && $(stat -c %s "$files/text.txt") -eq $text_size ]] ||
	die "test files have the wrong size"
text_lines=$(wc -l <"$files/text.txt")
text_wire=$((text_size + text_lines)) # every LF goes out as CRLF
chmod 0644 "$files"/*

# ------------------------------------------------------------ start vsftpd

vs_root=$work/vsftpd
mkdir -p "$vs_root" "$work/vsftpd-empty"
ln "$files/big.bin" "$files/text.txt" "$files/small.bin" "$vs_root/"
chown vrpsimftp "$vs_root"
port[vsftpd]=$(free_port)
user[vsftpd]=vrpsimftp
pass[vsftpd]=vrpsim-peer-pw
dir[vsftpd]=$vs_root
cat >"$work/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$host
listen_port=${port[vsftpd]}
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
local_root=$vs_root
ascii_upload_enable=YES
ascii_download_enable=YES
seccomp_sandbox=NO
secure_chroot_dir=$work/vsftpd-empty
pam_service_name=vrpsim-bench
xferlog_enable=NO
connect_from_port_20=NO
max_per_ip=0
max_clients=0
EOF
chmod 0600 "$work/vsftpd.conf"
log "starting vsftpd on $host:${port[vsftpd]}"
# Under reaper.py, so that the CPU time of every session process is counted;
# setsid keeps the terminal's Ctrl+C for this script, whose trap stops it all.
setsid /usr/bin/python3 scripts/bench/reaper.py "$work/vsftpd.pid" "$vsftpd_bin" "$work/vsftpd.conf" \
	>"$work/vsftpd.log" 2>&1 &
reaper_pid=$!
deadline=$((SECONDS + 20))
until [[ -s $work/vsftpd.pid ]]; do
	kill -0 "$reaper_pid" 2>/dev/null || { cat "$work/vsftpd.log" >&2; die "vsftpd's reaper exited"; }
	((SECONDS < deadline)) || die "vsftpd did not start within 20 s"
	sleep 0.05
done
vsftpd_pid=$(<"$work/vsftpd.pid")
wait_port "${port[vsftpd]}" 20 || { cat "$work/vsftpd.log" >&2; die "vsftpd did not start"; }

# ------------------------------------------------------------ start vrpsim

data=$work/vrpsim-data
mkdir -p "$data/flash"
# The flash holds 1,090,732 KB (an AR2220's): the large file and the small one
# fit; the text file is uploaded after the large one is deleted.
ln "$files/big.bin" "$files/small.bin" "$data/flash/"
port[ssh]=$(free_port)
port[vrpsim]=$(free_port)
user[vrpsim]=$vrp_user
pass[vrpsim]=$vrp_pass
dir[vrpsim]=$data/flash
log "starting vrpsim (SSH on $host:${port[ssh]})"
: >"$work/vrpsim.log"
"$work/vrpsim" --ssh "$host:${port[ssh]}" --data "$data" >"$work/vrpsim.log" 2>&1 &
vrpsim_pid=$!
deadline=$((SECONDS + 30))
until grep -q 'ssh -p' "$work/vrpsim.log"; do
	kill -0 "$vrpsim_pid" 2>/dev/null || { cat "$work/vrpsim.log" >&2; die "vrpsim exited"; }
	((SECONDS < deadline)) || die "vrpsim did not report ready within 30 s"
	sleep 0.1
done
# Memory of both servers before any login (vrpsim's SSH login is the first).
declare -A result
for s in vrpsim vsftpd; do
	read -r pss _ _ < <(memory_kib "$s")
	result[mem_start_$s]=$pss
done
log "configuring the device's FTP server on $host:${port[vrpsim]} (default limit of 5 users)"
device_exec "system-view
ftp server port ${port[vrpsim]}
ftp server enable
set default ftp-directory flash:
aaa
local-user $vrp_user password cipher $vrp_pass
local-user $vrp_user service-type ftp
local-user $vrp_user privilege level 15
local-user $vrp_user ftp-directory flash:"
wait_port "${port[vrpsim]}" 20 || die "the device's FTP server did not start"

servers=(vrpsim vsftpd)
# in_order RUN: both servers, the first one alternating from run to run.
in_order() { if (($1 % 2)); then echo vrpsim vsftpd; else echo vsftpd vrpsim; fi; }

# Sanity check: each server serves the small file whole.
for s in "${servers[@]}"; do
	got=$(curl_ftp "$s" -o /dev/null -w '%{size_download} %{exitcode}' "$(ftp_url "$s" small.bin)")
	[[ $got == "$small_size 0" ]] || die "$s: RETR small.bin gave '$got' (see $work/curl.err)"
done

# ------------------------------------------------------------- crowd test

# crowd SERVER: $clients transfers of small.bin at once from one curl process.
# Sets crowd_wall (seconds), crowd_failed (count) and crowd_why (failure kinds).
crowd() {
	local s=$1 cfg=$work/crowd.curlrc out=$work/crowd.out i t0 t1 ok
	: >"$cfg"
	for ((i = 0; i < clients; i++)); do
		printf 'url = "%s"\noutput = "/dev/null"\n' "$(ftp_url "$s" small.bin)" >>"$cfg"
	done
	t0=$(date +%s.%N)
	timeout $((client_max_time + 60)) curl -sS -K "$cfg" --parallel --parallel-immediate \
		--parallel-max "$clients" --max-time "$client_max_time" -u "${user[$s]}:${pass[$s]}" \
		-w '%{exitcode} %{response_code} %{size_download}\n' >"$out" 2>>"$work/curl.err" || true
	t1=$(date +%s.%N)
	crowd_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	ok=$(awk -v n="$small_size" '$1 == 0 && $3 == n' "$out" | wc -l)
	crowd_failed=$((clients - ok))
	crowd_why=$(awk -v n="$small_size" '!($1 == 0 && $3 == n) { print "curl exit " $1 ", last reply " $2 }' "$out" |
		sort | uniq -c | awk '{ c = $1; $1 = ""; printf "%s%d x%s", sep, c, $0; sep = "; " }')
}

notes=()

log "crowd test against vrpsim at its default limit (5 users, 12 connections)"
crowd vrpsim
result[crowd_default_wall]=$crowd_wall
result[crowd_default_failed]=$crowd_failed
notes+=("vrpsim at the default limit of 5 users: $crowd_failed of $clients failed (${crowd_why:-none}) in ${crowd_wall}s")
log "  ${crowd_wall}s, $crowd_failed failed ${crowd_why:+($crowd_why)}"

log "raising the device's limit: ftp server max-sessions $raised_sessions, FTP server restarted"
device_exec "system-view
undo ftp server
ftp server max-sessions $raised_sessions
ftp server enable"
wait_port "${port[vrpsim]}" 20 || die "the device's FTP server did not restart"

# ------------------------------------------------------------ memory test

# open_idle SERVER N: N logged-in sessions held open by this shell (bash's
# /dev/tcp; curl cannot keep a session idle). Prints how many logged in.
open_idle() {
	local s=$1 n=$2 i fd line ok=0
	idle_fds=()
	for ((i = 0; i < n; i++)); do
		exec {fd}<>"/dev/tcp/$host/${port[$s]}" || break
		idle_fds+=("$fd")
	done
	for fd in "${idle_fds[@]}"; do
		printf 'USER %s\r\nPASS %s\r\n' "${user[$s]}" "${pass[$s]}" >&"$fd" || true
	done
	for fd in "${idle_fds[@]}"; do
		while IFS= read -r -t 20 -u "$fd" line; do
			case $line in
			"230 "*) ok=$((ok + 1)); break ;;
			[45][0-9][0-9]" "*) break ;;
			esac
		done || true
	done
	idle_ok=$ok
}

for s in "${servers[@]}"; do
	read -r pss rss procs < <(memory_kib "$s")
	result[mem0_$s]=$pss
	result[mem0rss_$s]=$rss
	result[procs0_$s]=$procs
	log "memory test: $s, $idle_sessions idle sessions"
	open_idle "$s" "$idle_sessions"
	sleep 1
	read -r pss rss procs < <(memory_kib "$s")
	result[mem_$s]=$pss
	result[memrss_$s]=$rss
	result[procs_$s]=$procs
	result[idle_ok_$s]=$idle_ok
	log "  $idle_ok logged in; PSS $((pss / 1024)) MiB, RSS $((rss / 1024)) MiB, $procs process(es)"
	close_idle
	# Let the server notice the closed sessions before the next test.
	if [[ $s == vsftpd ]]; then
		deadline=$((SECONDS + 30))
		while (($(vsftpd_pids | wc -l) > 1 && SECONDS < deadline)); do sleep 0.2; done
	else
		sleep 1
	fi
done

# ------------------------------------------------------- session setup

log "session setup (connect, login, SIZE, QUIT), $((runs * 2 + 1)) runs each"
declare -A samples
for ((r = 1; r <= runs * 2 + 1; r++)); do
	for s in $(in_order "$r"); do
		got=$(curl_ftp "$s" -I -o /dev/null -w '%{time_total} %{exitcode}' "$(ftp_url "$s" small.bin)")
		[[ ${got#* } == 0 ]] || die "$s: curl -I failed ($got)"
		samples[login_$s]+=" ${got% *}"
	done
done

# ------------------------------------------------------------- crowd, raised

log "crowd test: $clients clients x $((small_size >> 10)) KiB at once, $crowd_runs run(s) (vrpsim with max-sessions $raised_sessions)"
for ((r = 1; r <= crowd_runs; r++)); do
	for s in $(in_order "$r"); do
		settle "$s"
		c0=$(cpu_ticks "$s")
		crowd "$s"
		settle "$s"
		c1=$(cpu_ticks "$s")
		samples[crowd_cpu_$s]+=" $(awk -v t=$((c1 - c0)) -v hz="$clk_tck" 'BEGIN { printf "%.2f", t / hz }')"
		samples[crowd_wall_$s]+=" $crowd_wall"
		samples[crowd_failed_$s]+=" $crowd_failed"
		log "  $s run $r: ${crowd_wall}s, $crowd_failed failed ${crowd_why:+($crowd_why)}"
		[[ -n $crowd_why ]] && notes+=("$s crowd run $r: $crowd_failed failed: $crowd_why")
		sleep 1
	done
done

# ------------------------------------------------------- transfer figures

# Each transfer figure is measured in two placements, alternating within a run:
#   free:   the kernel's scheduler places curl and the server as it likes;
#   pinned: curl on CPU 0, the server (every vrpsim thread; vsftpd's listener,
#           whose session processes inherit it) on CPU 1.
# On this loopback benchmark the client and the server each keep one CPU busy,
# so "free" also measures where the scheduler happened to put them: single
# RETRs of either server spread from about 1,300 to 3,900 MiB/s, slow when the
# two share a CPU for long. "pinned" takes that lottery out and compares the
# servers' work. Both are printed.
placements=(free)
(($(nproc) >= 2)) && placements+=(pinned)
# place PLACEMENT: put curl and both servers as PLACEMENT says.
place() {
	local cpus=1
	curl_prefix=(taskset -c 0)
	if [[ $1 == free ]]; then
		cpus=0-$(($(nproc) - 1))
		curl_prefix=()
	fi
	taskset -a -cp "$cpus" "$vrpsim_pid" >/dev/null || die "taskset could not put vrpsim on CPU(s) $cpus"
	taskset -cp "$cpus" "$vsftpd_pid" >/dev/null || die "taskset could not put vsftpd on CPU(s) $cpus"
}
key() { if [[ $2 == free ]]; then echo "$1"; else echo "$1_$2"; fi; }

# transfer KIND SERVER PLACEMENT: one transfer, its figures into samples.
transfer() {
	local kind=$1 s=$2 k c0 c1 got speed size rc stored
	k=$(key "$kind" "$3")
	settle "$s"
	c0=$(cpu_ticks "$s")
	case $kind in
	retr) got=$(curl_ftp "$s" -o /dev/null -w '%{speed_download} %{size_download} %{exitcode}' "$(ftp_url "$s" big.bin)") ;;
	stor) got=$(curl_ftp "$s" -T "$files/big.bin" -w '%{speed_upload} %{size_upload} %{exitcode}' "$(ftp_url "$s" upload.bin)") ;;
	ascii) got=$(curl_ftp "$s" -B -o /dev/null -w '%{speed_download} %{size_download} %{exitcode}' "$(ftp_url "$s" text.txt)") ;;
	esac
	settle "$s"
	c1=$(cpu_ticks "$s")
	read -r speed size rc <<<"${got:-0 0 killed}"
	case $kind in
	retr) [[ $rc == 0 && $size == "$big_size" ]] || die "$s: RETR big.bin: curl exit $rc, $size bytes" ;;
	stor)
		[[ $rc == 0 && $size == "$big_size" ]] || die "$s: STOR upload.bin: curl exit $rc, $size bytes"
		stored=$(stat -c %s "${dir[$s]}/upload.bin" 2>/dev/null || echo missing)
		[[ $stored == "$big_size" ]] || die "$s: upload.bin has $stored bytes after STOR"
		ftp_delete "$s" upload.bin
		;;
	ascii)
		[[ $rc == 0 ]] || die "$s: ASCII RETR text.txt: curl exit $rc"
		# The size on the wire shows whether the server converted LF to CRLF.
		[[ $size == "$text_wire" ]] || die "$s: ASCII RETR sent $size bytes, want $text_wire (LF -> CRLF)"
		;;
	esac
	samples[${k}_$s]+=" $(mib_per_s "$speed")"
	samples[cpu_${k}_$s]+=" $(cpu_s_per_gib $((c1 - c0)) "$size")"
	log "  $s, $3: $(mib_per_s "$speed") MiB/s, server CPU $(cpu_s_per_gib $((c1 - c0)) "$size") s/GiB"
}

# figure KIND: $runs runs; in each, both placements and, in each placement,
# both servers back to back (the orders alternate from run to run).
figure() {
	local r p s order
	for ((r = 1; r <= runs; r++)); do
		order=("${placements[@]}")
		((r % 2)) || mapfile -t order < <(printf '%s\n' "${placements[@]}" | tac)
		for p in "${order[@]}"; do
			place "$p"
			for s in $(in_order "$r"); do transfer "$1" "$s" "$p"; done
		done
	done
	place free
}

log "RETR of $((big_size >> 20)) MiB, $runs run(s) x ${#placements[@]} placement(s)"
figure retr
ftp_delete vrpsim big.bin # room on the device's flash for the uploads

log "STOR of $((big_size >> 20)) MiB, $runs run(s) x ${#placements[@]} placement(s)"
figure stor

log "ASCII RETR of $((text_size >> 20)) MiB ($text_lines lines), $runs run(s) x ${#placements[@]} placement(s)"
got=$(curl_ftp vrpsim -T "$files/text.txt" -w '%{size_upload} %{exitcode}' "$(ftp_url vrpsim text.txt)")
[[ $got == "$text_size 0" ]] || die "vrpsim: STOR text.txt gave '$got'"
figure ascii

# ------------------------------------------------------------------ table

# med KEY SERVER
med() { median ${samples[$1_$2]}; }
# ratio A B: A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
# mib KiB
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# paired_ratio KEY: the two servers ran back to back in each run, so the
# machine's mood is shared within a run more than across runs. Prints the
# median of the runs' vrpsim/vsftpd ratios with their range.
paired_ratio() {
	paste <(printf '%s\n' ${samples[$1_vrpsim]}) <(printf '%s\n' ${samples[$1_vsftpd]}) |
		awk '$2 > 0 { print $1 / $2 }' | sort -g |
		awk '{ a[NR] = $1 } END {
			if (NR == 0) { print "-"; exit }
			m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			printf "%.2f (%.2f-%.2f)", m, a[1], a[NR]
		}'
}

rows=()
row() { rows+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$4"); }
for kind in retr stor ascii; do
	for p in "${placements[@]}"; do
		k=$(key "$kind" "$p")
		a=$(med "$k" vrpsim) b=$(med "$k" vsftpd)
		case $kind in
		retr) name="RETR $((big_size >> 20)) MiB (MiB/s)" ;;
		stor) name="STOR $((big_size >> 20)) MiB (MiB/s)" ;;
		ascii) name="ASCII RETR $((text_size >> 20)) MiB (MiB/s on the wire)" ;;
		esac
		case $p in
		free) name+=", placed by the scheduler" ;;
		pinned) name+=", curl on CPU 0, server on CPU 1" ;;
		esac
		row "$name" "$a" "$b" "$(ratio "$a" "$b")"
		row "  paired: median (min-max) of the runs' ratios" "-" "-" "$(paired_ratio "$k")"
		a=$(med "cpu_$k" vrpsim) b=$(med "cpu_$k" vsftpd)
		row "  server CPU (s per GiB sent)" "$a" "$b" "$(ratio "$a" "$b")"
	done
done
a=$(med login vrpsim) b=$(med login vsftpd)
row "session: connect+login+SIZE+QUIT (ms)" "$(awk -v x="$a" 'BEGIN { printf "%.1f", x * 1000 }')" \
	"$(awk -v x="$b" 'BEGIN { printf "%.1f", x * 1000 }')" "$(ratio "$a" "$b")"
a=$(med crowd_wall vrpsim) b=$(med crowd_wall vsftpd)
row "$clients x $((small_size >> 10)) KiB at once: wall (s)" "$a" "$b" "$(ratio "$a" "$b")"
a=$(med crowd_failed vrpsim) b=$(med crowd_failed vsftpd)
row "$clients x $((small_size >> 10)) KiB at once: failed" "$a" "$b" "-"
a=$(med crowd_cpu vrpsim) b=$(med crowd_cpu vsftpd)
row "  server CPU (s)" "$a" "$b" "$(ratio "$a" "$b")"
row "  same, vrpsim at default 5 users: wall (s) / failed" "${result[crowd_default_wall]} / ${result[crowd_default_failed]}" "-" "-"
row "memory at start, before any login: PSS (MiB)" "$(mib "${result[mem_start_vrpsim]}")" "$(mib "${result[mem_start_vsftpd]}")" \
	"$(ratio "${result[mem_start_vrpsim]}" "${result[mem_start_vsftpd]}")"
row "memory, no session, after some logins: PSS (MiB)" "$(mib "${result[mem0_vrpsim]}")" "$(mib "${result[mem0_vsftpd]}")" \
	"$(ratio "${result[mem0_vrpsim]}" "${result[mem0_vsftpd]}")"
row "memory, $idle_sessions idle sessions: PSS (MiB)" "$(mib "${result[mem_vrpsim]}")" "$(mib "${result[mem_vsftpd]}")" \
	"$(ratio "${result[mem_vrpsim]}" "${result[mem_vsftpd]}")"
row "memory, $idle_sessions idle sessions: RSS sum (MiB)" "$(mib "${result[memrss_vrpsim]}")" "$(mib "${result[memrss_vsftpd]}")" \
	"$(ratio "${result[memrss_vrpsim]}" "${result[memrss_vsftpd]}")"
row "  idle sessions logged in / processes" "${result[idle_ok_vrpsim]} / ${result[procs_vrpsim]}" \
	"${result[idle_ok_vsftpd]} / ${result[procs_vsftpd]}" "-"
per_a=$(((${result[mem_vrpsim]} - ${result[mem0_vrpsim]}) / idle_sessions))
per_b=$(((${result[mem_vsftpd]} - ${result[mem0_vsftpd]}) / idle_sessions))
row "memory per idle session: PSS (KiB)" "$per_a" "$per_b" "$(ratio "$per_a" "$per_b")"

echo
echo "vrpsim vs vsftpd, loopback, files on tmpfs, curl $(curl --version | awk 'NR == 1 { print $2 }'), $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average at start: $load_start, at end: $(cut -d' ' -f1-3 /proc/loadavg) (figures from a busy machine are noisy)"
echo "medians of $runs run(s) (session setup: $((runs * 2 + 1)), crowd: $crowd_runs); ratio = vrpsim / vsftpd"
((${#placements[@]} > 1)) && echo "transfers twice: placed by the scheduler, and pinned with taskset (curl on CPU 0, the server on CPU 1)"
echo
{
	printf 'figure\tvrpsim\tvsftpd\tratio\n'
	printf -- '------\t------\t------\t-----\n'
	printf '%s\n' "${rows[@]}"
} | awk -F'\t' '
	{ for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
	END {
		fmt = "%-" w[1] "s  %" w[2] "s  %" w[3] "s  %" w[4] "s\n"
		for (r = 1; r <= NR; r++) printf fmt, cell[r, 1], cell[r, 2], cell[r, 3], cell[r, 4]
	}'
echo
echo "runs:"
for k in retr cpu_retr retr_pinned cpu_retr_pinned stor cpu_stor stor_pinned cpu_stor_pinned \
	ascii cpu_ascii ascii_pinned cpu_ascii_pinned login crowd_wall crowd_failed crowd_cpu; do
	[[ -n ${samples[${k}_vrpsim]:-} ]] || continue
	printf '  %-17s vrpsim:%s | vsftpd:%s\n' "$k" "${samples[${k}_vrpsim]}" "${samples[${k}_vsftpd]}"
done
echo "notes:"
echo "  - curl reports a 421 greeting (vrpsim's 'too many users/connections') as exit 28, like a timeout;"
echo "    exit 28 with last reply 000 is a real timeout: no greeting within --max-time (vsftpd's backlog of 32)."
echo "  - vrpsim hashes passwords with argon2id (12 MiB, 2 hashes at once); Go keeps the freed heap for a while, so"
echo "    its memory after logins exceeds its memory at start, and the per-session figure (difference of the idle"
echo "    server and $idle_sessions sessions, over $idle_sessions) understates a session when sessions reuse that heap."
echo "  - vsftpd: backlog of 32 (hard-coded), SHA-512 crypt password, ascii_*_enable=YES; vrpsim: argon2id password,"
echo "    ftp server max-sessions $raised_sessions for the crowd and memory tests; each crowd client has --max-time ${client_max_time}s."
for n in "${notes[@]}"; do echo "  - $n"; done
