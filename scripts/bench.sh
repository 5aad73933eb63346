#!/usr/bin/env bash
# bench.sh: clawscan against ripgrep, GNU grep and `wc -l` on one generated gateway log.
#
# Builds clawscan and the corpus generator (release), generates a realistic corpus
# (cached under $CARGO_TARGET_DIR/bench-corpus/, keyed by its arguments and the
# generator's source), checks that clawscan finds exactly the generator's event lines,
# warms the page cache, then times every command N times and prints medians,
# throughput, the ratios of issue 6 and peak RSS. Dense corpora (10 %, 50 % event
# lines) are timed too, at a smaller size, for the worst case.
#
# It installs nothing. ripgrep is required; hyperfine and GNU time are optional (the
# rows they feed are measured another way or skipped, and the script says what to
# install).
#
# Settings (environment):
#   SIZE=1G         main corpus size (K/M/G, binary)
#   DENSITY=0.01    fraction of event lines in the main corpus
#   SEED=42         generator seed
#   FORMAT=mixed    generator format (mixed, pretty, compact, json, file, logs, wrapped…)
#   N=5             timed runs per command (after one warm-up run)
#   DENSE_SIZE=256M size of the dense corpora
#   DENSE="0.10 0.50"  densities of the dense corpora ("" skips them)
#   RG=rg           ripgrep binary (the newest, `cargo install --locked ripgrep`, is the bar)
#   GREP=grep       grep binary
#   HYPERFINE=hyperfine, GNU_TIME=/usr/bin/time  (set to "none" to use the fallbacks)
#
# Example: SIZE=256M N=3 scripts/bench.sh

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE=${SIZE:-1G}
DENSITY=${DENSITY:-0.01}
SEED=${SEED:-42}
FORMAT=${FORMAT:-mixed}
N=${N:-5}
DENSE_SIZE=${DENSE_SIZE:-256M}
DENSE=${DENSE-0.10 0.50}
RG=${RG:-rg}
GREP=${GREP:-grep}
HYPERFINE=${HYPERFINE:-hyperfine}
GNU_TIME=${GNU_TIME:-/usr/bin/time}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CORPUS_DIR=$TARGET/bench-corpus
OUT_DIR=$CORPUS_DIR/out
BIN=$TARGET/release/clawscan
GEN=$TARGET/release/examples/gen-corpus
# The same four words for every tool; ripgrep and grep spell alternation differently.
RG_PAT='pairing|1008|token|auth'
GREP_PAT='pairing\|1008\|token\|auth'

say() { printf '%s\n' "$*" >&2; }
die() {
	say "bench.sh: $*"
	exit 1
}

# --- tools -------------------------------------------------------------------------
command -v cargo >/dev/null || die "cargo is missing: install Rust from https://rustup.rs"
command -v "$RG" >/dev/null ||
	die "ripgrep ($RG) is missing: apt-get install ripgrep (or, for the newest, cargo install --locked ripgrep)"
HAVE_HYPERFINE=1
command -v "$HYPERFINE" >/dev/null || {
	HAVE_HYPERFINE=0
	say "note: hyperfine is missing (apt-get install hyperfine); timing with a shell loop instead"
}
HAVE_TIME=1
[[ -x $GNU_TIME ]] && "$GNU_TIME" -v true >/dev/null 2>&1 || {
	HAVE_TIME=0
	say "note: GNU time is missing (apt-get install time); skipping the peak-RSS rows"
}
HAVE_GREP=1
command -v "$GREP" >/dev/null || {
	HAVE_GREP=0
	say "note: grep ($GREP) is missing (apt-get install grep); skipping its row"
}

# --- build -------------------------------------------------------------------------
say "building clawscan and gen-corpus (release)…"
(cd "$ROOT" && cargo build --quiet --release --bin clawscan --example gen-corpus)
mkdir -p "$CORPUS_DIR" "$OUT_DIR"

# --- corpora -------------------------------------------------------------------------
# A changed generator makes a different corpus: key the cache by its source too.
GEN_SUM=$(cksum <"$ROOT/examples/gen-corpus.rs" | cut -d' ' -f1)

