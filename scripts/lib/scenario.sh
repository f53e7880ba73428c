# scenario.sh: shared helpers of the FTP lesson's scenarios (scripts/scenario-*.sh).
# Source it; it sets "set -euo pipefail", a work directory, a cleanup trap and a
# watchdog. Each scenario prints the dialogue a trainee should study, then an
# explanation, and exits non-zero (after printing FAIL: ...) when the expected
# outcome does not happen.
#
# Environment:
#   VRPSIM_BIN        a vrpsim binary to use instead of building ./cmd/vrpsim
#   SCENARIO_LIMIT    seconds before the watchdog stops the scenario (default 120)
#   SCENARIO_KEEP=1   keep the work directory (captures, device data, logs)
#
# Everything outside the network namespaces a scenario creates listens on
# 127.0.0.0/8 only. Every process started is stopped on exit, every namespace
# created is deleted.
set -euo pipefail

scenario_name=$(basename "$0" .sh)
scenario_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
scenario_lib=$scenario_repo/scripts/lib
source "$scenario_lib/vrpsim.sh" # stop_pid, wait_line
admin_user=admin
admin_pass=Admin@huawei
ftp_user=huawei
ftp_pass=huawei123

# ------------------------------------------------------------------ printing

# say TEXT...: narration for the trainee.
say() { printf '%s\n' "$*"; }
# section TITLE: a heading in the output.
section() { printf '\n==== %s ====\n\n' "$*"; }
# note TEXT...: what the script itself does (not part of the lesson).
note() { printf '[%s] %s\n' "$scenario_name" "$*"; }
# run_shown CMD...: print a host command as a trainee would type it, then run it.
run_shown() {
	printf '$ %s\n' "$*"
	"$@"
}
# shown TEXT: print a command line as a trainee would type it (the script runs
# it itself, often in a pipeline).
shown() { printf '$ %s\n' "$*"; }
# check DESCRIPTION: record a passed assertion.
check() { printf 'ok: %s\n' "$*"; }
# fail DESCRIPTION: the expected outcome did not happen; exit 1.
fail() {
	printf 'FAIL: %s\n' "$*"
	printf '%s: FAIL: %s\n' "$scenario_name" "$*" >&2
	exit 1
}
# explain: reads the explanation from stdin and prints it under a heading.
explain() {
	section "What happened"
	cat
}

# ------------------------------------------------------------------- cleanup

scenario_work=""
scenario_pids=()
scenario_netns=()
scenario_watchdog=""

scenario_cleanup() {
	local rc=$? p ns
	trap - EXIT INT TERM
	for p in "${scenario_pids[@]}"; do stop_pid "$p"; done
	for ns in "${scenario_netns[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	if [[ -n $scenario_watchdog ]]; then
		kill -TERM "$scenario_watchdog" 2>/dev/null || true
		wait "$scenario_watchdog" 2>/dev/null || true
	fi
	if [[ -n $scenario_work && -d $scenario_work ]]; then
		if [[ ${SCENARIO_KEEP:-} == 1 || $rc -ne 0 ]]; then
			note "work directory kept: $scenario_work"
		else
			rm -rf -- "$scenario_work"
		fi
	fi
	exit "$rc"
}
trap scenario_cleanup EXIT
trap 'note "interrupted"; exit 130' INT
trap 'fail "stopped: time limit of ${SCENARIO_LIMIT:-120} s reached (or SIGTERM)"' TERM

# track PID: stop PID at exit.
track() { scenario_pids+=("$1"); }

# The watchdog: TERM to the script when it overruns; the TERM trap cleans up.
(
	sleep "${SCENARIO_LIMIT:-120}" &
	sleep_pid=$!
	trap 'kill "$sleep_pid" 2>/dev/null; exit 0' TERM
	wait "$sleep_pid" && kill -TERM $$ 2>/dev/null
) &
scenario_watchdog=$!

scenario_work=$(mktemp -d "/tmp/vrpsim-$scenario_name.XXXXXX")

# ------------------------------------------------------------------- prepare

need_root() {
	[[ $(id -u) -eq 0 ]] || fail "run as root (network namespaces, packet capture, Debian packages)"
}

scenario_apt_updated=no
# need_packages PACKAGE...: install the Debian packages that are missing.
need_packages() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	need_root
	note "installing Debian packages: ${missing[*]}"
	if [[ $scenario_apt_updated == no ]]; then
		note "apt-get update"
		timeout 300 apt-get update -qq || fail "apt-get update failed"
		scenario_apt_updated=yes
	fi
	# tshark asks whether non-root users may capture; answer no beforehand.
	echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${missing[@]}" >"$scenario_work/apt.log" 2>&1 ||
		{ tail -20 "$scenario_work/apt.log"; fail "apt-get install ${missing[*]} failed"; }
}

