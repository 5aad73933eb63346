#!/usr/bin/env python3
"""Scan a fleet's archived OpenClaw gateway logs with clawscan on Apache Spark.

    spark-submit [spark options] scripts/spark_scan.py [--clawscan PATH] --out OUT \\
        INPUT... [-- CLAWSCAN-OPTION...]

INPUT is a file, a directory or a glob in any file system the cluster's Hadoop
configuration supports (a local path, file:/, hdfs://, s3a://). Directories are listed
recursively and keep the files clawscan itself would read in them (log names, see
src/read/walk.rs); files and glob matches are always read. Spark only distributes and
aggregates: every file is scanned by the clawscan binary on an executor, which decodes
gzip and zstd itself, so a file's records equal those of `clawscan FILE` run locally,
`source` being the path as `clawscan INPUT` prints it.

Local files (file:) are given to clawscan by path. Other files are read through
Hadoop (Spark's binaryFiles: one whole file per running task is held in the executor's
memory, at most 2 GiB), written to a local temporary file and scanned there.
Each file is scanned by its own clawscan run, so `cause` and `hint` are those of
`clawscan FILE`; see "Running at scale" in the README.

Output, in OUT (which must not exist yet):

    records/             the NDJSON records, as clawscan writes them (--format json)
    records.parquet/     the same records as Parquet, RECORD_SCHEMA (--format parquet)
    errors/              one JSON object per file that could not be read completely:
                         {"source", "message"} (clawscan's exit code 2, or a path that
                         does not exist); the file's records up to the error are kept
    summary/categories/  events per category        {"category", "events"}
    summary/causes/      events per cause           {"cause", "events"} (null: benign)
    summary/files/       every file scanned         {"source", "host", "exit_code",
                         "error", "events", "categories": {...}, "causes": {...}}
    summary/hosts/       the same per host, with --host-pattern
    summary/totals/      {"files", "errors", "events"}

An unreadable file does not fail the job: it is listed in errors/ (and on stderr), and
the job goes on, as `clawscan DIR` does. The job fails when clawscan cannot be run.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

try:
    from py4j.protocol import Py4JJavaError
    from pyspark import SparkFiles
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.types import (
        ArrayType,
        BooleanType,
        IntegerType,
        LongType,
        MapType,
        StringType,
        StructField,
        StructType,
    )
except ImportError:
    sys.exit(
        "spark_scan.py: needs pyspark (pip install pyspark) and Java 17; run it with spark-submit"
    )

# The record of docs/record-schema.md (version 1), in its key order. `meta` is any JSON
# object, so it is kept as its JSON text.
RECORD_SCHEMA = StructType(
    [
        StructField("v", IntegerType()),
        StructField("source", StringType()),
        StructField("line", LongType()),
        StructField("end_line", LongType()),
        StructField("offset", LongType()),
        StructField("ts", StringType()),
        StructField("ts_utc", StringType()),
        StructField("level", StringType()),
        StructField("subsystem", StringType()),
        StructField("categories", ArrayType(StringType())),
        StructField("code", IntegerType()),
        StructField("reason", StringType()),
        StructField("phase", StringType()),
        StructField("guidance", StringType()),
        StructField("suppressed", LongType()),
        StructField("conn", StringType()),
        StructField("remote", StringType()),
        StructField("device", StringType()),
        StructField("role", StringType()),
        StructField("scopes", ArrayType(StringType())),
        StructField("request_id", StringType()),
        StructField("client", StringType()),
        StructField("client_version", StringType()),
        StructField("kv", MapType(StringType(), StringType())),
        StructField("meta", StringType()),
        StructField("message", StringType()),
        StructField("text", StringType()),
        StructField("truncated", BooleanType()),
        StructField("lossy", BooleanType()),
        StructField("cause", StringType()),
        StructField("hint", StringType()),
    ]
)

# The fields the summary counts.
SUMMARY_FIELDS = ["source", "categories", "cause"]

# What the scan of one file yields: its records, then one status row (record null).
SCAN_SCHEMA = StructType(
    [
        StructField("source", StringType(), False),
        StructField("record", StringType()),
        StructField("exit_code", IntegerType()),
        StructField("error", StringType()),
    ]
)

# clawscan options the job sets itself or that change what clawscan prints.
REFUSED_OPTIONS = {
    "-c": "the job counts (see summary/)",
    "--count": "the job counts (see summary/)",
    "-q": "the job needs the records",
    "--quiet": "the job needs the records",
    "--summary": "use `clawscan diagnose` on the records' files",
    "-j": "the job runs clawscan with -j spark.task.cpus",
    "--threads": "the job runs clawscan with -j spark.task.cpus",
    "--glob": "name the files with a glob in INPUT instead",
}

GLOB_CHARS = set("*?[]{}\\")

# The categories in the order docs/record-schema.md (and `clawscan -c`) lists them.
CATEGORIES = [
    "pairing",
    "close_1008",
    "token",
    "auth",
    "scope",
    "handshake",
    "dm_pairing",
    "exec_approvals",
    "config",
]


@dataclass(frozen=True)
class FileTask:
    """One file to scan: where Spark reads it, and the name records carry."""

    uri: str  # the fully qualified Hadoop path (file:/…, hdfs://…)
    local_path: str | None  # the path on the executor's disk, for file: URIs
    source: str  # `source` of its records: the path as `clawscan INPUT` prints it
    size: int  # bytes, to start the largest files first


# ---------------------------------------------------------------------------
# Listing (driver): Hadoop's FileSystem through the JVM gateway.


def is_log_name(name: str) -> bool:
    """Whether clawscan reads a file of this name found in a directory.

    Mirrors `is_log_name` in src/read/logs.rs: `*.log` or `*.jsonl`, optionally rotated
    (`.1`, `-20260411`, `.2026-04-11_0930`), optionally `.gz`/`.zst`/`.zstd`; any case.
    """
    s = name.lower()
    for ext in (".gz", ".zst", ".zstd"):
        if s.endswith(ext):
            s = s[: -len(ext)]
            break
    for ext in (".log", ".jsonl"):
        i = s.rfind(ext)
        if i >= 0 and is_rotation_suffix(s[i + len(ext) :]):
            return True
    return False


def is_rotation_suffix(rest: str) -> bool:
    """Nothing, or a separator, a digit, then digits and separators (`.1`, `-20260411`)."""
    digits, separators = "0123456789", ".-_"
    return rest == "" or (
        len(rest) >= 2
        and rest[0] in separators
        and rest[1] in digits
        and all(c in digits or c in separators for c in rest[2:])
    )


def join(base: str, rel: str) -> str:
    """`base/rel` as Rust's Path::join writes it (no second `/` after a trailing one)."""
    return base + rel if base.endswith("/") else f"{base}/{rel}"