# corpus SIZE DENSITY → prints the corpus path; generates it unless cached. The
# generator's `events=N lines=L bytes=B` line is kept next to it.
corpus() {
	local size=$1 density=$2
	local f=$CORPUS_DIR/$FORMAT-$size-d$density-s$SEED-g$GEN_SUM.log
	if [[ ! -s $f || ! -s $f.events ]]; then
		say "generating $f…"
		"$GEN" --size "$size" --density "$density" --seed "$SEED" --format "$FORMAT" \
			--out "$f.tmp" 2>"$f.gen"
		grep '^events=' "$f.gen" >"$f.events"
		mv "$f.tmp" "$f"
	fi
	printf '%s\n' "$f"
}

field() { # field NAME FILE.events → the value of NAME=… on the generator's line
	awk -v k="$1" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$2"
}

# check FILE: clawscan's record count against the generator's event count.
check() {
	local f=$1 want got
	want=$(field events "$f.events")
	# Every category named: by default a line that is only `handshake` and tied to no
	# cause is left out, but the generator counts it as an event line.
	got=$("$BIN" --category pairing,close_1008,token,auth,scope,handshake,dm_pairing,exec_approvals,config,proxy "$f" | wc -l)
	if [[ $got == "$want" ]]; then
		say "check: clawscan found $got records = $want event lines written ✓"
	else
		say "check: MISMATCH: clawscan found $got records, the generator wrote $want event lines"
	fi
	printf '%s %s\n' "$got" "$want"
}

warm() {
	# Read it twice: the second pass is what the page cache kept.
	cat "$1" >/dev/null
	cat "$1" >/dev/null
}

# --- timing --------------------------------------------------------------------------
# median_of TIMES… → the median (mean of the middle two for an even count).
median_of() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
		if (NR % 2) printf "%.4f", a[(NR + 1) / 2]; else printf "%.4f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# time_cmd NAME CMD → the median wall time of CMD (a bash command line) in seconds.
# Exit codes are ignored: grep-like tools exit 1 when nothing matched.
time_cmd() {
	local name=$1 cmd=$2
	say "timing: $name ($N runs)"
	if ((HAVE_HYPERFINE)); then
		local csv=$OUT_DIR/hyperfine.csv
		"$HYPERFINE" --style none --shell bash --ignore-failure --warmup 1 --runs "$N" \
			--command-name "$name" --export-csv "$csv" "$cmd" >/dev/null
		# Columns: command,mean,stddev,median,…; the name has no commas.
		awk -F, 'NR == 2 { printf "%.4f", $4 }' "$csv"
	else
		local i t0 t1 times=()
		bash -c "$cmd" >/dev/null 2>&1 || true
		for ((i = 0; i < N; i++)); do
			t0=$(date +%s.%N)
			bash -c "$cmd" >/dev/null 2>&1 || true
			t1=$(date +%s.%N)
			times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
		done
		median_of "${times[@]}"
	fi
}

# rss_kib OUT CMD… → peak RSS in KiB of CMD, its output going to OUT and its input
# being the caller's stdin.
rss_kib() {
	local tf=$OUT_DIR/time.txt out=$1
	shift
	"$GNU_TIME" -v -o "$tf" "$@" >"$out" || true
	awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$tf"
}

mibs() { # mibs BYTES SECONDS
	awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.1f", b / 1048576 / s; else printf "-" }'
}

ratio() { # ratio A_SECONDS B_SECONDS → B/A (throughput of A relative to B)
	awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", b / a; else printf "-" }'
}

verdict() { # verdict RATIO TARGET
	awk -v r="$1" -v t="$2" 'BEGIN { if (r == "-") print ""; else if (r + 0 >= t + 0) print "met"; else printf "MISSED by %.0f %%\n", (1 - r / t) * 100 }'
}

# --- header --------------------------------------------------------------------------
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
[[ -n $cpu ]] || cpu=$(lscpu 2>/dev/null | awk -F': *' '/Model name/ { print $2; exit }' || true)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)