# vrpsim_binary: builds ./cmd/vrpsim unless VRPSIM_BIN names a binary; sets vrpsim.
vrpsim=""
vrpsim_binary() {
	if [[ -n ${VRPSIM_BIN:-} ]]; then
		[[ -x $VRPSIM_BIN ]] || fail "VRPSIM_BIN=$VRPSIM_BIN is not executable"
		vrpsim=$VRPSIM_BIN
		return
	fi
	command -v go >/dev/null || fail "go is needed to build vrpsim (or set VRPSIM_BIN)"
	note "building vrpsim"
	(cd "$scenario_repo" && timeout 300 go build -o "$scenario_work/vrpsim" ./cmd/vrpsim) || fail "go build ./cmd/vrpsim failed"
	vrpsim=$scenario_work/vrpsim
}

# prepare PACKAGE...: the packages every scenario needs plus PACKAGE..., and vrpsim.
prepare() {
	need_packages openssh-client sshpass expect curl iproute2 xxd "$@"
	vrpsim_binary
}

# ------------------------------------------------------------------- devices

declare -A dev_addr dev_ssh dev_ns dev_data

# in_ns NS CMD...: CMD in network namespace NS (or here when NS is empty).
in_ns() {
	local ns=$1
	shift
	if [[ -n $ns ]]; then ip netns exec "$ns" "$@"; else "$@"; fi
}

# ns_prefix NS: sets ns_cmd to the words that run a command in NS (none when
# NS is empty), so that "${ns_cmd[@]}" CMD & gives the command's own PID in $!
# (ip netns exec execs the command).
ns_cmd=()
ns_prefix() { if [[ -n $1 ]]; then ns_cmd=(ip netns exec "$1"); else ns_cmd=(); fi; }

