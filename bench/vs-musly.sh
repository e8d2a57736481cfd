#!/usr/bin/env bash
# soundalike vs musly-eval side by side, in one run, on (a) the held-out real-music packages and (b) a
# generated corpus: P@1, P@10, R-precision (leave-one-out, musly-eval's definitions) and files/s.
#
#   bench/vs-musly.sh       # build/, the held-out packages of scripts/music-split.sh, /var/tmp/musly/musly-eval
#   MODEL=path/to.model bench/vs-musly.sh   # the CNN rows with another model than the shipped one
# Environment: BUILD (build), MUSLY, HELDOUT, WORK (/tmp/vs-musly), JOBS (2), CORPORA ("heldout synth"), MODEL (default:
# models/default.model when present), FUSION_WEIGHT (evaluate-retrieval's default when unset), EXCLUDE (space-separated
# file names left out of both tools' trees: Musly gives pingus-2.ogg of the held-out packages a NaN similarity to
# every song, and musly-eval's sort then scrambles every ranking; EXCLUDE=pingus-2.ogg scores both without it).
# Output: a Markdown table on stdout; raw JSON and logs in $WORK.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SA=$BUILD/soundalike
MUSLY=${MUSLY:-/var/tmp/musly/musly-eval}
HELDOUT=${HELDOUT:-/var/tmp/soundalike/split/heldout}
WORK=${WORK:-/tmp/vs-musly}
JOBS=${JOBS:-2}
MODEL=${MODEL:-models/default.model}
mkdir -p "$WORK"

# musly-eval gives up on the first file it cannot decode (package trees hold copyright files and
# markers), so both tools read the same tree of links to the audio files only.
audio_tree() {  # SRC DST
  rm -rf "$2"
  local d f
  for d in "$1"/*/; do
    mkdir -p "$2/$(basename "$d")"
    for f in "$d"*; do
      [[ " ${EXCLUDE:-} " == *" $(basename "$f") "* ]] && continue
      case "${f,,}" in
        *.ogg | *.mp3 | *.flac | *.wav | *.opus | *.m4a | *.oga) ln -s "$(realpath "$f")" "$2/$(basename "$d")/" ;;
      esac
    done
  done
}

CORPORA=${CORPORA:-heldout synth}
audio_tree "$HELDOUT" "$WORK/heldout"
if [[ " $CORPORA " == *" synth "* && ! -f "$WORK/synth/manifest.csv" ]]; then
  "$SA" synth --out "$WORK/synth" --per-genre 20 --seconds 30 --seed 7 --jobs "$JOBS" > "$WORK/synth.log"
fi
[[ " $CORPORA " == *" synth "* ]] && audio_tree "$WORK/synth" "$WORK/synth-tree"

now() { date +%s.%N; }
ROWS="$WORK/rows.tsv"
: > "$ROWS"

run_musly() {  # CORPUS DIR
  local t0 t1 line
  t0=$(now)
  line=$(/usr/bin/time -f "%U %S" -o "$WORK/musly-$1.cpu" "$MUSLY" "$2" 2> "$WORK/musly-$1.err" | grep '^musly' | tail -1)
  t1=$(now)
  python3 - "$1" "$line" "$t0" "$t1" "$WORK/musly-$1.cpu" >> "$ROWS" <<'PY'
import re, sys
corpus, line, t0, t1 = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
cpu = sum(map(float, open(sys.argv[5]).read().split()[-2:]))
v = dict(re.findall(r'(\w+(?:@\d+)?)=([\d.]+)', line))
n = int(v['n'])
print('\t'.join([corpus, 'musly-eval timbre (MP)', v['P@1'], v['P@10'], v['Rprec'], v['analysis_files_per_s'],
                 '%.1f' % (n / (t1 - t0)), '%.0f' % (1000 * cpu / n)]))
PY
}

run_sa() {  # CORPUS DIR LABEL ARGS...
  local corpus=$1 dir=$2 label=$3 t0 t1 out
  shift 3
  out="$WORK/sa-$corpus-${label//[^a-zA-Z0-9+]/_}.json"
  t0=$(now)
  /usr/bin/time -f "%U %S" -o "$out.cpu" "$SA" evaluate-retrieval "$dir" --json --jobs "$JOBS" "$@" > "$out" 2> "$out.err" ||
    [[ $? == 6 ]]
  t1=$(now)
  python3 - "$corpus" "$label" "$out" "$t0" "$t1" "$out.cpu" >> "$ROWS" <<'PY'
import json, sys
corpus, label, path, t0, t1 = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
cpu = sum(map(float, open(sys.argv[6]).read().split()[-2:]))
j = json.load(open(path))
print('\t'.join([corpus, label, '%.3f' % j['p_at_1'], '%.3f' % j['p_at_10'], '%.3f' % j['r_precision'],
                 '%.1f' % j['files_per_second'], '%.1f' % (j['items'] / (t1 - t0)), '%.0f' % (1000 * cpu / j['items'])]))
PY
}

for corpus in $CORPORA; do
  dir="$WORK/heldout"
  [[ $corpus == synth ]] && dir="$WORK/synth-tree"
  run_musly "$corpus" "$dir"
  # No options: exactly what `index` + `similar` use by default (the JSON names kind, normalisation, weight).
  run_sa "$corpus" "$dir" "soundalike default (index/similar)"
  run_sa "$corpus" "$dir" "soundalike timbre-v2, JS (+ MP)" --features timbre
  run_sa "$corpus" "$dir" "soundalike timbre-v1, KL (+ MP)" --features timbre-v1
  run_sa "$corpus" "$dir" "soundalike timbre-v2 (no MP)" --features timbre --normalize none
  run_sa "$corpus" "$dir" "soundalike mfcc" --features mfcc
  run_sa "$corpus" "$dir" "soundalike CNN alone (cosine, no MP)" --model "$MODEL" --metric cosine --normalize none
  run_sa "$corpus" "$dir" "soundalike CNN alone (cosine + MP: as --model uses it)" --model "$MODEL" --metric cosine
  run_sa "$corpus" "$dir" "soundalike CNN + timbre + rhythm (fusion)" --features model+timbre+rhythm --model "$MODEL" \
    ${FUSION_WEIGHT:+--fusion-weight "$FUSION_WEIGHT"}
  run_sa "$corpus" "$dir" "soundalike CNN + timbre (fusion, w 0.3: the default until session 10)" --features model+timbre \
    --model "$MODEL"
  run_sa "$corpus" "$dir" "soundalike rhythm-v1 (+ MP)" --features rhythm --normalize mp
  run_sa "$corpus" "$dir" "soundalike CNN + timbre-v1 (fusion w 0.5, session 5's default)" --features model+timbre-v1 \
    --model "$MODEL" --fusion-weight 0.5
  run_sa "$corpus" "$dir" "random" --features random
done

echo "| corpus | method | P@1 | P@10 | R-precision | files/s (analysis) | files/s (whole run) | CPU ms/file |"
echo "|---|---|---|---|---|---|---|---|"
while IFS=$'\t' read -r c m p1 p10 rp fa fw cpu; do
  echo "| $c | $m | $p1 | $p10 | $rp | $fa | $fw | $cpu |"
done < "$ROWS"
echo
echo "files/s (analysis): as each tool reports it (soundalike: decode + features of the 30 s clips, wall time on $JOBS jobs;"
echo "musly-eval: its analysis_files_per_s). files/s (whole run): songs / wall time of the whole command. CPU ms/file:"
echo "user + system CPU time of the whole command per song (decode included; fair under load). $(nproc) cores."