def display_name(arg: str, qualified: str, uri_path: str, working_dir: str) -> str:
    """The name a local run gives a glob match: a URI if INPUT had a scheme, else the
    path, relative to the working directory if INPUT was relative."""
    if ":" in arg.split("/", 1)[0]:
        return qualified
    if not arg.startswith("/") and uri_path.startswith(working_dir + "/"):
        return uri_path[len(working_dir) + 1 :]
    return uri_path


class Lister:
    """Expands INPUT arguments into files with Hadoop's FileSystem API."""

    def __init__(self, spark: SparkSession) -> None:
        self.jvm = spark.sparkContext._jvm
        self.conf = spark.sparkContext._jsc.hadoopConfiguration()
        self.errors: list[tuple[str, str]] = []  # (source, message)

    def expand(self, args: Iterable[str]) -> list[FileTask]:
        """Files for every argument, in order; what cannot be listed goes to errors."""
        tasks: list[FileTask] = []
        for arg in args:
            try:
                tasks.extend(self.expand_one(arg))
            except Py4JJavaError as e:  # e.g. access denied: reported like a missing path
                self.errors.append((arg, str(e.java_exception.toString())))
        return tasks

    def expand_one(self, arg: str) -> list[FileTask]:
        """The files of one argument (a file, a directory or a glob)."""
        path = self.jvm.org.apache.hadoop.fs.Path(arg)
        fs = path.getFileSystem(self.conf)
        matches = fs.globStatus(path)
        if not matches:
            self.errors.append((arg, "no such file or directory"))
            return []
        working_dir = fs.getWorkingDirectory().toUri().getPath()
        is_glob = any(c in GLOB_CHARS for c in arg)
        tasks = []
        for status in matches:
            qualified = status.getPath().toString()
            name = (
                display_name(arg, qualified, status.getPath().toUri().getPath(), working_dir)
                if is_glob
                else arg
            )
            if not status.isDirectory():
                tasks.append(self.task(status, name))
                continue
            files = fs.listFiles(status.getPath(), True)  # recursive
            while files.hasNext():
                file = files.next()
                if is_log_name(file.getPath().getName()):
                    rel = file.getPath().toString()[len(qualified) :].lstrip("/")
                    tasks.append(self.task(file, join(name, rel)))
        return tasks

    @staticmethod
    def task(status, source: str) -> FileTask:  # status: org.apache.hadoop.fs.FileStatus
        uri = status.getPath().toUri()
        local = uri.getPath() if uri.getScheme() == "file" else None
        return FileTask(status.getPath().toString(), local, source, status.getLen())


