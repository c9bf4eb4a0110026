#!/usr/bin/env bash
# Cold build time of an extension made with `kiket new` against a hand-written extension on
# the same stack (axum, reqwest + rustls, hmac, tokio, serde_json), side by side in one sitting.
#
#   benches/build-time.sh            # 2 alternating rounds, debug builds
#   ROUNDS=3 PROFILE=release benches/build-time.sh
#   BEFORE=<git revision> benches/build-time.sh   # also an extension made against that revision
#
# Each build starts from an empty target directory, offline, with this workspace's Cargo.lock
# (so both use the same versions of shared crates). Prints each build's wall time and the
# ratio of the medians. Needs ~3 GB of free disk per build while it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rounds=${ROUNDS:-2}
profile=${PROFILE:-debug}
flag=""
if [ "$profile" = release ]; then flag="--release"; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/kiket-build-time.XXXX")
trap 'rm -rf "$work"' EXIT

cargo build --quiet --bin kiket
"$root/target/debug/kiket" new "$work/scaffolded" --kiket-path "$root" >/dev/null
cp Cargo.lock "$work/scaffolded/Cargo.lock"
mkdir -p "$work/bare/src"
cp benches/build-time/bare/Cargo.toml.tmpl "$work/bare/Cargo.toml"
cp benches/build-time/bare/src/main.rs "$work/bare/src/main.rs"
cp Cargo.lock "$work/bare/Cargo.lock"
crates="scaffolded bare"
if [ -n "${BEFORE:-}" ]; then
  # The same scaffold against a checkout of $BEFORE, with that checkout's lock file.
  git worktree add --quiet --detach "$work/before-checkout" "$BEFORE"
  trap 'git -C "$root" worktree remove --force "$work/before-checkout"; rm -rf "$work"' EXIT
  "$root/target/debug/kiket" new "$work/before" --kiket-path "$work/before-checkout" >/dev/null
  cp "$work/before-checkout/Cargo.lock" "$work/before/Cargo.lock"
  crates="before scaffolded bare"
fi
for crate in $crates; do
  # Fetch (if needed) outside the timing.
  (cd "$work/$crate" && cargo fetch --quiet)
done

build() { # crate -> seconds
  local crate=$1 target="$work/target-$1"
  rm -rf "$target"
  local start end
  start=$(date +%s.%N)
  (cd "$work/$crate" && CARGO_TARGET_DIR="$target" cargo build --quiet --offline $flag)
  end=$(date +%s.%N)
  rm -rf "$target"
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}

declare -a kiket bare before
for round in $(seq 1 "$rounds"); do
  # Alternate the order so that neither side always builds first.
  if [ $((round % 2)) = 1 ]; then order="$crates"; else order=$(printf '%s\n' $crates | tac | tr '\n' ' '); fi
  for crate in $order; do
    seconds=$(build "$crate")
    printf 'round %d  %-10s %7.1f s\n' "$round" "$crate" "$seconds"
    case $crate in
      scaffolded) kiket+=("$seconds") ;;
      before) before+=("$seconds") ;;
      *) bare+=("$seconds") ;;
    esac
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
k=$(median "${kiket[@]}"); b=$(median "${bare[@]}")
ratio=$(awk -v k="$k" -v b="$b" 'BEGIN { printf "%.2f", k / b }')
printf '\nmedian cold %s build: kiket new %.1f s, bare %.1f s, ratio %s\n' "$profile" "$k" "$b" "$ratio"
if [ -n "${BEFORE:-}" ]; then
  p=$(median "${before[@]}")
  printf 'against %s: kiket new %.1f s, ratio %s\n' "$BEFORE" "$p" "$(awk -v k="$p" -v b="$b" 'BEGIN { printf "%.2f", k / b }')"
fi