MAIN=$(corpus "$SIZE" "$DENSITY")
BYTES=$(field bytes "$MAIN.events")
avail_kib=$(awk '/^MemAvailable/ { print $2 }' /proc/meminfo 2>/dev/null || echo 0)
if ((avail_kib > 0 && BYTES / 1024 * 2 > avail_kib)); then
	say "warning: the corpus ($BYTES bytes) is close to the available memory; the page cache may not hold it"
fi

echo "clawscan benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "  machine:   $(uname -srm), $(nproc) CPUs ($cpu), $mem RAM"
# Other work on the machine skews every figure; say how busy it was.
echo "  load:      $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) (1, 5, 15 min) at start"
echo "  clawscan:  $("$BIN" --version)"
echo "  ripgrep:   $("$RG" --version | head -1) ($(command -v "$RG"))"
((HAVE_GREP)) && echo "  grep:      $("$GREP" --version | head -1), locale ${LC_ALL:-${LANG:-C}}"
((HAVE_HYPERFINE)) && echo "  timing:    $("$HYPERFINE" --version), $N runs + 1 warm-up, median" ||
	echo "  timing:    bash loop (date +%s.%N), $N runs + 1 warm-up, median"
echo "  corpus:    $MAIN"
echo "             $(cat "$MAIN.events") (format $FORMAT, density $DENSITY, seed $SEED)"

read -r RECORDS WANT < <(check "$MAIN")
echo "  check:     clawscan records $RECORDS, generator event lines $WANT$([[ $RECORDS == "$WANT" ]] && echo " (equal)" || echo " (MISMATCH)")"
echo "  output:    every command writes to a file in $OUT_DIR; page cache warmed"
echo

warm "$MAIN"
F=$MAIN
O=$OUT_DIR
declare -A T
T[cs_file]=$(time_cmd "clawscan FILE" "'$BIN' '$F' > '$O/clawscan.ndjson'")
T[cs_stdin]=$(time_cmd "clawscan < FILE" "'$BIN' < '$F' > '$O/clawscan.ndjson'")
T[cs_pipe]=$(time_cmd "cat FILE | clawscan" "cat '$F' | '$BIN' > '$O/clawscan.ndjson'")
T[rg_file]=$(time_cmd "rg FILE" "'$RG' -i '$RG_PAT' '$F' > '$O/rg.txt'")
T[rg_stdin]=$(time_cmd "rg < FILE" "'$RG' -i '$RG_PAT' < '$F' > '$O/rg.txt'")
T[rg_pipe]=$(time_cmd "cat FILE | rg" "cat '$F' | '$RG' -i '$RG_PAT' > '$O/rg.txt'")
if ((HAVE_GREP)); then
	T[grep_file]=$(time_cmd "grep FILE" "'$GREP' -i '$GREP_PAT' '$F' > '$O/grep.txt'")
fi
T[wc]=$(time_cmd "wc -l FILE" "wc -l '$F' > '$O/wc.txt'")
RG_LINES=$(wc -l <"$O/rg.txt")
"$BIN" "$F" >"$O/clawscan.ndjson" || true
NDJSON_BYTES=$(wc -c <"$O/clawscan.ndjson")

# Plain aligned columns (no `|` separators: the commands hold pipes), ready for a
# Markdown code block.
rule() { printf '  %s\n' "$(printf -- '-%.0s' $(seq 1 "$1"))"; }

row() { # row LABEL KEY
	local t=${T[$2]:-}
	[[ -n $t ]] || return 0
	printf '  %-46s %9s %9s\n' "$1" "$t" "$(mibs "$BYTES" "$t")"
}

echo "Main corpus: $(awk -v b="$BYTES" 'BEGIN { printf "%.0f MiB", b / 1048576 }'), $WANT event lines." \
	"clawscan writes $RECORDS records ($(awk -v b="$NDJSON_BYTES" 'BEGIN { printf "%.1f MiB", b / 1048576 }') of NDJSON);" \
	"rg -i matches $RG_LINES lines."
