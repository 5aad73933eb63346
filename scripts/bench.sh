#!/usr/bin/env bash
# bench.sh: clawscan against ripgrep, GNU grep and `wc -l` on generated gateway logs.
#
# Builds clawscan and the corpus generator (release), generates realistic corpora
# (cached under $CARGO_TARGET_DIR/bench-corpus/, keyed by their arguments and the
# generator's source) at each density (1 %, 10 %, 50 % event lines by default), checks
# that clawscan finds exactly the generator's event lines, warms the page cache, then
# for each corpus times every command N times, reading the file, stdin redirected from
# it, and a pipe from `cat`. It prints, per corpus: median wall time, MiB/s, CPU time
# (user + sys) and peak RSS of every command; clawscan's throughput ratios against
# rg, grep and wc -l with the targets of issues 6 and 21; and the cost of a record
# (clawscan writing records minus `clawscan -c`, divided by the records written). A
# summary table of every corpus ends the report.
#
# It installs nothing. ripgrep is required; hyperfine and GNU time are optional (the
# timing falls back to bash's `time` in a loop; without GNU time the RSS column says
# "-"), and the script says what to install.
#
# Settings (environment):
#   SIZE=1G            size of the main corpus (K/M/G, binary)
#   DENSITY=0.01       fraction of event lines in the main corpus
#   DENSE_SIZE=256M    size of the dense corpora
#   DENSE="0.10 0.50"  densities of the dense corpora ("" skips them)
#   SEED=42            generator seed
#   FORMAT=mixed       generator format (mixed, pretty, compact, json, file, logs, wrapped…)
#   N=5                timed runs per command (after one warm-up run)
#   PIPE=1             also time `cat FILE | …` (0 skips those rows)
#   CLAWSCAN=          a clawscan binary to measure instead of building this tree's
#   CLAWSCAN_ARGS=     extra arguments for every clawscan run (e.g. "-j1")
#   RG=rg              ripgrep binary (the newest, `cargo install --locked ripgrep`, is the bar)
#   GREP=grep          grep binary
#   HYPERFINE=hyperfine, GNU_TIME=/usr/bin/time  (set to "none" to use the fallbacks)
#
# Example (small, a few minutes on two cores): SIZE=32M DENSE_SIZE=16M N=3 scripts/bench.sh
# Exit status: 0; 1 when a check failed (clawscan's records ≠ the generator's event
# lines, or rg's lines ≠ the generator's grep-word lines), after the report; 2 when it
# could not run. A pipe may keep fewer records than the file (a stream is diagnosed
# as it arrives): that is reported, not a failure.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE=${SIZE:-1G}
DENSITY=${DENSITY:-0.01}
DENSE_SIZE=${DENSE_SIZE:-256M}
DENSE=${DENSE-0.10 0.50}
SEED=${SEED:-42}
FORMAT=${FORMAT:-mixed}
N=${N:-5}
PIPE=${PIPE:-1}
CLAWSCAN=${CLAWSCAN:-}
CLAWSCAN_ARGS=${CLAWSCAN_ARGS:-}
RG=${RG:-rg}
GREP=${GREP:-grep}
HYPERFINE=${HYPERFINE:-hyperfine}
GNU_TIME=${GNU_TIME:-/usr/bin/time}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CORPUS_DIR=$TARGET/bench-corpus
OUT_DIR=$CORPUS_DIR/out
GEN=$TARGET/release/examples/gen-corpus
# The same four words for every tool; ripgrep and grep spell alternation differently.
RG_PAT='pairing|1008|token|auth'
GREP_PAT='pairing\|1008\|token\|auth'
# Every category: by default a line that is only `handshake` and tied to no cause is
# left out, but the generator counts it as an event line.
ALL_CATEGORIES=pairing,close_1008,token,auth,scope,handshake,dm_pairing,exec_approvals,config,proxy

say() { printf '%s\n' "$*" >&2; }
die() {
	say "bench.sh: error: $*"
	exit 2
}
trap 'say "bench.sh: failed at line $LINENO: $BASH_COMMAND"' ERR

