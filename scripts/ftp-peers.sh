#!/usr/bin/env bash
# ftp-peers.sh: make vsftpd, pure-ftpd and proftpd available as FTP test peers
# without installing them.
#
# Debian's vsftpd, pure-ftpd and proftpd packages conflict with one another and
# their maintainer scripts start a daemon on *:21. This script instead fetches the
# .deb files with `apt-get download`, unpacks them with `dpkg-deb -x` (no
# maintainer script runs), installs the shared libraries they need with apt, and
# creates the local test user the tests log in as. Tests start each server
# themselves on a loopback port with a configuration file of their own.
#
# Idempotent; run as root (CI runs it as root). Usage:
#
#   scripts/ftp-peers.sh            # fetch/unpack into $VRPSIM_PEERS_DIR
#   eval "$(scripts/ftp-peers.sh --env)"   # same, then export the paths
#
# Environment:
#   VRPSIM_PEERS_DIR  cache directory (default /var/cache/vrpsim-peers)
#
# Result (printed at the end):
#   $VRPSIM_PEERS_DIR/root/usr/sbin/vsftpd
#   $VRPSIM_PEERS_DIR/root/usr/sbin/pure-ftpd
#   $VRPSIM_PEERS_DIR/root/usr/sbin/proftpd
#   local user "vrpsimftp" (password "vrpsim-peer-pw", SHA-512 crypt hash so a
#   login costs ~20 ms, not yescrypt's ~75 ms), home $VRPSIM_PEERS_DIR/home.
#   The account is a throwaway for loopback tests: no login shell.
set -euo pipefail

peers_dir=${VRPSIM_PEERS_DIR:-/var/cache/vrpsim-peers}
emit_env=no
if [[ ${1:-} == --env ]]; then emit_env=yes; fi

log() { if [[ $emit_env == yes ]]; then echo "$*" >&2; else echo "$*"; fi; }

if [[ $(id -u) -ne 0 ]]; then
	echo "ftp-peers.sh: must run as root (apt-get, useradd)" >&2
	exit 1
fi

packages=(vsftpd pure-ftpd proftpd-core)
# Libraries the unpacked binaries link against (from each package's Depends,
# less debconf/adduser/init scripts, which only the maintainer scripts use).
libraries=(libcap2 libpam0g libpam-modules libpam-runtime libssl3 libwrap0
	libcrypt1 libsodium23 libacl1 libhiredis0.14 libidn2-0 libmemcached11
	libmemcachedutil2 libncursesw6 libpcre2-8-0 libpcre2-posix3 libtinfo6 zlib1g)

mkdir -p "$peers_dir/debs" "$peers_dir/root" "$peers_dir/home"

missing_libs=()
for lib in "${libraries[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q 'install ok installed'; then
		missing_libs+=("$lib")
	fi
done
need_download=no
for pkg in "${packages[@]}"; do
	if ! compgen -G "$peers_dir/debs/${pkg}_*.deb" >/dev/null; then need_download=yes; fi
done
if [[ ${#missing_libs[@]} -gt 0 || $need_download == yes ]]; then
	log "ftp-peers.sh: apt-get update"
	apt-get update -qq >&2
fi
if [[ ${#missing_libs[@]} -gt 0 ]]; then
	log "ftp-peers.sh: installing libraries: ${missing_libs[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_libs[@]}" >&2
fi

for pkg in "${packages[@]}"; do
	if ! compgen -G "$peers_dir/debs/${pkg}_*.deb" >/dev/null; then
		log "ftp-peers.sh: downloading $pkg"
		(cd "$peers_dir/debs" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >&2)
	fi
	deb=$(compgen -G "$peers_dir/debs/${pkg}_*.deb" | sort | tail -n1)
	stamp="$peers_dir/root/.unpacked-$(basename "$deb")"
	if [[ ! -e $stamp ]]; then
		log "ftp-peers.sh: unpacking $(basename "$deb")"
		dpkg-deb -x "$deb" "$peers_dir/root"
		touch "$stamp"
	fi
done

# vsftpd's secure_chroot_dir: empty, owned by root, not writable by others.
mkdir -p "$peers_dir/empty"
chmod 0755 "$peers_dir/empty"

# The test user. No login shell; proftpd is told RequireValidShell off, vsftpd
# authenticates through PAM's "other" service, which does not check the shell.
user=vrpsimftp
if ! id "$user" >/dev/null 2>&1; then
	log "ftp-peers.sh: creating user $user"
	useradd --system --home-dir "$peers_dir/home" --no-create-home \
		--shell /usr/sbin/nologin "$user"
fi
# pure-ftpd refuses users whose uid is below 100 by default; --system gives
# 100-999, and the tests pass -u 1 anyway.
chown "$user" "$peers_dir/home"
echo "$user:vrpsim-peer-pw" | chpasswd -c SHA512

for bin in vsftpd pure-ftpd proftpd; do
	if [[ ! -x $peers_dir/root/usr/sbin/$bin ]]; then
		echo "ftp-peers.sh: $bin missing after unpack" >&2
		exit 1
	fi
done

if [[ $emit_env == yes ]]; then
	echo "export VRPSIM_PEERS_DIR='$peers_dir'"
else
	log "ftp-peers.sh: peers ready (export VRPSIM_PEERS_DIR=$peers_dir):"
	for bin in vsftpd pure-ftpd proftpd; do
		log "  $peers_dir/root/usr/sbin/$bin"
	done
	log "  test user: $user / vrpsim-peer-pw"
fi
