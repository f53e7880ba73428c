#!/usr/bin/env bash
# interop-ssh.sh: run the SSH front end's interop tests against real clients:
# OpenSSH driven by sshpass (exec, wrong password, known_hosts across
# restarts) and by expect (an interactive session), and python3-netmiko's
# huawei driver (display, configuration, save). The tests start the device
# in-process on 127.0.0.1.
#
# A missing client fails the run (CI=true); scripts/test.sh installs them:
# openssh-client sshpass expect python3-netmiko.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=true
exec go test -race -count=1 -v -run 'OpenSSH|Netmiko' ./vrp/sshd/ "$@"
