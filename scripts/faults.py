#!/usr/bin/python3
"""faults.py: inject each fault of the instructor's controls into one device
of a running lab (docs/instructor.md) and show what a user sees: curl and
Python's ftplib on its FTP server, netmiko on its CLI over SSH.

Usage:
  VRPSIM_INSTRUCTOR_PASSWORD=... scripts/faults.py --admin http://127.0.0.1:9022 \\
      --device R2 --host 127.0.1.2 --ssh-port 2222 --ftp-port 2121 \\
      [--user admin --password Admin@huawei]

The user needs service-type ssh and ftp, level 15 and an ftp-directory. Each
fault is cleared after its step. The output is one line per observation,
without ports or times, so that a test can compare it.
"""
import argparse
import base64
import ftplib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

from netmiko import ConnectHandler, NetmikoAuthError



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--admin", required=True)
    ap.add_argument("--device", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--ssh-port", type=int, required=True)
    ap.add_argument("--ftp-port", type=int, required=True)
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="Admin@huawei")
    a = ap.parse_args()
    secret = os.environ.get("VRPSIM_INSTRUCTOR_PASSWORD", "")
    ftp_url = "ftp://%s:%d/" % (a.host, a.ftp_port)
    cred = "%s:%s" % (a.user, a.password)

    def api(method, path, body=None):
        req = urllib.request.Request(a.admin + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
        if secret:
            tok = base64.b64encode(("instructor:" + secret).encode()).decode()
            req.add_header("Authorization", "Basic " + tok)
        if body is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def faults(**kw):
        api("POST", "/api/devices/%s/faults" % a.device, kw)

    def curl(*args):
        return subprocess.run(["curl", "-s", "-S", "-u", cred, *args],
                              capture_output=True, timeout=60).returncode

    def cli():
        return ConnectHandler(device_type="huawei", host=a.host, port=a.ssh_port,
                              username=a.user, password=a.password, timeout=20,
                              fast_cli=True, global_delay_factor=0.5)

    def save(conn):
        out = conn.send_command_timing("save")
        assert "(y/n)[n]:" in out, out
        return conn.send_command("y", expect_string=r"<[^>]+>")

    # refuse logins
    faults(refuse_logins=True)
    print("refuse_logins: curl exit %d" % curl(ftp_url))
    try:
        cli().disconnect()
        print("refuse_logins: netmiko logged in")
    except NetmikoAuthError:
        print("refuse_logins: netmiko authentication failed")
    faults(refuse_logins=False)
    print("refuse_logins off: curl exit %d" % curl(ftp_url))

    # slow: every reply of the FTP server comes 3 s late
    faults(slow_ms=3000)
    print("slow: curl --max-time 1 exit %d" % curl("--max-time", "1", ftp_url))
    faults(slow_ms=0)

    # drop: the sessions open now end at once
    conn = cli()
    ftp = ftplib.FTP()
    ftp.connect(a.host, a.ftp_port, timeout=20)
    ftp.login(a.user, a.password)
    dropped = api("POST", "/api/devices/%s/drop" % a.device)
    # the two sessions above, and maybe the slow step's, which ends by itself
    print("drop: at least 2 sessions ended: %s" % (dropped["sessions"] >= 2))
    try:
        ftp.pwd()
        print("drop: ftplib still connected")
    except (ftplib.Error, EOFError, OSError) as e:
        print("drop: ftplib %s" % str(e).split("\n")[0] if isinstance(e, ftplib.Error) else "drop: ftplib connection closed")
    try:
        conn.send_command("display clock")
        print("drop: netmiko still connected")
    except Exception:
        print("drop: netmiko connection closed")

    # flash full: uploads and save fail as on a full flash
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"x" * 1000)
        f.flush()
        faults(flash_full=True)
        print("flash_full: curl upload exit %d" % curl("-T", f.name, ftp_url + "full.txt"))
        conn = cli()
        out = save(conn)
        # the device breaks output lines at the pty's 80 columns: the error
        # is its line and the pieces after it, up to the prompt
        error = out[out.index("Error"):].split("\n<")[0].replace("\n", "")
        print("flash_full: save: %s" % error)
        conn.disconnect()
        faults(flash_full=False)
        print("flash_full off: curl upload exit %d" % curl("-T", f.name, ftp_url + "full.txt"))

    # save delay: save takes at least the delay, then succeeds
    faults(save_delay_ms=2000)
    conn = cli()
    began = time.monotonic()
    out = save(conn)
    took = time.monotonic() - began
    conn.disconnect()
    faults(save_delay_ms=0)
    print("save_delay: save took at least 2 s: %s; %s" % (took >= 2.0, "saved" if "saved successfully" in out else out))

    # cut transfer: a 1 MiB download stops after 64 KiB
    with tempfile.TemporaryDirectory() as d:
        big = os.path.join(d, "big.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(1 << 20))
        print("cut: upload before the fault, curl exit %d" % curl("-T", big, ftp_url + "big.bin"))
        faults(cut_after_bytes=65536)
        got = os.path.join(d, "got.bin")
        code = curl("-o", got, ftp_url + "big.bin")
        size = os.path.getsize(got) if os.path.exists(got) else 0
        print("cut: download curl exit %d, got less than 1 MiB: %s" % (code, size < (1 << 20)))
        faults(cut_after_bytes=0)
        code = curl("-o", got, ftp_url + "big.bin")
        print("cut off: download curl exit %d, got 1 MiB: %s" % (code, os.path.getsize(got) == 1 << 20))


if __name__ == "__main__":
    sys.exit(main())