# ---------------------------------------------------------------------------
# Scanning (executors).


@dataclass(frozen=True)
class Scanner:
    """How executors run clawscan: the binary's name and the options of every run."""

    binary: str  # a file name shipped with SparkFiles, or a command on PATH
    options: tuple[str, ...]

    def command(self) -> list[str]:
        """The clawscan command line (without the path), found on this executor."""
        shipped = SparkFiles.get(os.path.basename(self.binary))
        if os.path.isfile(shipped):
            if not os.access(shipped, os.X_OK):
                os.chmod(shipped, 0o755)
            return [shipped, *self.options]
        on_path = shutil.which(self.binary)
        if on_path:
            return [on_path, *self.options]
        raise RuntimeError(
            f"clawscan binary {self.binary!r} not found on executor {os.uname().nodename}: "
            "pass --clawscan PATH, ship it with spark-submit --files PATH, "
            "or install it on the executors' PATH"
        )

    def scan(self, local_path: str, source: str) -> Iterator[tuple]:
        """Runs clawscan on one local file: its records with `source` set, then a
        status row (exit code, and the error clawscan reported for exit code 2)."""
        # clawscan writes `{"v":1,"source":<local_path>,…`: only `source` changes.
        given = '{"v":1,"source":' + json.dumps(local_path, ensure_ascii=False) + ","
        wanted = '{"v":1,"source":' + json.dumps(source, ensure_ascii=False) + ","
        with tempfile.TemporaryFile() as err:
            command = [*self.command(), "--", local_path]
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err)
            try:
                for raw in proc.stdout:
                    line = raw.decode("utf-8").rstrip("\n")
                    yield (source, with_source(line, given, wanted, source), None, None)
                code = proc.wait()
            finally:
                if proc.poll() is None:  # the task was cancelled
                    proc.kill()
                    proc.wait()
            err.seek(0)
            message = err.read().decode("utf-8", "replace").strip()
        if code in (0, 1):
            yield (source, None, code, None)
            return
        prefix = f"clawscan: {local_path}: "
        lines = [m.removeprefix(prefix) for m in message.splitlines()]
        yield (source, None, code, "; ".join(lines) or f"clawscan exited with code {code}")

    def scan_paths(self, tasks: Iterable[FileTask]) -> Iterator[tuple]:
        """Scans files the executor can open by path (file: URIs)."""
        for task in tasks:
            yield from self.scan(task.local_path, task.source)

    def scan_contents(
        self, files: Iterable[tuple[str, bytes]], sources: dict[str, list[str]]
    ) -> Iterator[tuple]:
        """Scans the (uri, content) pairs of binaryFiles through a temporary local copy
        each, once for each name the file was given."""
        for uri, content in files:
            with tempfile.NamedTemporaryFile(prefix="clawscan-", suffix=".input") as copy:
                copy.write(content)
                copy.flush()
                del content  # only the copy is needed now
                for source in sources[uri]:
                    yield from self.scan(copy.name, source)