# --- settings ------------------------------------------------------------------------
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive whole number of runs, not '$N'"
[[ $PIPE == 0 || $PIPE == 1 ]] || die "PIPE must be 0 or 1, not '$PIPE'"
is_density() { [[ $1 =~ ^(0(\.[0-9]+)?|1(\.0+)?|\.[0-9]+)$ ]]; }
is_size() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?([KkMmGg]([Ii]?[Bb])?)?$ ]]; }
is_density "$DENSITY" || die "DENSITY must be a fraction between 0 and 1 (e.g. 0.01), not '$DENSITY'"
for d in $DENSE; do
	is_density "$d" || die "DENSE must list fractions between 0 and 1 (e.g. \"0.10 0.50\"), not '$d'"
done
is_size "$SIZE" || die "SIZE must be a size such as 256M or 1G, not '$SIZE'"
is_size "$DENSE_SIZE" || die "DENSE_SIZE must be a size such as 256M or 1G, not '$DENSE_SIZE'"
read -r -a CS_ARGS <<<"$CLAWSCAN_ARGS"

# --- tools -----------------------------------------------------------------------------
command -v cargo >/dev/null || die "cargo is missing: install Rust from https://rustup.rs"
command -v "$RG" >/dev/null ||
	die "ripgrep ($RG) is missing: apt-get install ripgrep (or, for the newest, cargo install --locked ripgrep)"
HAVE_GREP=1
command -v "$GREP" >/dev/null || {
	HAVE_GREP=0
	say "note: grep ($GREP) is missing (apt-get install grep); skipping its rows"
}
HAVE_HYPERFINE=1
command -v "$HYPERFINE" >/dev/null || {
	HAVE_HYPERFINE=0
	say "note: hyperfine is missing (apt-get install hyperfine); timing with bash's time in a loop instead"
}
HAVE_TIME=1
{ [[ -x $GNU_TIME ]] && "$GNU_TIME" -f %M true >/dev/null 2>&1; } || {
	HAVE_TIME=0
	say "note: GNU time is missing (apt-get install time); the peak-RSS column says -"
}

# --- build -----------------------------------------------------------------------------
if [[ -n $CLAWSCAN ]]; then
	BIN=$CLAWSCAN
	[[ -x $BIN ]] || BIN=$(command -v "$CLAWSCAN" || true)
	[[ -n $BIN && -x $BIN ]] || die "CLAWSCAN=$CLAWSCAN is not an executable"
	say "building gen-corpus (release); measuring $BIN…"
	(cd "$ROOT" && cargo build --quiet --release --example gen-corpus) || die "the build failed"
else
	BIN=$TARGET/release/clawscan
	say "building clawscan and gen-corpus (release)…"
	(cd "$ROOT" && cargo build --quiet --release --bin clawscan --example gen-corpus) ||
		die "the build failed"
fi
[[ -x $GEN ]] || die "the generator was not built at $GEN (is CARGO_TARGET_DIR the same for cargo?)"
mkdir -p "$CORPUS_DIR" "$OUT_DIR" || die "cannot create $CORPUS_DIR"

# --- corpora ---------------------------------------------------------------------------
# A changed generator makes a different corpus: key the cache by its source too.
GEN_SUM=$(cksum <"$ROOT/examples/gen-corpus.rs" | cut -d' ' -f1)

# corpus SIZE DENSITY → prints the corpus path; generates it unless cached. The
# generator's last line (`events=N lines=L bytes=B grep_ordinary=G grep_events=H`) is
# kept next to it as FILE.events.
corpus() {
	local size=$1 density=$2
	local f=$CORPUS_DIR/$FORMAT-$size-d$density-s$SEED-g$GEN_SUM.log
	if [[ ! -s $f || ! -s $f.events ]]; then
		say "generating $f…"
		if ! "$GEN" --size "$size" --density "$density" --seed "$SEED" --format "$FORMAT" \
			--out "$f.tmp" 2>"$f.gen"; then
			cat "$f.gen" >&2
			rm -f "$f.tmp"
			die "gen-corpus failed (size $size, density $density, format $FORMAT)"
		fi
		grep '^events=' "$f.gen" >"$f.events" || die "gen-corpus printed no events= line (see $f.gen)"
		mv "$f.tmp" "$f"
	fi
	printf '%s\n' "$f"
}

