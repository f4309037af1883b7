#!/bin/sh
# heldout.sh [--set rock|more|all] DIR — lay out the held-out songs of
# bench/watermark in DIR as 44.1 kHz stereo FLAC, named by kind.
#
# The engine was never tuned on any of them: tuning used wesnoth-1.16-music,
# asc-music, drascula-music and synthetic signals. Report figures on these.
#
# --set rock (the set of the figures up to 2026-12-05): eight rock and metal
# songs of fretsonfire-songs-sectoid and fretsonfire-songs-muldjord, each the
# mix of its band track and its guitar track, sung and instrumental:
#	rock_*.flac                   rock/metal, 2:24 to 4:48
#
# --set more: eight tracks of other kinds.
#	piano_greensleeves.flac       solo piano, 1:45: the two piano hands of
#	                              pianobooster's Greensleeves MIDI (its
#	                              accompaniment tracks dropped), rendered
#	                              by fluidsynth with MuseScore_General_Lite
#	piano_sparse.flac             sparse solo piano, 2:30: a piece this script
#	                              writes (bass notes, single notes, a few
#	                              chords, pedalled decays, silent bars),
#	                              rendered the same way
#	voice_dialog_nl.flac          speech, 3:00: the first spoken lines of
#	                              fillets-ng-data-nl (Dutch game dialog,
#	                              several actors, no music), 0.4 s apart
#	voice_speech_en.flac          speech, 2:41: espeak-ng reading the
#	                              preamble of /usr/share/common-licenses/GPL-2,
#	                              silences between sentences, nothing else
#	electronic_stairs.flac        loud electronic, 2:48 (RMS -10 dBFS):
#	                              stairs.ogg of nexuiz-music
#	electronic_enemy_unknown.flac loud bass-heavy electronic, 4:20 (RMS -7
#	                              dBFS): Enemy Unknown of singularity-music
#	ambient_through_space.flac    ambient synth pads, 3:54: Through Space of
#	                              singularity-music
#	jazz_boogi_marabi.flac        jazz/boogie band, 1:40: boogi_marabi_redfarn
#	                              MIDI of openttd-openmsx (two pianos, guitar,
#	                              blown-bottle lead, drums), rendered by
#	                              fluidsynth
#
# --set all (the default): both, sixteen tracks.
#
#	sudo apt-get install -y --no-install-recommends ffmpeg sox unzip \
#		fretsonfire-songs-sectoid fretsonfire-songs-muldjord \
#		nexuiz-music singularity-music fillets-ng-data-nl openttd-openmsx \
#		fluidsynth musescore-general-soundfont-small midicsv espeak-ng
#	sh bench/watermark/heldout.sh /tmp/heldout
#	cd bench && go run ./watermark -songs /tmp/heldout -excerpts 5 -fp 500
#
# Besides the rock songs, about 210 MB to download (nexuiz-music 84,
# singularity-music 52, fillets-ng-data-nl 33, the soundfont 34).
# pianobooster is not installed: unless it is, the script fetches its
# package (1.2 MB) with `apt-get download` and takes only the MIDI book
# inside. Running it again rewrites the same files, byte for byte.
set -eu
set=all
if [ "${1:-}" = --set ]; then
	set=${2:?usage: heldout.sh [--set rock|more|all] DIR}
	shift 2
fi
case $set in rock | more | all) ;; *)
	echo "heldout.sh: unknown set $set (rock, more or all)" >&2
	exit 2
	;;
