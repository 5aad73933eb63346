#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) and keeps what it finds.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# Needs cargo-fuzz (`cargo install cargo-fuzz`). cargo fuzz uses nightly-only
# compiler flags; on a stable toolchain RUSTC_BOOTSTRAP=1 lets it run.
# A crash is saved under fuzz/artifacts/<target>/; turn each into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(scan config_check decompress)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is missing: cargo install cargo-fuzz" >&2
  exit 2
fi
if ! rustc --version | grep -q nightly; then
  export RUSTC_BOOTSTRAP=1
fi
mkdir -p fuzz/corpus
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  # Seed the scanner with the test logs, the checker with the test configs.
  if [ "$t" = scan ]; then
    find testdata -name '*.log' -o -name '*.txt' -o -name '*.jsonl' | while read -r f; do
      cp "$f" "fuzz/corpus/$t/seed-$(basename "$f")"
    done
  elif [ "$t" = decompress ]; then
    find testdata/archive -type f | while read -r f; do
      cp "$f" "fuzz/corpus/$t/seed-$(echo "$f" | tr '/' '_')"
    done
  elif [ "$t" = config_check ]; then
    find testdata/config -name '*.json' | while read -r f; do
      cp "$f" "fuzz/corpus/$t/seed-$(echo "$f" | tr '/' '_')"
    done
  fi
  echo "== fuzzing $t for ${secs}s"
  cargo fuzz run "$t" "fuzz/corpus/$t" -- -max_total_time="$secs" -max_len=65536 2>&1 |
    grep -E "^(#[0-9]+.*(DONE|pulse)|Done|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)" || true
done