field() { # field NAME FILE.events → the value of NAME=… on the generator's line
	local v
	v=$(awk -v k="$1" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$2")
	[[ -n $v ]] || die "no $1= in $2: delete it to regenerate the corpus"
	printf '%s\n' "$v"
}

warm() {
	# Read it twice: the second pass is what the page cache kept.
	cat "$1" >/dev/null
	cat "$1" >/dev/null
}

# --- arithmetic and formatting ---------------------------------------------------------------
calc() { awk "BEGIN { $1 }" </dev/null; }
mib() { calc "printf \"%.1f\", $1 / 1048576"; }
kib_mib() { # kib_mib KIB → MiB, or "-" for an unknown figure
	if [[ $1 =~ ^[0-9]+$ ]]; then mib "$1 * 1024"; else printf -- '-'; fi
}
mibs() { # mibs BYTES SECONDS
	calc "if ($2 > 0) printf \"%.1f\", $1 / 1048576 / $2; else printf \"-\""
}
ratio() { # ratio A_SECONDS B_SECONDS → B/A: A's throughput relative to B's
	[[ -n $1 && -n $2 ]] || {
		printf -- '-'
		return
	}
	calc "if ($1 > 0 && $2 > 0) printf \"%.2f\", $2 / $1; else printf \"-\""
}
us_per() { # us_per SECONDS COUNT → µs per item
	[[ -n $1 && $2 -gt 0 ]] || {
		printf -- '-'
		return
	}
	calc "printf \"%.2f\", $1 * 1e6 / $2"
}
sub() { calc "printf \"%.6f\", $1 - $2"; }
thousands() { printf "%'d" "$1" 2>/dev/null || printf '%d' "$1"; }
at_least() { # at_least VALUE TARGET → the verdict of a higher-is-better figure
	calc "v = \"$1\"; if (v == \"-\" || v == \"\") print \"\"; else if (v + 0 >= $2) print \"met\"; else printf \"MISSED by %.0f %%\n\", (1 - v / $2) * 100"
}
at_most() { # at_most VALUE TARGET → the verdict of a lower-is-better figure
	calc "v = \"$1\"; if (v == \"-\" || v == \"\") print \"\"; else if (v + 0 <= $2) print \"met\"; else printf \"MISSED (%.2f× the target)\n\", v / $2"
}
rule() { printf '  %s\n' "$(printf -- '-%.0s' $(seq 1 "$1"))"; }

# --- timing ----------------------------------------------------------------------------------
# median_of TIMES… → the median (mean of the middle two for an even count).
median_of() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
		if (NR % 2) printf "%.6f", a[(NR + 1) / 2]; else printf "%.6f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# probe NAME CMD: runs CMD (a bash command line) once, the warm-up run, and stops the
# script if it fails. Exit 0 and 1 are both success: grep-like tools (clawscan too)
# exit 1 when nothing matched.
probe() {
	local name=$1 cmd=$2 rc=0
	bash -c "$cmd" 2>"$OUT_DIR/probe.err" || rc=$?
	if ((rc > 1)); then
		cat "$OUT_DIR/probe.err" >&2
		die "'$name' failed (exit $rc): $cmd"
	fi
}

# time_cmd NAME CMD → "WALL CPU": the median wall time of CMD (a bash command line) and
# its CPU time (user + sys; hyperfine's mean), in seconds.
time_cmd() {
	local name=$1 cmd=$2
	say "timing: $name ($N runs)"
	probe "$name" "$cmd"
	if ((HAVE_HYPERFINE)); then
		local csv=$OUT_DIR/hyperfine.csv
		# The command's name in the CSV is a plain word: a label could hold commas.
		"$HYPERFINE" --style none --shell bash --ignore-failure --runs "$N" \
			--command-name timed --export-csv "$csv" "$cmd" >/dev/null ||
			die "hyperfine failed on '$name': $cmd"
		# Columns: command,mean,stddev,median,user,system,min,max.
		awk -F, 'NR == 2 { printf "%.6f %.6f", $4, $5 + $6 }' "$csv"
	else
		local i tf=$OUT_DIR/times.txt walls=() cpus=() w u s TIMEFORMAT='%3R %3U %3S'
		: >"$tf"
		for ((i = 0; i < N; i++)); do
			{ time bash -c "$cmd" >/dev/null 2>&1 || true; } 2>>"$tf"
		done
		while read -r w u s; do
			walls+=("$w")
			cpus+=("$(calc "printf \"%.6f\", $u + $s")")
		done <"$tf"
		printf '%s %s' "$(median_of "${walls[@]}")" "$(median_of "${cpus[@]}")"
	fi
}

# rss_kib MODE FILE OUT ARGV… → the peak RSS in KiB of ARGV reading FILE as MODE says
# (file: FILE is its last argument; stdin: redirected from FILE; pipe: `cat FILE |`),
# "-" without GNU time. ARGV runs directly, not under a shell, so the figure is its own.
rss_kib() {
	local mode=$1 f=$2 out=$3 tf=$OUT_DIR/rss.txt
	shift 3
	((HAVE_TIME)) || {
		printf -- '-'
		return
	}
	case $mode in
	file) "$GNU_TIME" -f %M -o "$tf" "$@" "$f" >"$out" 2>/dev/null || true ;;
	stdin) "$GNU_TIME" -f %M -o "$tf" "$@" <"$f" >"$out" 2>/dev/null || true ;;
	pipe)
		# shellcheck disable=SC2002 # the pipe is what this mode measures
		cat "$f" | "$GNU_TIME" -f %M -o "$tf" "$@" >"$out" 2>/dev/null || true ;;
	esac
	# The last line: GNU time writes "Command exited with non-zero status" first.
	tail -n 1 "$tf"
}

