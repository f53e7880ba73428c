# napalm.py PORT MODEL: what NAPALM's huawei_vrp driver sends for get_facts,
# get_config and commit_config (a merge), through netmiko as the driver does,
# and netmiko's autodetect (on the AR2220); it prints each command's output and the facts
# the driver's expressions find. Run by TestNAPALMFlow.
import re
import sys

from netmiko import ConnectHandler
from netmiko.ssh_autodetect import SSHDetect

port, model = int(sys.argv[1]), sys.argv[2]
args = dict(host="127.0.0.1", port=port, username="admin", password="Admin@huawei",
            timeout=20, fast_cli=True, global_delay_factor=0.5)


def show(cmd, out):
    print("### " + cmd)
    print(out.rstrip("\n"))


if model == "AR2220":
    # autodetect takes 14 s (a second per command it tries): once is enough,
    # both models' display version start alike
    print("### autodetect: " + str(SSHDetect(device_type="autodetect", **args).autodetect()))
conn = ConnectHandler(device_type="huawei", **args)

# get_facts
ver = conn.send_command("display version")
host = conn.send_command("display current-configuration | inc sysname")
intf = conn.send_command("display interface brief")
esn = conn.send_command("display esn")
for cmd, out in (("display current-configuration | inc sysname", host),
                 ("display interface brief", intf), ("display esn", esn)):
    show(cmd, out)
facts = {"model": "Unknown", "os_version": "Unknown", "uptime": -1, "hostname": "Unknown"}
for line in ver.splitlines():
    if "VRP (R) software" in line:
        m = re.search(r"\(S\S+\s+(?P<os_version>V\S+)\)", line)
        if m:
            facts["os_version"] = m.group("os_version")
    if "HUAWEI" in line and "uptime is" in line:
        m = re.search(r"S\S+", line)
        if m:
            facts["model"] = m.group(0)
        facts["uptime"] = line.split("uptime is ")[1]
        break
facts["serial_number"] = re.findall(r"ESN\s+of\s+slot\s+\S+\s+(?P<serial_number>\S+)", esn, flags=re.M)
if "sysname " in host:
    facts["hostname"] = host.split("sysname ")[1].strip()
facts["interface_list"] = re.findall(r"^(\S+)\s+(?:down|up|offline|\*down)\s+(?:down|up|\*down)", intf, flags=re.M)
print("### facts")
for k in sorted(facts):
    print("%s: %s" % (k, facts[k]))

# get_config
running = conn.send_command("display current-configuration")
print("### display current-configuration ends with return: %s" % running.rstrip().endswith("return"))

# commit_config (merge): back up, merge, save
backup = "config_20261124_1030.cfg"
out = conn.send_command("dir " + backup)
show("dir " + backup, out)
if "No file found" not in out:
    show("delete /unreserved /quiet " + backup, conn.send_command("delete /unreserved /quiet " + backup))
save_re = r"Y/N" if model == "S5720" else r"y/n"
out = conn.send_command("save " + backup, expect_string=save_re)
out += conn.send_command("y", expect_string=r"<.+>")
show("save " + backup, out)
out = conn.send_command("system-view", expect_string=r"\[.+\]")
for cmd in ("sysname R9", "commit"):
    out += conn.send_command(cmd, expect_string=r"\[.+\]")
out += conn.send_command("return", expect_string=r"<.+>")
show("system-view; sysname R9; commit; return", out)
out = conn.send_command("save", expect_string=save_re)
out += conn.send_command("y", expect_string=r"<.+>")
show("save", out)
show("dir " + backup, conn.send_command("dir " + backup))
show("delete /unreserved /quiet " + backup, conn.send_command("delete /unreserved /quiet " + backup))
show("dir " + backup, conn.send_command("dir " + backup))
print("### prompt " + conn.find_prompt())
conn.disconnect()
