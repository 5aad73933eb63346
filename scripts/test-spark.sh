#!/usr/bin/env bash
# test-spark.sh: runs scripts/spark_scan.py in Spark local mode (local[2]) over
# testdata/archive/ and checks with scripts/spark_check.py that its records, errors and
# summary equal clawscan run locally on the same tree. Two runs: local files given to
# clawscan by path (JSON and Parquet output), and read through Hadoop into temporary
# copies (--copy), as files on hdfs:// or s3a:// are.
#
# Needs Java 17 or newer and pyspark; installs pyspark with pip when it is missing.
# Without them it prints "test-spark.sh: SKIPPED: …" and exits 0 (never silently).
# Uses $CLAWSCAN if set, else builds the debug binary (already built by `cargo test`).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

skip() {
    echo "test-spark.sh: SKIPPED, the Spark test did not run: $*" >&2
    exit 0
}

command -v java >/dev/null || skip "no java on PATH (Spark needs Java 17: apt-get install openjdk-17-jre-headless)"
java_version=$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -1)
[ "${java_version%%.*}" -ge 17 ] 2>/dev/null || skip "java is version ${java_version:-unknown}; Spark needs Java 17 or newer"

python=$(command -v python3) || skip "no python3 on PATH"
if ! "$python" -c 'import pyspark' 2>/dev/null; then
    echo "test-spark.sh: pyspark missing; pip install pyspark"
    "$python" -m pip install --quiet pyspark || skip "pyspark is not installed and 'pip install pyspark' failed"
fi
spark_submit=$("$python" -c 'import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-submit"))')
export PYSPARK_PYTHON="$python" PYSPARK_DRIVER_PYTHON="$python"

if [ -z "${CLAWSCAN:-}" ]; then
    cargo build --quiet --locked
    CLAWSCAN="${CARGO_TARGET_DIR:-target}/debug/clawscan"
fi
# Spark's executors would only say that the job failed.
[ -x "$CLAWSCAN" ] || { echo "test-spark.sh: no clawscan binary at $CLAWSCAN" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
key=spark-test
hosts='^testdata/archive/([^/]+)/'

# run NAME [spark_scan.py options]: one job over testdata/archive into $out/NAME.
run() {
    local name=$1
    shift
    local t=$SECONDS
    if ! "$spark_submit" --master 'local[2]' --conf spark.log.level=WARN \
        scripts/spark_scan.py --clawscan "$CLAWSCAN" --out "$out/$name" "$@" \
        testdata/archive -- --redact-key "$key" >"$out/$name.stdout" 2>"$out/$name.stderr"; then
        tail -40 "$out/$name.stderr" >&2
        echo "test-spark.sh: the job ($name) failed" >&2
        exit 1
    fi
    echo "== spark_scan.py $* testdata/archive: $((SECONDS - t)) s"
    cat "$out/$name.stdout"
}

run by-path --format both --host-pattern "$hosts"
run by-copy --copy --host-pattern "$hosts"

"$python" scripts/spark_check.py --clawscan "$CLAWSCAN" --redact-key "$key" \
    --host-pattern "$hosts" testdata/archive "$out/by-path" "$out/by-copy"
echo "test-spark.sh: ok ($((SECONDS - start)) s)"
