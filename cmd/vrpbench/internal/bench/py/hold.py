"""Holds sessions on a lab's devices (vrpbench lab): SSH sessions (paramiko,
a shell on a pty) on devices [0, n) and logged-in FTP sessions (ftplib) on
[n, 2n), logging in at most `logins` at a time (0: all at once). Reports
"held N sessions, M failed" when they are all up, and closes them when its
standard input ends.

Usage: hold.py N LOGINS"""
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
