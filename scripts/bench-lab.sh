#!/usr/bin/env bash
# bench-lab.sh: many devices in one vrpsim process (issue 6's scale figures).
#
# Prints, for a lab of N devices (default 1000) with memory flash, each on its
# own loopback address (127.1.X.Y), SSH on port 2222 and its FTP server on
# 2121, all with the FTP server enabled by their startup configuration:
#
#   - start time: from exec to the "Press Ctrl+C" line (the lab file is
#     checked first, then every listener opened, then the devices booted), and
#     the process's own "up in" figure;
#   - RSS (VmRSS) idle, a few seconds after the start;
#   - RSS with 100 devices each holding an SSH session (paramiko, a shell on
#     a pty) and 100 other devices each holding a logged-in FTP session
#     (ftplib), opened all at once (the worst case: every login's password
#     check runs at the same time) or --logins N at a time;
#   - 100 netmiko-style backups in parallel across 100 devices: log in
#     (Debian's netmiko 2.4.2, huawei driver), display current-configuration,
#     save (answering its question), then on the device's FTP client "ftp" to
#     a remote server (pyftpdlib on 127.0.0.1), "put vrpcfg.cfg NAME.cfg",
#     "bye"; wall time and failures (a backup fails unless the remote server
#     holds the device's file with the device's sysname in it);
#
# Usage: scripts/bench-lab.sh [--devices N] [--sessions N] [--backups N] [--logins N] [--keep]
#
# Needs: go, /usr/bin/python3 with python3-paramiko, python3-netmiko and
# python3-pyftpdlib (Debian). Everything listens on loopback; everything it
# starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

devices=1000 sessions=100 backups=100 logins=0 keep=no
while [ $# -gt 0 ]; do
	case "$1" in
	--devices) devices=$2; shift 2 ;;
	--sessions) sessions=$2; shift 2 ;;
	--backups) backups=$2; shift 2 ;;
	--logins) logins=$2; shift 2 ;;
	--keep) keep=yes; shift ;;
	*) echo "usage: $0 [--devices N] [--sessions N] [--backups N] [--logins N] [--keep]" >&2; exit 2 ;;
	esac
done
if [ $((2 * sessions)) -gt "$devices" ] || [ "$backups" -gt "$devices" ]; then
	echo "bench-lab: need at least 2*sessions and backups devices" >&2; exit 2
fi
py=/usr/bin/python3
for m in paramiko netmiko pyftpdlib; do
	if ! "$py" -c "import $m" 2>/dev/null; then
		echo "bench-lab: $py lacks $m (apt-get install python3-${m})" >&2; exit 2
	fi
done

work=$(mktemp -d /dev/shm/bench-lab.XXXXXX 2>/dev/null || mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "$keep" = yes ]; then echo "work directory: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building vrpsim..."
go build -o "$work/vrpsim" ./cmd/vrpsim

# The startup configuration: R1's without its sysname (the lab names them).
grep -v '^ sysname ' docs/lab-configs/R1.cfg > "$work/startup.cfg"
addr() { echo "127.1.$(( $1 / 250 )).$(( $1 % 250 + 1 ))"; }
{
	echo "admin: 127.0.0.1:0"
	echo "defaults: {ssh-port: 2222, ftp-port: 2121, flash: memory, startup: startup.cfg}"
	echo "devices:"
	for ((i = 0; i < devices; i++)); do
		echo "  - {sysname: D$i, address: $(addr "$i")}"
	done
} > "$work/lab.yaml"
sed -i '1d' "$work/lab.yaml" # no admin endpoint: nothing to measure there