# port_open ADDR PORT [NS]: something accepts TCP connections there.
port_open() { in_ns "${3:-}" timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# start_device NAME ADDR SSH_PORT [NS]: runs a device named NAME whose address is
# ADDR (its SSH server on ADDR:SSH_PORT), inside network namespace NS if given.
# Files in $scenario_work/NAME/flash (made before the call) are on its flash.
start_device() {
	local name=$1 addr=$2 port=$3 ns=${4:-} data=$scenario_work/$1 pid
	port_open "$addr" "$port" "$ns" && fail "$addr:$port is already in use (another run of $scenario_name?)"
	mkdir -p "$data/flash"
	note "starting device $name at $addr (SSH port $port${ns:+, namespace $ns})"
	ns_prefix "$ns"
	"${ns_cmd[@]}" "$vrpsim" --ssh "$addr:$port" --data "$data" --sysname "$name" >"$data.log" 2>&1 &
	pid=$!
	track "$pid"
	dev_addr[$name]=$addr
	dev_ssh[$name]=$port
	dev_ns[$name]=$ns
	dev_data[$name]=$data
	if ! wait_line "$data.log" 'ssh -p' 30 "$pid"; then
		kill -0 "$pid" 2>/dev/null || { cat "$data.log"; fail "device $name exited"; }
		fail "device $name did not report ready within 30 s"
	fi
}

# device_exec NAME LINES [ANSWERS]: runs the CLI lines on the device over SSH exec
# (no terminal); ANSWERS are the lines its questions read. Prints the output;
# fails when a line is refused with an Error.
device_exec() {
	local name=$1 lines=$2 answers=${3:-} out
	out=$(printf '%s' "$answers" | in_ns "${dev_ns[$name]}" timeout 60 sshpass -p "$admin_pass" ssh \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o ConnectTimeout=10 -o PubkeyAuthentication=no -p "${dev_ssh[$name]}" \
		"$admin_user@${dev_addr[$name]}" "$lines" 2>&1) || { printf '%s\n' "$out"; fail "SSH exec on $name failed"; }
	printf '%s\n' "$out" >>"$scenario_work/$name-exec.log"
	if grep -q '^Error' <<<"$out"; then
		printf '%s\n' "$out"
		fail "device $name refused a line"
	fi
	printf '%s\n' "$out"
}

# session NAME OUTFILE: logs in to device NAME with a terminal and types the
# lines read from stdin, each after the next prompt (scripts/lib/vrp-session.exp).
# The dialogue is printed and kept in OUTFILE (CRs removed). The last line
# should end the session (quit in the user view). EXPECT_TIMEOUT bounds each
# wait for a prompt (default 30 s).
session() {
	local name=$1 out=$2 lines=$scenario_work/lines.$RANDOM rc=0
	cat >"$lines"
	in_ns "${dev_ns[$name]}" timeout 300 expect -f "$scenario_lib/vrp-session.exp" \
		"${dev_addr[$name]}" "${dev_ssh[$name]}" "$admin_user" "$admin_pass" "$lines" |
		tr -d '\r' | sed -e "/'s password: *$/d" | tee "$out" || rc=$?
	return "$rc"
}

# ftp_server_lines PORT: the CLI lines that enable the FTP server on PORT with
# user huawei (password huawei123, directory flash:).
ftp_server_lines() {
	cat <<EOF
system-view
ftp server port $1
ftp server enable
aaa
local-user $ftp_user password cipher $ftp_pass
local-user $ftp_user service-type ftp
local-user $ftp_user privilege level 15
local-user $ftp_user ftp-directory flash:
return
EOF
}

# enable_ftp_server NAME PORT: configures the device's FTP server (SSH exec,
# quietly) and waits until it accepts connections.
enable_ftp_server() {
	local name=$1 port=$2 deadline
	note "enabling the FTP server of $name on ${dev_addr[$name]}:$port (user $ftp_user, password $ftp_pass)"
	device_exec "$name" "$(ftp_server_lines "$port")" >/dev/null
	deadline=$((SECONDS + 15))
	until port_open "${dev_addr[$name]}" "$port" "${dev_ns[$name]}"; do
		((SECONDS < deadline)) || fail "the FTP server of $name did not start"
		sleep 0.1
	done
}

# ------------------------------------------------------------------- capture

capture_pids=()
# capture_start FILE IFACE FILTER [NS]: dumpcap writes the packets that match the
# capture filter to FILE until capture_stop. Several captures may run at once.
capture_start() {
	local file=$1 iface=$2 filter=$3 ns=${4:-} pid
	note "capturing on $iface${ns:+ in $ns} into $(basename "$file"): $filter"
	ns_prefix "$ns"
	"${ns_cmd[@]}" dumpcap -q -i "$iface" -f "$filter" -w "$file" >"$file.log" 2>&1 &
	pid=$!
	track "$pid"
	capture_pids+=("$pid")
	if ! wait_line "$file.log" 'Capturing on' 20 "$pid"; then
		kill -0 "$pid" 2>/dev/null || { cat "$file.log"; fail "dumpcap exited"; }
		fail "dumpcap did not start within 20 s"
	fi
}

# capture_stop: ends the captures and waits until their files are complete.
capture_stop() {
	local p
	[[ ${#capture_pids[@]} -gt 0 ]] || return 0
	sleep 0.3 # the last packets (FIN, ACK) of a transfer that just ended
	# TERM: a background job of a script ignores SIGINT; dumpcap ends cleanly on TERM.
	for p in "${capture_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${capture_pids[@]}"; do wait "$p" 2>/dev/null || true; done
	capture_pids=()
}

# tshark ARGS...: tshark without its warning about running as root.
tshark() { command tshark "$@" 2> >(grep -v '^Running as user' >&2); }

# ----------------------------------------------------------------------- FTP

# port_of P1 P2: the port the two last numbers of a PORT or 227 reply stand for.
port_of() { echo $(($1 * 256 + $2)); }

# hostport_of TEXT: "a.b.c.d p1 p2" from the first (a,b,c,d,p1,p2) group in TEXT.
hostport_of() {
	sed -nE 's/.*[ (]([0-9]+),([0-9]+),([0-9]+),([0-9]+),([0-9]+),([0-9]+).*/\1.\2.\3.\4 \5 \6/p' <<<"$1" | head -1
}

# data_streams CAPTURE CONTROL_PORT: the tcp.stream numbers of the connections
# other than the control connections (to CONTROL_PORT), in the order they opened.
data_streams() {
	tshark -r "$1" -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0 && !(tcp.dstport == $2)" \
		-T fields -e tcp.stream
}

# stream_bytes CAPTURE STREAM: the payload bytes of TCP stream STREAM (both
# directions, in order), from tshark's "follow,tcp,raw".
stream_bytes() {
	tshark -r "$1" -q -z "follow,tcp,raw,$2" | grep -E $'^\t?[0-9a-f]+$' | tr -d '\t' | xxd -r -p
}

# ---------------------------------------------------------------- namespaces

# netns_create NAME: a new network namespace with lo up, deleted at exit.
netns_create() {
	ip netns list | grep -qw "^$1" && fail "network namespace $1 exists already"
	ip netns add "$1" || fail "ip netns add $1 failed (root and CAP_SYS_ADMIN are needed)"
	scenario_netns+=("$1")
	ip -n "$1" link set lo up
}

# netns_link NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair between two namespaces,
# IF1 in NS1 with ADDR1 (CIDR), IF2 in NS2 with ADDR2.
netns_link() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || fail "ip link add veth failed"
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}