def with_source(line: str, given: str, wanted: str, source: str) -> str:
    """The record `line` with `source` set: its start `given` replaced by `wanted`, or,
    should the path be escaped otherwise, the record parsed and written again."""
    if line.startswith(given):
        return wanted + line[len(given) :]
    record = json.loads(line)
    record["source"] = source
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def hadoop_input_path(uri: str) -> str:
    """`uri` as one entry of the comma-separated glob list that binaryFiles reads: glob
    characters escaped with `\\`, and a comma as `{\\,}` (a one-choice group, inside
    which Hadoop does not split the list)."""
    escapes = {c: "\\" + c for c in GLOB_CHARS} | {",": "{\\,}"}
    return "".join(escapes.get(c, c) for c in uri)


def scan_files(
    spark: SparkSession, scanner: Scanner, tasks: list[FileTask], copy: bool, partitions: int | None
) -> DataFrame:
    """Scans every file on the executors: a DataFrame of SCAN_SCHEMA rows."""
    sc = spark.sparkContext
    tasks = sorted(tasks, key=lambda t: -t.size)  # the largest first: less waiting at the end
    by_path = [t for t in tasks if t.local_path is not None and not copy]
    by_copy = [t for t in tasks if t.local_path is None or copy]
    rdds = []
    if by_path:
        n = partitions or len(by_path)
        rdds.append(sc.parallelize(by_path, n).mapPartitions(scanner.scan_paths))
    if by_copy:
        sources: dict[str, list[str]] = {}  # a file named twice is scanned twice, as locally
        for t in by_copy:
            sources.setdefault(t.uri, []).append(t.source)
        paths = ",".join(hadoop_input_path(uri) for uri in sources)
        contents = sc.binaryFiles(paths, minPartitions=partitions or len(sources))
        rdds.append(contents.mapPartitions(lambda files: scanner.scan_contents(files, sources)))
    if not rdds:
        return spark.createDataFrame([], SCAN_SCHEMA)
    return spark.createDataFrame(sc.union(rdds), SCAN_SCHEMA, verifySchema=False)


# ---------------------------------------------------------------------------
# Output and summary.


def value_counts(rows: DataFrame, keys: list[str], name: str) -> DataFrame:
    """Per group of `keys`, a map from each `value` to the number of its rows."""
    counts = rows.groupBy(*keys, "value").count()
    entries = F.array_sort(F.collect_list(F.struct("value", "count")))
    return counts.groupBy(*keys).agg(F.map_from_entries(entries).alias(name))


def counts_by(records: DataFrame, keys: list[str]) -> DataFrame:
    """Per group of `keys`: events, events per category, events per cause."""
    events = records.groupBy(*keys).agg(F.count("*").alias("events"))
    categories = value_counts(
        records.select(*keys, F.explode("categories").alias("value")), keys, "categories"
    )
    causes = value_counts(
        records.select(*keys, F.coalesce("cause", F.lit("null")).alias("value")), keys, "causes"
    )
    return events.join(categories, keys, "left").join(causes, keys, "left")


def fill_counts(df: DataFrame) -> DataFrame:
    """Zero events and empty maps for groups without records."""
    empty = F.create_map().cast(MapType(StringType(), LongType()))
    return (
        df.fillna(0, ["events"])
        .withColumn("categories", F.coalesce("categories", empty))
        .withColumn("causes", F.coalesce("causes", empty))
    )


