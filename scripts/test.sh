#!/usr/bin/env bash
# test.sh: the project's test command (README). It installs what the tests
# need when it is missing (as root, from Debian's packages), then runs the
# gofmt check, go vet, go test -race ./... (unit, golden transcripts and the
# interop tests that drive real clients and servers) and the fuzz seeds.
#
# With CI=true a missing tool is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(openssh-client sshpass expect python3-netmiko python3-paramiko
	curl lftp tnftp python3-pyftpdlib iproute2 strace tftpd-hpa)
missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
	if [[ $(id -u) -eq 0 ]]; then
		echo "test.sh: installing ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	else
		echo "test.sh: missing Debian packages (run as root to install): ${missing[*]}" >&2
		[[ ${CI:-} == true ]] && exit 1
	fi
fi

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
