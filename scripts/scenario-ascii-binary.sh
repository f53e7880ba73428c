#!/usr/bin/env bash
# scenario-ascii-binary.sh: the same files downloaded in ASCII (TYPE A) and in
# binary (TYPE I). R1 (127.7.3.1) serves a text file with LF line ends and a
# small PNG image; R2 (127.7.3.2) downloads each in both types. The script
# shows the bytes on the wire (tshark follows each data connection; od -c)
# and compares what R2 stored with the originals.
#
# Usage (as root; installs tshark, expect, sshpass when missing):
#   scripts/scenario-ascii-binary.sh
source "$(dirname "$0")/lib/scenario.sh"
prepare tshark perl

r1=127.7.3.1
r2=127.7.3.2
ftp_port=2121
flash1=$scenario_work/R1/flash
mkdir -p "$flash1"
printf '#\nsysname R1\n#\nftp server enable\n#\nreturn\n' >"$flash1/notes.txt"
# A complete 1x1 PNG image. Its signature, 89 'P' 'N' 'G' CR LF 1A LF, was made
# to show at once whether a transfer changed line ends.
xxd -r -p >"$flash1/logo.png" <<'EOF'
89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154
789c636068f80f00020301802461f5970000000049454e44ae426082
EOF

start_device R1 "$r1" 2201
start_device R2 "$r2" 2202
enable_ftp_server R1 "$ftp_port"
cap=$scenario_work/ftp.pcapng
capture_start "$cap" lo "tcp and host $r1 and host $r2"

section "On R2: each file in ASCII, then in binary"
session R2 "$scenario_work/dialogue.txt" <<EOF || fail "the session on R2 did not complete"
ftp $r1 $ftp_port
$ftp_user
$ftp_pass
verbose
passive
ascii
get notes.txt notes-ascii.txt
binary
get notes.txt notes-binary.txt
ascii
get logo.png logo-ascii.png
binary
get logo.png logo-binary.png
bye
quit
EOF
capture_stop

mapfile -t streams < <(data_streams "$cap" "$ftp_port")
[[ ${#streams[@]} -eq 4 ]] || fail "expected 4 data connections in the capture, found ${#streams[@]}"
names=(notes-ascii.txt notes-binary.txt logo-ascii.png logo-binary.png)
originals=(notes.txt notes.txt logo.png logo.png)
types=(ascii binary ascii binary)
flash2=$scenario_work/R2/flash

# to_crlf: what TYPE A puts on the wire (a LF not preceded by CR becomes CRLF).
to_crlf() { perl -0777 -pe 's/(?<!\r)\n/\r\n/g'; }
# from_crlf: what a client stores from TYPE A (CRLF becomes LF).
from_crlf() { perl -0777 -pe 's/\r\n/\n/g'; }

for i in 0 1 2 3; do
	name=${names[$i]} orig=$flash1/${originals[$i]} type=${types[$i]}
	wire=$scenario_work/wire-$name
	stream_bytes "$cap" "${streams[$i]}" >"$wire"
	section "${originals[$i]} in $type: the data connection (tcp.stream ${streams[$i]}), od -c"
	shown "tshark -r ftp.pcapng -q -z follow,tcp,raw,${streams[$i]} | xxd -r -p | od -c"
	od -c "$wire" | head -12
	say
	say "original: $(stat -c %s "$orig") bytes; on the wire: $(stat -c %s "$wire") bytes; stored by R2: $(stat -c %s "$flash2/$name") bytes"
	if [[ $type == ascii ]]; then
		cmp -s "$wire" <(to_crlf <"$orig") || fail "$name: the wire does not hold the file with CRLF line ends"
		check "on the wire every bare LF of the file went as CR LF"
		cmp -s "$flash2/$name" <(to_crlf <"$orig" | from_crlf) || fail "$name: R2 did not store the CRLF-to-LF conversion of the wire"
	else
		cmp -s "$wire" "$orig" || fail "$name: the wire does not hold the file's bytes unchanged"
		check "on the wire the bytes are the file's, unchanged"
		cmp -s "$flash2/$name" "$orig" || fail "$name: R2 did not store the file unchanged"
	fi
done

section "The stored results compared (sha256sum)"
(cd "$flash1" && shown "sha256sum notes.txt logo.png  # on R1" && sha256sum notes.txt logo.png)
(cd "$flash2" && shown "sha256sum ${names[*]}  # on R2" && sha256sum "${names[@]}")
say
cmp -s "$flash2/notes-ascii.txt" "$flash1/notes.txt" || fail "the text file changed in ASCII"
cmp -s "$flash2/notes-binary.txt" "$flash1/notes.txt" || fail "the text file changed in binary"
check "the text file arrived identical in both types"
cmp -s "$flash2/logo-binary.png" "$flash1/logo.png" || fail "the PNG changed in binary"
check "the PNG arrived identical in binary"
cmp -s "$flash2/logo-ascii.png" "$flash1/logo.png" && fail "the PNG arrived unchanged in ASCII (expected the signature's CR LF to become LF)"
[[ $(head -c 8 "$flash2/logo-ascii.png" | xxd -p) == 89504e470a1a0a00 ]] || fail "the PNG's signature after ASCII is not 89 50 4E 47 0A 1A 0A"
check "the PNG is corrupted in ASCII: its signature's CR LF became LF, the file is one byte shorter"

explain <<'EOF'
TYPE A (ascii, the device client's default) is for text: on the wire each line
ends in CR LF, whatever the systems use locally. The server (Unix-like, lines
end in LF) added a CR before each LF, and the receiving device removed it again,
so notes.txt arrived identical both ways, but in ASCII it was longer on the wire
by one byte per line (see the \r \n pairs in od -c).

TYPE I (binary) sends the bytes as they are. For anything that is not plain text
(vrpcfg.zip, system software .cc files, images), ASCII mode corrupts the file:
every CR LF pair in the data is taken for a line end. The PNG signature contains
CR LF precisely to reveal this: after the ASCII download it starts 89 P N G \n 1A \n,
one byte short, and no image viewer opens it. Hence "binary" before every backup
or software upload (scenario-backup.sh).
EOF
