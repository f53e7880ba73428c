#!/usr/bin/env bash
# test.sh: the project's test command (README). It installs what the tests
# need when it is missing (as root, from Debian's packages), then runs the
# gofmt check, go vet, go test -race ./... (unit, golden transcripts and the
# interop tests that drive real clients and servers) and the fuzz seeds.
#
# With CI=true a missing tool is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(openssh-client openssh-server sshpass expect python3-netmiko python3-paramiko telnet
	curl lftp tnftp python3-pyftpdlib iproute2 strace podman runc tftpd-hpa
	chromium)
# RANCID (TestRANCID) comes without its recommends (a mail server, CVS, a
# web server), so it has an apt-get line of its own; Ruby's Net::Telnet
# (TestOxidizedNetTelnet: Oxidized's telnet input) too.
norecommends=(rancid ruby ruby-net-telnet)

# install [apt-get flags] -- packages: installs those that are missing. The
# servers among them (sshd, tftpd-hpa) are not started: a policy-rc.d
# refuses every service start while apt-get runs, so that nothing listens
# beyond loopback; the tests start their own on loopback ports.
install() {
	local flags=() missing=() p
	while [[ $1 != -- ]]; do flags+=("$1"); shift; done
	shift
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	if [[ $(id -u) -ne 0 ]]; then
		echo "test.sh: missing Debian packages (run as root to install): ${missing[*]}" >&2
		[[ ${CI:-} == true ]] && exit 1
		return 0
	fi
	echo "test.sh: installing ${missing[*]}"
	local policy=/usr/sbin/policy-rc.d ours=
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && ours=1
	fi
	local rc=0
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${flags[@]}" "${missing[@]}" >/dev/null || rc=$?
	[[ -n $ours ]] && rm -f "$policy"
	return $rc
}
install -- "${packages[@]}"
install --no-install-recommends -- "${norecommends[@]}"

# vsftpd, pure-ftpd and proftpd conflict as packages: unpack them instead.
if [[ -x scripts/ftp-peers.sh && $(id -u) -eq 0 ]]; then
	eval "$(scripts/ftp-peers.sh --env)"
fi

echo "test.sh: gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [[ -n $unformatted ]]; then
	echo "gofmt needed:" >&2
	echo "$unformatted" >&2
	exit 1
fi

echo "test.sh: go vet"
go vet ./...

echo "test.sh: go test -race"
go test -race -count=1 -timeout 15m ./...