# --- the tools ---------------------------------------------------------------------------------
# Each row of a corpus's table: KEY, label and argv (without the input).
TOOLS=(cs csc rg)
((HAVE_GREP)) && TOOLS+=(grep)
TOOLS+=(wc)
MODES=(file stdin)
((PIPE)) && MODES+=(pipe)

tool_argv() { # tool_argv KEY → sets ARGV
	case $1 in
	cs) ARGV=("$BIN" "${CS_ARGS[@]}") ;;
	csc) ARGV=("$BIN" "${CS_ARGS[@]}" -c) ;;
	rg) ARGV=("$RG" -i "$RG_PAT") ;;
	grep) ARGV=("$GREP" -i "$GREP_PAT") ;;
	wc) ARGV=(wc -l) ;;
	esac
}

tool_label() { # tool_label KEY MODE
	local t
	case $1 in
	cs) t="clawscan${CLAWSCAN_ARGS:+ $CLAWSCAN_ARGS}" ;;
	csc) t="clawscan${CLAWSCAN_ARGS:+ $CLAWSCAN_ARGS} -c" ;;
	rg) t="rg -i '$RG_PAT'" ;;
	grep) t="grep -i '$GREP_PAT'" ;;
	wc) t="wc -l" ;;
	esac
	case $2 in
	file) printf '%s FILE' "$t" ;;
	stdin) printf '%s < FILE' "$t" ;;
	pipe) printf 'cat FILE | %s' "$t" ;;
	esac
}

# command_line MODE FILE OUT → the bash command line of ARGV (set by tool_argv).
command_line() {
	local argv
	argv=$(printf '%q ' "${ARGV[@]}")
	case $1 in
	file) printf '%s%q > %q' "$argv" "$2" "$3" ;;
	stdin) printf '%s< %q > %q' "$argv" "$2" "$3" ;;
	pipe) printf 'cat %q | %s> %q' "$2" "$argv" "$3" ;;
	esac
}

# --- header ------------------------------------------------------------------------------------
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
[[ -n $cpu ]] || cpu=$(lscpu 2>/dev/null | awk -F': *' '/Model name/ { print $2; exit }' || true)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)

echo "clawscan benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "  machine:   $(uname -srm), $(nproc) CPUs ($cpu), $mem RAM"
# Other work on the machine skews every figure; say how busy it was.
echo "  load:      $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) (1, 5, 15 min) at start"
echo "  clawscan:  $("$BIN" --version) ($BIN)${CLAWSCAN_ARGS:+, arguments $CLAWSCAN_ARGS}"
echo "  ripgrep:   $("$RG" --version | head -1) ($(command -v "$RG"))"
((HAVE_GREP)) && echo "  grep:      $("$GREP" --version | head -1), locale ${LC_ALL:-${LANG:-C}}"
if ((HAVE_HYPERFINE)); then
	echo "  timing:    $("$HYPERFINE" --version), $N runs + 1 warm-up: median wall time, mean CPU (user + sys)"