def parse(raw: DataFrame, fields: list[str]) -> DataFrame:
    """The given fields of the records (JSON text in column `record`), with their types
    from RECORD_SCHEMA; a record that is not valid JSON fails the job."""
    schema = StructType([RECORD_SCHEMA[name] for name in fields])
    return raw.select(F.from_json("record", schema, {"mode": "FAILFAST"}).alias("r")).select("r.*")


def write_json(df: DataFrame, path: str) -> None:
    """One JSON-lines file (the tables are small), nulls written as null."""
    df.coalesce(1).write.option("ignoreNullFields", "false").json(path)


@dataclass
class Totals:
    """What the driver prints at the end."""

    files: int
    events: int
    categories: dict[str, int]
    errors: list[tuple[str, str]]  # (source, message)


def write_outputs(
    spark: SparkSession,
    scan: DataFrame,
    listing_errors: list[tuple[str, str]],
    out: str,
    fmt: str,
    host_pattern: str | None,
) -> Totals:
    """Writes the records, the errors and the summary into `out`."""
    raw = scan.where(F.col("record").isNotNull()).select("record")
    if fmt in ("json", "both"):
        raw.write.text(f"{out}/records")
    if fmt in ("parquet", "both"):
        parse(raw, RECORD_SCHEMA.fieldNames()).write.parquet(f"{out}/records.parquet")

    if host_pattern:
        host = F.regexp_extract("source", host_pattern, 1)
    else:
        host = F.lit(None).cast(StringType())
    not_listed = spark.createDataFrame(
        [(source, 2, message) for source, message in listing_errors],
        "source string, exit_code int, error string",
    )
    files = (
        scan.where(F.col("record").isNull())
        .select("source", "exit_code", "error")
        .unionByName(not_listed)
        .withColumn("host", host)
        .persist()
    )
    errors = files.where(F.col("error").isNotNull()).select(
        "source", F.col("error").alias("message")
    )
    write_json(errors.orderBy("source"), f"{out}/errors")

    # The summary reads these fields several times: parse them once.
    counted = parse(raw, SUMMARY_FIELDS).withColumn("host", host).persist()
    summary = f"{out}/summary"
    category = F.explode("categories").alias("category")
    categories = counted.select(category).groupBy("category").agg(F.count("*").alias("events"))
    write_json(categories.orderBy("category"), f"{summary}/categories")
    causes = counted.groupBy("cause").agg(F.count("*").alias("events"))
    write_json(causes.orderBy("cause"), f"{summary}/causes")
    by_file = files.join(counts_by(counted, ["source"]), "source", "left")
    write_json(fill_counts(by_file).orderBy("source"), f"{summary}/files")
    if host_pattern:
        hosts = files.groupBy("host").agg(
            F.count("*").alias("files"), F.count("error").alias("errors")
        )
        by_host = hosts.join(counts_by(counted, ["host"]), "host", "left")
        write_json(fill_counts(by_host).orderBy("host"), f"{summary}/hosts")

    totals = Totals(
        files=files.count(),
        events=counted.count(),
        categories={r["category"]: r["events"] for r in categories.collect()},
        errors=[(r["source"], r["message"]) for r in errors.orderBy("source").collect()],
    )
    write_json(
        spark.createDataFrame(
            [(totals.files, len(totals.errors), totals.events)],
            "files long, errors long, events long",
        ),
        f"{summary}/totals",
    )
    counted.unpersist()
    files.unpersist()
    return totals


