# vrpsim.sh: helpers shared by the scripts that run vrpsim and its peers
# (scripts/backup-demo.sh, scripts/lib/scenario.sh).
# Source it; it defines functions only and sets no shell options.

# stop_pid PID: TERM, up to 5 s to exit, then KILL; reaps PID when it is a
# child of this shell.
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# wait_line FILE PATTERN SECONDS PID: until FILE has a line matching PATTERN
# (grep -E), while PID lives. Returns 1 when PID ends or SECONDS pass first.
wait_line() {
	local deadline=$((SECONDS + $3))
	until grep -qE "$2" "$1" 2>/dev/null; do
		kill -0 "$4" 2>/dev/null || return 1
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# start_vrpsim BINARY HOST DATA LOG: runs the vrpsim BINARY in the background
# with its SSH server on a port of HOST the system picks (vrpsim prints the
# ssh command with it when it is ready), its data directory DATA and its
# output in LOG. Sets vrpsim_pid at once (for the caller's cleanup), then
# waits up to 30 s for the ssh line and sets ssh_port. Returns 1, with LOG
# on standard error, when the device does not start.
start_vrpsim() {
	local bin=$1 host=$2 data=$3 log=$4
	"$bin" --ssh "$host:0" --data "$data" >"$log" 2>&1 &
	vrpsim_pid=$!
	wait_line "$log" 'ssh -p [0-9]+ ' 30 "$vrpsim_pid" || { cat "$log" >&2; return 1; }
	ssh_port=$(sed -nE 's/.*ssh -p ([0-9]+) .*/\1/p' "$log" | head -n1)
}