else
	echo "  timing:    bash's time in a loop, $N runs + 1 warm-up: median wall time, median CPU (user + sys)"
fi
((HAVE_TIME)) && echo "  RSS:       GNU time (%M), one more run of each command"
echo "  corpora:   $FORMAT, seed $SEED: $SIZE at density $DENSITY${DENSE:+; $DENSE_SIZE at $DENSE}"
echo "  output:    every command writes to a file in $OUT_DIR; page cache warmed"
echo

# --- one corpus --------------------------------------------------------------------------------
FAILED=0
declare -A T R         # T[tool.mode] = "wall cpu", R[tool.mode] = peak RSS KiB
SUMMARY=()             # one line per corpus for the summary table
CORPORA=()

bench_corpus() { # bench_corpus SIZE DENSITY
	local size=$1 density=$2 f ev bytes lines events gord gev got
	f=$(corpus "$size" "$density")
	CORPORA+=("$f")
	ev=$f.events
	bytes=$(field bytes "$ev")
	lines=$(field lines "$ev")
	events=$(field events "$ev")
	gord=$(field grep_ordinary "$ev")
	gev=$(field grep_events "$ev")
	local avail_kib
	avail_kib=$(awk '/^MemAvailable/ { print $2 }' /proc/meminfo 2>/dev/null || echo 0)
	if ((avail_kib > 0 && bytes * 2 / 1024 > avail_kib)); then
		say "warning: the corpus ($bytes bytes) is close to the available memory; the page cache may not hold it"
	fi

	say "checking $f…"
	got=$({ "$BIN" --category "$ALL_CATEGORIES" "$f" || (($? == 1)); } | wc -l) ||
		die "clawscan failed on $f"
	local check
	check="clawscan --category <all> finds $(thousands "$got") = the generator's event lines ✓"
	if [[ $got != "$events" ]]; then
		check="MISMATCH: clawscan --category <all> finds $(thousands "$got"), the generator wrote $(thousands "$events") event lines"
		FAILED=1
	fi

	warm "$f"
	T=()
	R=()
	local tool mode out
	for mode in "${MODES[@]}"; do
		for tool in "${TOOLS[@]}"; do
			tool_argv "$tool"
			out=$OUT_DIR/$tool.$mode.out
			T[$tool.$mode]=$(time_cmd "$(tool_label "$tool" "$mode") (density $density)" \
				"$(command_line "$mode" "$f" "$out")")
			R[$tool.$mode]=$(rss_kib "$mode" "$f" "$out" "${ARGV[@]}")
		done
	done

	# What the timed commands wrote (the RSS run's output is the same command's).
	# A stream is diagnosed as it arrives (a handshake-only line is kept only when the
	# lines before it tie it to a cause; the version known so far picks the hints), a
	# file with all its lines known: a pipe may keep fewer records. Each mode's cost
	# per record is divided by its own count.
	local records rg_lines ndjson grep_lines="" m
	local -A NREC=()
	for m in "${MODES[@]}"; do
		NREC[$m]=$(wc -l <"$OUT_DIR/cs.$m.out")
	done
	records=${NREC[file]}
	ndjson=$(wc -c <"$OUT_DIR/cs.file.out")
	rg_lines=$(wc -l <"$OUT_DIR/rg.file.out")
	((HAVE_GREP)) && grep_lines=$(wc -l <"$OUT_DIR/grep.file.out")
	local streams=""
	for m in stdin pipe; do
		[[ -n ${NREC[$m]:-} ]] || continue
		streams+=", $(thousands "${NREC[$m]}") from $([[ $m == stdin ]] && echo '< FILE' || echo 'cat FILE |')"
	done
	local words
	words="rg -i prints $(thousands "$rg_lines") lines = $(thousands "$gord") ordinary + $(thousands "$gev") event lines holding a word ✓"
	if ((rg_lines != gord + gev)); then
		words="MISMATCH: rg -i prints $(thousands "$rg_lines") lines, the generator counts $(thousands "$gord") ordinary + $(thousands "$gev") event lines holding a word"
		FAILED=1
	fi
	[[ -z $grep_lines || $grep_lines == "$rg_lines" ]] ||
		words+="; grep -i prints $(thousands "$grep_lines")"

	echo "== density $density: $(mib "$bytes") MiB, $(thousands "$lines") lines, $(thousands "$events") event lines =="
	echo "  corpus:     $f"
	echo "  check:      $check"
	echo "  grep words: $(thousands "$gord") of $(thousands $((lines - events))) ordinary lines" \
		"($(calc "printf \"%.1f\", 100 * $gord / ($lines - $events)") %) hold pairing|1008|token|auth"
	echo "              ($(calc "printf \"%.1f\", 100 * $rg_lines / $lines") % of all lines); $words"
	echo "  records:    clawscan FILE writes $(thousands "$records") records ($(mib "$ndjson") MiB of NDJSON)$streams"
	echo

	local wall cpu kib
	printf '  %-52s %9s %8s %8s %8s\n' "command (output to a file)" "median s" "MiB/s" "CPU s" "RSS MiB"
	rule 89
	for mode in "${MODES[@]}"; do
		for tool in "${TOOLS[@]}"; do
			read -r wall cpu <<<"${T[$tool.$mode]}"
			kib=${R[$tool.$mode]}
			printf '  %-52s %9.4f %8s %8.3f %8s\n' "$(tool_label "$tool" "$mode")" "$wall" \
				"$(mibs "$bytes" "$wall")" "$cpu" \
				"$(kib_mib "$kib")"
		done
	done
	echo

	# Ratios: clawscan's throughput over the other's; the targets of issues 21 (rg:
	# 1.0× at 1 %, 0.5× at 10 %) and 6 (grep 4×, wc -l 0.30×, at 1 %).
	local rg_target="" grep_target="" wc_target=""
	if calc "exit !($density <= 0.01)"; then
		rg_target=1.0 grep_target=4.0 wc_target=0.30
	elif calc "exit !($density <= 0.10)"; then
		rg_target=0.5
	fi
	ratio_row() { # ratio_row LABEL MINE OTHER TARGET
		local label=$1 mine=$2 other=$3 target=$4 cells=() worst="" r m
		for m in file stdin pipe; do
			r=-
			if [[ -n ${T[$mine.$m]:-} && -n ${T[$other.$m]:-} ]]; then
				r=$(ratio "${T[$mine.$m]%% *}" "${T[$other.$m]%% *}")
			fi
			if [[ $r != - ]]; then
				if [[ -z $worst ]] || calc "exit !($r < $worst)"; then
					worst=$r
				fi
			fi
			cells+=("$r")
		done
		printf '  %-32s %7s %7s %7s %8s  %s\n' "$label" "${cells[@]}" "${target:+>= $target}" \
			"$([[ -n $target ]] && at_least "$worst" "$target")"
	}
	printf '  %-32s %7s %7s %7s %8s  %s\n' "throughput, clawscan / other" "file" "stdin" "pipe" "target" "verdict (worst)"
	rule 89
	ratio_row "vs rg -i" cs rg "$rg_target"
	((HAVE_GREP)) && ratio_row "vs grep -i" cs grep "$grep_target"
	ratio_row "vs wc -l" cs wc "$wc_target"
	# The search alone: no records built or written.
	ratio_row "clawscan -c vs rg -i (search)" csc rg ""
	echo

	# The cost of a record: what writing records adds to `clawscan -c`, per record;
	# and all of clawscan's CPU time per record.
	local dwall=() dcpu=() tcpu=() cs_w cs_c c_w c_c
	for m in file stdin pipe; do
		if [[ -n ${T[cs.$m]:-} ]]; then
			read -r cs_w cs_c <<<"${T[cs.$m]}"
			read -r c_w c_c <<<"${T[csc.$m]}"
			dwall+=("$(us_per "$(sub "$cs_w" "$c_w")" "${NREC[$m]}")")
			dcpu+=("$(us_per "$(sub "$cs_c" "$c_c")" "${NREC[$m]}")")
			tcpu+=("$(us_per "$cs_c" "${NREC[$m]}")")
		else
			dwall+=(-)
			dcpu+=(-)
			tcpu+=(-)
		fi
	done
	printf '  %-32s %7s %7s %7s %8s  %s\n' "µs per record" "file" "stdin" "pipe" "target" "verdict (file)"
	rule 89
	printf '  %-32s %7s %7s %7s\n' "records written (n)" "$(thousands "$records")" \
		"$([[ -n ${NREC[stdin]:-} ]] && thousands "${NREC[stdin]}")" \
		"$([[ -n ${NREC[pipe]:-} ]] && thousands "${NREC[pipe]}" || echo -)"
	printf '  %-32s %7s %7s %7s\n' "wall, (clawscan − clawscan -c)/n" "${dwall[@]}"
	local cpu_verdict
	cpu_verdict=$(at_most "${dcpu[0]}" 2)
	# Below zero, the difference is lost in the noise (a busy machine, too few runs).
	[[ ${dcpu[0]} != -* ]] || cpu_verdict="noise: -c took longer (raise N or SIZE)"
	printf '  %-32s %7s %7s %7s %8s  %s\n' "CPU, (clawscan − clawscan -c)/n" "${dcpu[@]}" "<= 2" "$cpu_verdict"
	printf '  %-32s %7s %7s %7s\n' "CPU, all of clawscan's / n" "${tcpu[@]}"
	echo

	# Peak RSS targets (issue 21): a stdin stream < 16 MiB at any size, a file < 32 MiB.
	local rf=${R[cs.file]} rs=${R[cs.stdin]} rp=${R[cs.pipe]:--}
	if [[ $rf != - ]]; then
		# A stream's figure is the larger of stdin and the pipe.
		local stream=$rs
		[[ $rp == - ]] || ((rp <= rs)) || stream=$rp
		echo "  peak RSS, clawscan: file $(mib "$rf * 1024") MiB (target < 32: $(at_most "$(mib "$rf * 1024")" 32))," \
			"stdin $(mib "$rs * 1024") MiB, pipe $(kib_mib "$rp") MiB" \
			"(target < 16: $(at_most "$(mib "$stream * 1024")" 16))"
		echo
	fi

	# density MiB records | file MiB/s ×rg | stdin MiB/s ×rg | pipe ×rg | µs wall, CPU | RSS file, stdin
	local w_f w_s
	w_f=${T[cs.file]%% *}
	w_s=${T[cs.stdin]%% *}
	SUMMARY+=("$(printf '  %-8s %6s %8s %8s %5s %8s %5s %5s %7s %7s %6s %6s' "$density" "$(mib "$bytes")" \
		"$(thousands "$records")" "$(mibs "$bytes" "$w_f")" "$(ratio "$w_f" "${T[rg.file]%% *}")" \
		"$(mibs "$bytes" "$w_s")" "$(ratio "$w_s" "${T[rg.stdin]%% *}")" \
		"$([[ -n ${T[cs.pipe]:-} ]] && ratio "${T[cs.pipe]%% *}" "${T[rg.pipe]%% *}" || echo -)" \
		"${dwall[0]}" "${dcpu[0]}" \
		"$(kib_mib "$rf")" "$(kib_mib "$rs")")")
}