esac
dir=${1:?usage: heldout.sh [--set rock|more|all] DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# toflac IN OUT [ffmpeg options…]: any file ffmpeg reads to 44.1 kHz stereo FLAC.
toflac() {
	f_in=$1 f_out=$2
	shift 2
	ffmpeg -nostdin -loglevel error -y -i "$f_in" "$@" -ar 44100 -ac 2 \
		-c:a flac "$dir/$f_out.flac"
}

rock() {
	src=/usr/share/games/fretsonfire/data/songs
	for d in "$src"/sectoid/*/ "$src"/muldjord/*/; do
		[ -f "$d/song.ogg" ] && [ -f "$d/guitar.ogg" ] || continue
		name=rock_$(basename "$d" | tr ' A-Z' '_a-z')
		ffmpeg -nostdin -loglevel error -y -i "$d/song.ogg" -i "$d/guitar.ogg" \
			-filter_complex amix=inputs=2:normalize=0 -ar 44100 -ac 2 \
			-c:a flac "$dir/$name.flac"
	done
}

sf=/usr/share/sounds/sf3/MuseScore_General_Lite.sf3

# render MID OUT: a MIDI file through fluidsynth (reverb and chorus at their
# defaults), peak-normalised to -1 dBFS, the silence after the last note's
# decay (below -70 dBFS) cut.
render() {
	fluidsynth -n -i -q -F "$tmp/render.wav" -r 44100 -g 0.5 "$sf" "$1" >/dev/null
	sox -R "$tmp/render.wav" -r 44100 -c 2 "$dir/$2.flac" \
		reverse silence 1 0.05 -70d reverse gain -n -1
}

# The sparse piece as midicsv text: 70 beats a minute, 44 bars of 4 beats in
# phrases of 4 bars; the last bar of each phrase is a rest (a lone high note
# in every other one), and every fourth phrase keeps only its bass notes. A
# bar holds a low note and either a soft chord or one or two melody notes,
# under the sustain pedal; a small fixed generator varies the choices and
# velocities, so the file is the same on every machine.
sparse_csv() {
	awk 'BEGIN {
		q = 480; bar = 4 * q; s = 7
		split("45 41 36 43 38 45 40 45", bass, " ")	# Am F C G Dm Am E Am
		split("1 0 0 0 1 1 0 1", minor, " ")
		for (b = 0; b < 44; b++) {
			t = b * bar; c = b % 8 + 1; ph = int(b / 4)
			if (b % 4 == 3) {
				if (ph % 2 == 0) note(t + 2 * q, bass[c] + 36, 2 * q, 40)
				continue
			}
			ev(t + 10, 1, "Control_c, 0, 64, 127")
			ev(t + bar - 20, 0, "Control_c, 0, 64, 0")
			v = 45 + rnd(25)
			note(t, bass[c], 3 * q, v)
			if (ph % 4 == 3) continue
			iv[1] = 0; iv[2] = 4 - minor[c]; iv[3] = 7
			if (rnd(3) == 0) {
				for (i = 1; i <= 3; i++) {
					v = 35 + rnd(20)
					note(t + q, bass[c] + 24 + iv[i], 2 * q, v)
				}
				continue
			}
			for (k = 0; k < 2; k++) {
				if (k == 1 && rnd(2) == 0) break
				n = bass[c] + 36 + iv[1 + rnd(3)]
				v = 50 + rnd(30)
				note(t + q + k * (q + q / 2), n, q + q / 2, v)
			}
		}
		end = 45 * bar
	}
	function rnd(n) { s = (s * 75 + 74) % 65537; return s % n }
	function note(t, n, d, v) {
		ev(t, 2, "Note_on_c, 0, " n ", " v)
		ev(t + d, 0, "Note_off_c, 0, " n ", 0")
	}
	function ev(t, o, what) { print t, o, "2, " t ", " what }
	END {
		print -1, 0, "0, 0, Header, 1, 2, " q
		print -1, 1, "1, 0, Start_track"
		print -1, 2, "1, 0, Tempo, 857143"
		print -1, 3, "1, 0, End_track"
		print -1, 4, "2, 0, Start_track"
		print -1, 5, "2, 0, Program_c, 0, 0"
		print end, 9, "2, " end ", End_track"
		print end, 10, "0, 0, End_of_file"
	}' </dev/null | sort -k1,1n -k2,2n | cut -d' ' -f3-
}

more() {
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT

	# Piano.
	zip=/usr/share/games/pianobooster/music/BoosterMusicBooks.zip
	if [ ! -f "$zip" ]; then
		(cd "$tmp" && apt-get download -q pianobooster >/dev/null 2>&1 &&
			dpkg-deb -x pianobooster_*.deb pb)
		zip=$tmp/pb$zip
	fi
	unzip -q -o "$zip" -d "$tmp/books"
	gs=$(find "$tmp/books" -name '*Greensleeves.mid' | head -n 1)
	# Keep the song's conductor track and its Solo-Left and Solo-Right
	# (tracks 1–3, piano on channels 2 and 3); drop drums and accompaniment.
	midicsv "$gs" | awk -F', ' '
		$3 == "Header" { $5 = 3 }
		$1 <= 3 || $3 == "End_of_file" { print }' OFS=', ' |
		csvmidi >"$tmp/greensleeves.mid"
	render "$tmp/greensleeves.mid" piano_greensleeves
	sparse_csv | csvmidi >"$tmp/sparse.mid"
	render "$tmp/sparse.mid" piano_sparse

	# Voice: spoken Dutch dialog, clips in path order up to 3 minutes.
	n=0 total=0
	for f in $(find /usr/share/games/fillets-ng/sound -path '*/nl/*.ogg' | LC_ALL=C sort); do
		n=$((n + 1))
		sox -R "$f" -r 44100 -c 2 "$tmp/clip$(printf %04d $n).wav" gain -3 pad 0 0.4
		total=$(soxi -D "$tmp/clip$(printf %04d $n).wav" | awk -v t="$total" '{ print t + $1 }')
		awk -v t="$total" 'BEGIN { exit !(t >= 180) }' && break
	done
	sox -R "$tmp"/clip*.wav "$tmp/dialog.wav"
	sox -R "$tmp/dialog.wav" "$dir/voice_dialog_nl.flac" trim 0 180 gain -n -1
	# Voice: synthetic English speech.
	sed -n '/^ *Preamble/,/TERMS AND CONDITIONS/p' /usr/share/common-licenses/GPL-2 |
		espeak-ng -v en-us -s 160 --stdin -w "$tmp/speech.wav"
	sox -R "$tmp/speech.wav" -r 44100 -c 2 "$dir/voice_speech_en.flac" gain -n -1

	# Electronic, ambient, jazz.
	unzip -q -o -j /usr/share/games/nexuiz/data/music.pk3 sound/cdtracks/stairs.ogg -d "$tmp"
	toflac "$tmp/stairs.ogg" electronic_stairs
	sing=/usr/share/games/singularity/music
	toflac "$sing/Enemy Unknown.ogg" electronic_enemy_unknown
	toflac "$sing/Through Space.ogg" ambient_through_space
	render /usr/share/games/openttd/baseset/openmsx/boogi_marabi_redfarn.mid jazz_boogi_marabi
}

case $set in
rock) rock ;;
more) more ;;
all) rock && more ;;
esac
ls "$dir"
