#!/usr/bin/env bash
# The frame pass v2 measurement of the README (issue 14): 10 and 40 JPEG frames of 4256x2832, two
# runs each of decode-only (nightstack's band readers, djpeg), nightstack max/mean in bands and with
# --whole-frames, vips bandrank max, then once vips's linear mean and nightstack sigma_clip.
# Needs a build with -DNIGHTSTACK_BENCH=ON and scripts/setup --bench-peers. Marginal CPU per frame =
# (CPU of 40 frames - CPU of 10) / 30.
#   bench/frame_pass_compare.sh [DIR]    (default $TMPDIR or /tmp, nightstack-frame-pass)
set -euo pipefail
cd "$(dirname "$0")/.."
directory=${1:-${TMPDIR:-/tmp}/nightstack-frame-pass}
mkdir -p "$directory/jpeg10"
[ -f "$directory/jpeg40/.complete" ] || {
  build/generate_frames "$directory/jpeg40" jpeg 40 4256 2832 >/dev/null
  touch "$directory/jpeg40/.complete"
}
for frame in "$directory"/jpeg40/frame_00{01..10}.jpg; do ln -sf "$frame" "$directory/jpeg10/"; done
for size in 10 40; do
  build/nightstack stack --method max --transfer srgb --fits "$directory/whole.fits" "$directory/jpeg$size" \
    --print-config >"$directory/max$size.yaml"
  build/nightstack stack --method mean --transfer srgb --fits "$directory/whole.fits" "$directory/jpeg$size" \
    --print-config >"$directory/mean$size.yaml"
done

measure() {  # LABEL COMMAND...
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" "$@" >/dev/null 2>"$directory/time.err"
  tail -1 "$directory/time.err" |
    awk -v label="$label" '{printf "%-40s wall %6.2f  cpu %6.2f  peak %5d MiB\n", label, $1, $2 + $3, $4 / 1024}'
}

echo "frame pass: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD)"
for size in 10 40; do
  frames="$directory/jpeg$size"
  for run in 1 2; do
    measure "$size decode (nightstack readers)" build/decode_frames "$frames" 2
    measure "$size djpeg per file" sh -c "ls $frames/*.jpg | xargs -P 2 -n 1 djpeg -outfile /dev/null"
    for method in max mean; do
      measure "$size nightstack $method (bands)" build/nightstack stack --method $method --transfer srgb \
        --threads 2 --quiet --report none --fits "$directory/out.fits" "$frames"
      measure "$size nightstack $method (whole frames)" build/nightstack run "$directory/$method$size.yaml" \
        --whole-frames --quiet --report none --threads 2
    done
    measure "$size vips bandrank max" sh -c "VIPS_CONCURRENCY=2 vips bandrank '$(ls "$frames"/*.jpg | tr '\n' ' ')' \
      $directory/vips-max.v --index $((size - 1))"
  done
done
mkdir -p "$directory/linear"
measure "40 vips scrgb + sum (linear mean)" sh -c "for f in $directory/jpeg40/*.jpg; do
    VIPS_CONCURRENCY=2 vips colourspace \$f $directory/linear/\$(basename \$f).v scrgb || exit 1; done &&
  VIPS_CONCURRENCY=2 vips sum \"\$(ls $directory/linear/*.v | tr '\n' ' ')\" $directory/vips-sum.v &&
  rm -f $directory/linear/*.v"
measure "40 nightstack sigma_clip" build/nightstack stack --method sigma_clip --transfer srgb --threads 2 \
  --quiet --report none --fits "$directory/out.fits" "$directory/jpeg40"