bench_corpus "$SIZE" "$DENSITY"
for d in $DENSE; do
	bench_corpus "$DENSE_SIZE" "$d"
done

echo "== summary: clawscan writing records; ×rg = its throughput / rg -i's; µs per record = (clawscan − clawscan -c)/records, file =="
printf '  %-8s %6s %8s %8s %5s %8s %5s %5s %7s %7s %6s %6s\n' "density" "MiB" "records" "file" "×rg" \
	"stdin" "×rg" "pipe" "µs wall" "µs CPU" "RSS f" "RSS s"
printf '  %-8s %6s %8s %8s %5s %8s %5s %5s %7s %7s %6s %6s\n' "" "" "" "MiB/s" "" "MiB/s" "" "×rg" "" "" "MiB" "MiB"
rule 94
printf '%s\n' "${SUMMARY[@]}"
echo "  targets: ×rg >= 1.0 at 1 %, >= 0.5 at 10 %; <= 2 µs CPU per record; RSS < 32 MiB (file), < 16 MiB (stdin)"
echo
echo "To show a change keeps the records byte for byte on these corpora:"
echo "  scripts/compare-outputs.sh OLD_CLAWSCAN NEW_CLAWSCAN ${CORPORA[*]}"

if ((FAILED)); then
	say "bench.sh: a check failed (MISMATCH above): the figures may not compare"
	exit 1
fi
