#!/bin/sh
# heldout.sh DIR — lay out the held-out songs of bench/watermark in DIR.
#
# The eight rock and metal songs of Debian's fretsonfire-songs-sectoid and
# fretsonfire-songs-muldjord, each the mix of its band track and its guitar
# track (2:24 to 4:48, 44.1 kHz stereo, sung and instrumental). The engine
# was never tuned on them: tuning used wesnoth-1.16-music, asc-music,
# drascula-music and synthetic signals. Report figures on these.
#
#	sudo apt-get install -y fretsonfire-songs-sectoid fretsonfire-songs-muldjord ffmpeg
#	sh bench/watermark/heldout.sh /tmp/heldout
#	cd bench && go run ./watermark -songs /tmp/heldout -excerpts 5 -fp 500
set -eu
dir=${1:?usage: heldout.sh DIR}
src=/usr/share/games/fretsonfire/data/songs
mkdir -p "$dir"
for d in "$src"/sectoid/*/ "$src"/muldjord/*/; do
	[ -f "$d/song.ogg" ] && [ -f "$d/guitar.ogg" ] || continue
	name=$(basename "$d" | tr ' A-Z' '_a-z')
	ffmpeg -nostdin -loglevel error -y -i "$d/song.ogg" -i "$d/guitar.ogg" \
		-filter_complex amix=inputs=2:normalize=0 -c:a flac "$dir/$name.flac"
done
ls "$dir"