# ---------------------------------------------------------------------------
# Driver.


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The job's options, and the clawscan options after `--`."""
    parser = argparse.ArgumentParser(
        prog="spark_scan.py",
        description="Scan OpenClaw gateway logs with clawscan on Spark (see the module docstring).",
        epilog="Options after -- go to every clawscan run, e.g. -- --since 7d --category pairing.",
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="file, directory or glob (local, hdfs://, s3a://, …)",
    )
    parser.add_argument("--out", required=True, help="output directory (must not exist)")
    parser.add_argument(
        "--clawscan",
        metavar="PATH",
        help="the clawscan binary to ship to the executors (default: one shipped with "
        "spark-submit --files …/clawscan, else `clawscan` on the executors' PATH)",
    )
    parser.add_argument(
        "--format",
        choices=["json", "parquet", "both"],
        default="json",
        help="records as NDJSON, Parquet or both (default: json)",
    )
    parser.add_argument(
        "--host-pattern",
        metavar="REGEX",
        help="Java regex whose first group in `source` names the host (adds summary/hosts)",
    )
    parser.add_argument(
        "--partitions",
        type=int,
        metavar="N",
        help="Spark partitions for the scan (default: one per file)",
    )
    parser.add_argument(
        "--copy",
        action="store_true",
        help="read local files through Hadoop into a temporary copy too, as remote ones are "
        "(for tests)",
    )
    if "--" in argv:
        i = argv.index("--")
        argv, clawscan_options = argv[:i], argv[i + 1 :]
    else:
        clawscan_options = []
    args = parser.parse_args(argv)
    for option in clawscan_options:
        name = option.split("=", 1)[0]
        if name.startswith("-j") and name[2:].isdigit():  # -j4
            name = "-j"
        if name in REFUSED_OPTIONS:
            parser.error(
                f"clawscan option {option} is not for the Spark job: {REFUSED_OPTIONS[name]}"
            )
    if args.partitions is not None and args.partitions < 1:
        parser.error("--partitions must be at least 1")
    if args.clawscan is not None:
        path = args.clawscan if os.sep in args.clawscan else shutil.which(args.clawscan)
        if not (path and os.path.isfile(path) and os.access(path, os.X_OK)):
            parser.error(f"--clawscan {args.clawscan}: not an executable file")
        args.clawscan = os.path.abspath(path)
    return args, clawscan_options


def with_redact_key(options: list[str]) -> list[str]:
    """Every run redacts under one key, so one secret gets one marker in the whole job
    (as in one local run); a random key unless the options give one or --no-redact."""
    if any(o == "--no-redact" or o.split("=", 1)[0] == "--redact-key" for o in options):
        return options
    return ["--redact-key", secrets.token_hex(16), *options]


def main(argv: list[str]) -> int:
    args, clawscan_options = parse_args(argv)
    spark = SparkSession.builder.appName("clawscan").getOrCreate()
    sc = spark.sparkContext
    out_path = sc._jvm.org.apache.hadoop.fs.Path(args.out)
    if out_path.getFileSystem(sc._jsc.hadoopConfiguration()).exists(out_path):
        sys.exit(f"spark_scan.py: {args.out} exists; remove it or choose another --out")

    if args.clawscan:
        sc.addFile(args.clawscan)  # executors find it with SparkFiles
        binary = os.path.basename(args.clawscan)
    else:
        binary = "clawscan"  # shipped with spark-submit --files, or on the executors' PATH
    threads = sc.getConf().get("spark.task.cpus", "1")
    scanner = Scanner(binary, tuple(["-j", threads, *with_redact_key(clawscan_options)]))

    lister = Lister(spark)
    tasks = lister.expand(args.inputs)
    scan = scan_files(spark, scanner, tasks, args.copy, args.partitions).persist()
    totals = write_outputs(spark, scan, lister.errors, args.out, args.format, args.host_pattern)
    scan.unpersist()

    for source, message in totals.errors:
        print(f"spark_scan.py: {source}: {message}", file=sys.stderr)
    for category in CATEGORIES:
        if category in totals.categories:
            print(f"{category:<15} {totals.categories[category]}")
    print(f"{'total':<15} {totals.events}")
    print(
        f"spark_scan.py: {totals.files} files, {totals.events} events, "
        f"{len(totals.errors)} errors; output in {args.out}",
        file=sys.stderr,
    )
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