rss() { awk '/^VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$1/status"; }
now_ms() { date +%s%3N; }

echo "starting a lab of $devices devices..."
t0=$(now_ms)
"$work/vrpsim" --lab "$work/lab.yaml" > "$work/vrpsim.out" 2> "$work/vrpsim.err" &
vpid=$!
pids+=("$vpid")
until grep -q 'Press Ctrl+C' "$work/vrpsim.out" 2>/dev/null; do
	if ! kill -0 "$vpid" 2>/dev/null; then cat "$work/vrpsim.err" >&2; exit 1; fi
	sleep 0.01
done
t1=$(now_ms)
own=$(sed -n 's/.*devices up in \([^ ]*\)\.$/\1/p' "$work/vrpsim.out")
sleep 3
idle=$(rss "$vpid")

# The remote FTP server of the backups.
mkdir -p "$work/remote"
"$py" - "$work/remote" > "$work/ftpd.port" 2> "$work/ftpd.err" <<'PY' &
import sys, logging
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
logging.disable(logging.CRITICAL)
a = DummyAuthorizer()
a.add_user("backup", "Backup@123", sys.argv[1], perm="elrw")
FTPHandler.authorizer = a
s = FTPServer(("127.0.0.1", 0), FTPHandler)
s.max_cons = 1024
print(s.socket.getsockname()[1], flush=True)
s.serve_forever()
PY
pids+=("$!")
until [ -s "$work/ftpd.port" ]; do sleep 0.05; done
ftpd_port=$(cat "$work/ftpd.port")

cat > "$work/hold.py" <<'PY'
# Holds SSH sessions on devices [0, n) and FTP sessions on [n, 2n), logging
# in at most `logins` at a time (0: all at once), reports when they are all
# up, and closes them when stdin ends.
import sys, ftplib, socket, threading, paramiko
n, logins = int(sys.argv[1]), int(sys.argv[2])
gate = threading.BoundedSemaphore(logins if logins > 0 else 2 * n)
addr = lambda i: "127.1.%d.%d" % (i // 250, i % 250 + 1)
held, errors = [], []
lock = threading.Lock()
def ssh(i):
    with gate: ssh_login(i)
def ftp(i):
    with gate: ftp_login(i)
def ssh_login(i):
    try:
        c = paramiko.SSHClient()
        c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        c.connect(addr(i), 2222, "admin", "Admin@huawei", look_for_keys=False, allow_agent=False, timeout=60, banner_timeout=60, auth_timeout=60)
        ch = c.invoke_shell()
        buf = b""
        while not buf.rstrip().endswith(b">"):
            buf += ch.recv(65536)
        with lock: held.append((c, ch))
    except Exception as e:
        with lock: errors.append("ssh %s: %r" % (addr(i), e))
def ftp_login(i):
    try:
        f = ftplib.FTP()
        f.connect(addr(i), 2121, timeout=60)
        f.login("ftpuser", "Ftp@huawei123")
        with lock: held.append(f)
    except Exception as e:
        with lock: errors.append("ftp %s: %r" % (addr(i), e))
ts = [threading.Thread(target=ssh, args=(i,)) for i in range(n)] + [threading.Thread(target=ftp, args=(n + i,)) for i in range(n)]
for t in ts: t.start()
for t in ts: t.join()
print("held %d sessions, %d failed" % (len(held), len(errors)), flush=True)
for e in errors[:5]: print(e, file=sys.stderr)
sys.stdin.read()
PY

echo "opening $sessions SSH and $sessions FTP sessions..."
mkfifo "$work/hold.in"
"$py" "$work/hold.py" "$sessions" "$logins" < "$work/hold.in" > "$work/hold.out" 2> "$work/hold.err" &
hpid=$!
pids+=("$hpid")
exec 9> "$work/hold.in"
until grep -q '^held' "$work/hold.out" 2>/dev/null; do
	if ! kill -0 "$hpid" 2>/dev/null; then cat "$work/hold.err" >&2; exit 1; fi
	sleep 0.1
done
sleep 2
busy=$(rss "$vpid")
heldline=$(cat "$work/hold.out")
exec 9>&-
wait "$hpid" || true

cat > "$work/backup.py" <<'PY'
# netmiko-style backups of devices [0, n) in parallel.
import sys, os, time, threading, logging, traceback
from netmiko import ConnectHandler
logging.disable(logging.CRITICAL)
n, port, remote = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
addr = lambda i: "127.1.%d.%d" % (i // 250, i % 250 + 1)
failures, connects = [], []
lock = threading.Lock()
def backup(i):
    name = "D%d" % i
    try:
        t = time.monotonic()
        c = ConnectHandler(device_type="huawei", host=addr(i), port=2222, username="admin",
                           password="Admin@huawei", timeout=120, banner_timeout=120, auth_timeout=120)
        with lock: connects.append(time.monotonic() - t)
        cfg = c.send_command("display current-configuration")
        if "sysname %s" % name not in cfg and "local-user admin" not in cfg:
            raise RuntimeError("unexpected configuration: %r" % cfg[:200])
        out = c.send_command_timing("save")
        if "(y/n)" in out:
            out += c.send_command_timing("y")
        if "successfully" not in out:
            raise RuntimeError("save: %r" % out)
        out = c.send_command_timing("ftp 127.0.0.1 %d" % port)
        out += c.send_command_timing("backup")
        out += c.send_command_timing("Backup@123")
        out += c.send_command_timing("put vrpcfg.cfg %s.cfg" % name, delay_factor=2)
        out += c.send_command_timing("bye")
        c.disconnect()
        path = os.path.join(remote, name + ".cfg")
        if not os.path.exists(path) or "local-user admin" not in open(path).read():
            raise RuntimeError("no backup on the remote server: %r" % out[-300:])
    except Exception as e:
        tb = traceback.extract_tb(e.__traceback__)[-1]
        with lock: failures.append("%s: %r at %s:%d" % (name, e, os.path.basename(tb.filename), tb.lineno))
t0 = time.monotonic()
ts = [threading.Thread(target=backup, args=(i,)) for i in range(n)]
for t in ts: t.start()
for t in ts: t.join()
connects.sort()
med = connects[len(connects) // 2] if connects else 0
print("%d backups in %.1f s, %d failed (netmiko log-in: median %.1f s, max %.1f s)" % (
    n, time.monotonic() - t0, len(failures), med, connects[-1] if connects else 0))
for f in failures[:5]: print("  " + f)
PY

echo "running $backups backups in parallel..."
backupline=$("$py" "$work/backup.py" "$backups" "$ftpd_port" "$work/remote")

kill -TERM "$vpid"
t2=$(now_ms)
wait "$vpid" || true
t3=$(now_ms)

echo
echo "vrpsim lab bench: $devices devices, $(nproc) CPUs, $(go env GOVERSION)"
echo "  start (exec to ready):         $((t1 - t0)) ms (the process's own figure: $own)"
echo "  RSS idle:                      $idle"
echo "  RSS, $sessions SSH + $sessions FTP sessions: $busy ($heldline; logins at once: ${logins/#0/all})"
echo "  backups:                       $backupline"
echo "  shutdown (SIGTERM to exit):    $((t3 - t2)) ms"
