#!/usr/bin/env bash
# Makes models/default.model, the model shipped with soundalike (docs/model-card.md), from a fresh machine:
#   1. fetches the permitted Debian soundtrack packages (scripts/fetch-music.sh),
#   2. splits them by whole packages (scripts/music-split.sh): 7 held out (never trained, tuned or
#      selected on), 8 for validation (scored after every epoch; the best epoch ships), the rest for
#      pretraining,
#   3. pretrains the conv4 backbone contrastively on the real music alone and keeps the epoch with the
#      best validation P@10 (soundalike pretrain; no labels: the model is an embedding model),
#   4. reads the song vector from every block rather than the last alone (soundalike readout; chosen on
#      the validation packages in session 10, after the epoch: the weights are the same),
#   5. prints held-out retrieval scores next to the baselines.
# Usage: scripts/train-default-model.sh [--smoke] [--bin PATH] [--out MODEL]
#   --smoke   seconds-long run on tiny generated data in a temp dir; never touches models/ (run by ctest)
# Environment: SOUNDALIKE_DATA (default /var/tmp/soundalike), THREADS (synth, evaluation; default 2),
# STOP_AFTER (8: the schedule spans 16 epochs, the run stops after the 8th; the best of them ships), SEED (1).
# Pretraining runs on one torch thread, as the shipped model was made (the thread count changes the last
# bits of the arithmetic). About 10 minutes on a 2-core machine (40-45 s an epoch; before the heap
# policy of session 9, 5-6 minutes an epoch).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SMOKE=0
BIN=""
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1 ;;
    --bin) BIN=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "train-default-model: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
THREADS=${THREADS:-2}

if [ -z "$BIN" ]; then
  BIN="$ROOT/build/soundalike"
  if [ ! -x "$BIN" ]; then
    "$ROOT/scripts/setup-deps.sh"
    cmake -S "$ROOT" -B "$ROOT/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build "$ROOT/build" -j"$THREADS" --target soundalike
  fi
fi

# The recipe (docs/model-card.md): conv4 pretrained contrastively on real music alone, its last block's
# mean and max as the embedding, mean and deviation over half-overlapping windows as the song vector.
# The sizes are variables so that --smoke runs the same options on tiny data.
recipe() {
  local mels=$1 width=$2 window=$3 batch=$4 epochs=$5 stop=$6 passes=$7 seconds=$8
  echo "--n-fft 1024 --hop 512 --n-mels $mels --top-db 0 --amin 1e-6 --normalization global" \
       "--backbone conv4 --width $width --pooling mean_max --embedding pooled --clip-summary mean_std" \
       "--window $window --window-hop $((window / 2)) --eval-windows 32" \
       "--augment contrastive --temperature 0.1 --projection 128 --embedding-size 256 --learning-rate 2e-3" \
       "--weight-decay 1e-4 --batch-size $batch --passes $passes --epochs $epochs --stop-after $stop --max-seconds $seconds"
}
RECIPE=$(recipe 96 16 128 96 16 "${STOP_AFTER:-8}" 4 0)

if [ "$SMOKE" = 1 ]; then
  TMP=$(mktemp -d)
  trap 'rm -rf "$TMP"' EXIT
  "$BIN" synth --out "$TMP/gen" --genres blues,classical,metal --per-genre 3 --seconds 6 --seed 3 --jobs "$THREADS" >/dev/null
  # The recipe's options, then tiny sizes (later options win).
  # shellcheck disable=SC2086
  "$BIN" pretrain "$TMP/gen" --validate "$TMP/gen" --out "$TMP/smoke.model" $(recipe 64 4 64 8 2 2 2 6) \
    --threads "$THREADS" --seed 1 --cache "$TMP/cache" --json -q >"$TMP/pretrain.json"
  "$BIN" readout "$TMP/smoke.model" --out "$TMP/smoke.model" --pooled-blocks all >/dev/null
  "$BIN" evaluate-retrieval "$TMP/gen" --model "$TMP/smoke.model" --json >"$TMP/eval.json"
  # The documented width: w + 2w + 4w + 8w = 15w channels (w = 4) x 2 (mean and max of each block) x 2
  # (mean and deviation over windows).
  dims=$("$BIN" embed --model "$TMP/smoke.model" "$TMP/gen/metal/metal.00000.wav" | awk -F'\t' '{print NF - 1}')
  [ "$dims" = 240 ] || { echo "train-default-model: smoke model embeds $dims numbers, expected 240" >&2; exit 1; }
  grep -q '"best_epoch"' "$TMP/pretrain.json"
  grep -q '"p_at_10"' "$TMP/eval.json"
  echo "train-default-model: smoke run passed"
  exit 0
fi

DATA=${SOUNDALIKE_DATA:-/var/tmp/soundalike}
OUT=${OUT:-$ROOT/models/default.model}
SPLIT=$("$ROOT/scripts/music-split.sh" "$DATA")

mkdir -p "$(dirname "$OUT")"
start=$(date +%s)
# shellcheck disable=SC2086
nice "$BIN" pretrain "$SPLIT/train" --validate "$SPLIT/validate" --out "$OUT" $RECIPE \
  --seed "${SEED:-1}" --threads 1 --json >"$DATA/default-model.json"
"$BIN" readout "$OUT" --out "$OUT" --pooled-blocks all >&2
echo "train-default-model: wrote $OUT in $(( $(date +%s) - start )) s; log $DATA/default-model.json" >&2

echo "held-out packages ($SPLIT/heldout), one 30 s clip per track, leave-one-out:"
for args in "--features random" "--features mfcc" "--features timbre" "--model $OUT --metric cosine" "--features model+timbre --model $OUT"; do
  # shellcheck disable=SC2086
  "$BIN" evaluate-retrieval "$SPLIT/heldout" $args -j "$THREADS" 2>/dev/null | tail -1 | sed "s|^|  $args: |" || true
done
