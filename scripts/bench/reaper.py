"""reaper.py: run a server under a child subreaper, for scripts/bench.sh.

A process's CPU time reaches its parent's counters (cutime/cstime in
/proc/PID/stat) only when the parent waits for it. vsftpd forks two processes
per session, and when the session's first process ends before the second, the
second is re-parented and its CPU time lands nowhere bench.sh can see. Here it
is re-parented to this process, a child subreaper that waits for everything, so
the CPU time of the whole server is this process's cutime+cstime plus what the
live server shows.

Usage: reaper.py PIDFILE COMMAND [ARG...]

Starts COMMAND, writes its process ID to PIDFILE, passes SIGTERM and SIGINT on
to it, reaps every process that ends below it, and exits with COMMAND's status
once nothing is left to wait for.
"""

import ctypes
import os
import signal
import sys

PR_SET_CHILD_SUBREAPER = 36


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: reaper.py PIDFILE COMMAND [ARG...]")
    pidfile, argv = sys.argv[1], sys.argv[2:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("reaper.py: prctl(PR_SET_CHILD_SUBREAPER): "
                 + os.strerror(ctypes.get_errno()))
    child = os.fork()
    if child == 0:
        try:
            os.execv(argv[0], argv)
        except OSError as e:
            print(f"reaper.py: exec {argv[0]}: {e}", file=sys.stderr)
        os._exit(127)

    def forward(signum, _frame):
        try:
            os.kill(child, signum)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    tmp = pidfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{child}\n")
    os.rename(tmp, pidfile)

    code = 0
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
