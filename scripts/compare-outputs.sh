#!/usr/bin/env bash
# Compares what two clawscan binaries write, to show a refactor or an optimisation
# changed no output: records, counts, text lines and --summary on the bench corpora and
# every testdata log, and diagnose, report and check on the fixtures. Redaction markers
# (random per run where no --redact-key exists) are normalised; exit codes compared.
#
#   scripts/compare-outputs.sh OLD_BINARY NEW_BINARY [CORPUS...]
#
# Corpora: e.g. `scripts/gen-corpus --size 128M --density 0.01 > /tmp/c1.log`.
set -uo pipefail
old=$1 new=$2
shift 2
cd "$(dirname "$0")/.."
n=0 bad=0
norm() { sed -E 's/REDACTED:[0-9a-f]{6}/REDACTED:x/g; s/(HOST|DEVICE|IP):[0-9a-f]{6}/\1:x/g'; }
same() {
  n=$((n + 1))
  if ! cmp -s <("$old" "$@" 2>&1 | norm; echo "exit ${PIPESTATUS[0]}") \
              <("$new" "$@" 2>&1 | norm; echo "exit ${PIPESTATUS[0]}"); then
    bad=$((bad + 1))
    echo "differs: clawscan $*"
  fi
}
for f in "$@"; do
  for a in "" "-c" "--summary" "--all" "--category handshake" "--format text" "-j1"; do
    # shellcheck disable=SC2086 # $a is a list of flags
    same --redact-key k $a "$f"
  done
done
for f in $(git ls-files testdata | grep -E '\.(log|txt|jsonl|gz|zst)$'); do
  same --redact-key k "$f"
  same --redact-key k -c "$f"
  same --redact-key k --format text --color never "$f"
  same --redact-key k --summary "$f"
  same diagnose --no-config --color never "$f"
  same diagnose --no-config --json "$f"
  same report --json --no-config --no-doctor --redact-key k --openclaw /nonexistent "$f"
done
for d in $(git ls-files testdata | grep -E 'openclaw\.json|exec-approvals\.json' | xargs -n1 dirname | sort -u); do
  same check --color never "$d"
  same check --json "$d"
done
same --redact-key k testdata
echo "$n comparisons, $bad differ"
[ "$bad" -eq 0 ]