echo
printf '  %-46s %9s %9s\n' "command (output to a file)" "median s" "MiB/s"
rule 66
row "clawscan FILE" cs_file
row "clawscan < FILE" cs_stdin
row "cat FILE | clawscan" cs_pipe
row "rg -i '$RG_PAT' FILE" rg_file
row "rg -i '$RG_PAT' < FILE" rg_stdin
row "cat FILE | rg -i '$RG_PAT'" rg_pipe
row "grep -i '$GREP_PAT' FILE" grep_file
row "wc -l FILE" wc
echo

ratio_row() { # ratio_row LABEL A B TARGET
	local a=${T[$2]:-} b=${T[$3]:-} r
	[[ -n $a && -n $b ]] || return 0
	r=$(ratio "$a" "$b")
	printf '  %-36s %7s %8s  %s\n' "$1" "$r" ">= $4" "$(verdict "$r" "$4")"
}
printf '  %-36s %7s %8s  %s\n' "throughput ratio (clawscan / other)" "ratio" "target" ""
rule 66
ratio_row "clawscan FILE / rg FILE" cs_file rg_file 1.0
ratio_row "clawscan < FILE / rg < FILE" cs_stdin rg_stdin 1.0
ratio_row "cat | clawscan / cat | rg" cs_pipe rg_pipe 1.0
ratio_row "clawscan FILE / grep FILE" cs_file grep_file 4.0
ratio_row "clawscan FILE / wc -l FILE" cs_file wc 0.30
ratio_row "clawscan < FILE / wc -l FILE" cs_stdin wc 0.30
echo

if ((HAVE_TIME)); then
	kib_file=$(rss_kib "$O/clawscan.ndjson" "$BIN" "$F")
	kib_stdin=$(rss_kib "$O/clawscan.ndjson" "$BIN" <"$F")
	kib_pipe=$(cat "$F" | rss_kib "$O/clawscan.ndjson" "$BIN")
	kib_rg=$(cat "$F" | rss_kib "$O/rg.txt" "$RG" -i "$RG_PAT")
	rss_row() { printf '  %-46s %9s\n' "$1" "$(awk -v k="$2" 'BEGIN { printf "%.1f", k / 1024 }')"; }
	printf '  %-46s %9s\n' "peak RSS (GNU time -v)" "MiB"
	rule 56
	rss_row "clawscan FILE" "$kib_file"
	rss_row "clawscan < FILE" "$kib_stdin"
	rss_row "cat FILE | clawscan" "$kib_pipe"
	rss_row "cat FILE | rg -i '$RG_PAT' (for scale)" "$kib_rg"
	echo "  target: under 16 MiB on a stdin stream of any size"
	echo
fi

# --- dense corpora -------------------------------------------------------------------
if [[ -n $DENSE ]]; then
	printf '  %-14s %9s %7s %10s %9s %12s %9s\n' "density" "events" "check" "clawscan s" "MiB/s" \
		"stdin MiB/s" "rg MiB/s"
	rule 76
	for d in $DENSE; do
		D=$(corpus "$DENSE_SIZE" "$d")
		b=$(field bytes "$D.events")
		read -r got want < <(check "$D")
		warm "$D"
		tf=$(time_cmd "clawscan FILE (density $d)" "'$BIN' '$D' > '$O/clawscan.ndjson'")
		ts=$(time_cmd "clawscan < FILE (density $d)" "'$BIN' < '$D' > '$O/clawscan.ndjson'")
		tr=$(time_cmd "rg FILE (density $d)" "'$RG' -i '$RG_PAT' '$D' > '$O/rg.txt'")
		printf '  %-14s %9s %7s %10s %9s %12s %9s\n' "$d" "$want" \
			"$([[ $got == "$want" ]] && echo equal || echo "got $got")" "$tf" "$(mibs "$b" "$tf")" \
			"$(mibs "$b" "$ts")" "$(mibs "$b" "$tr")"
	done
	echo "  dense corpora of $DENSE_SIZE; clawscan FILE median and MiB/s, clawscan < FILE MiB/s, rg -i FILE MiB/s"
fi
