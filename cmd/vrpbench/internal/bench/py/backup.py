"""netmiko-style backups of a lab's devices [0, n) in parallel (vrpbench
lab): log in (netmiko's huawei driver), display current-configuration, save
(answering its question), then on the device's FTP client "ftp" to the
remote server, "put vrpcfg.cfg NAME.cfg", "bye". A backup fails unless the
remote directory then holds the device's file. Prints one summary line, and
the first failures.

Usage: backup.py N PORT REMOTE-DIR"""
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
