#!/usr/bin/env python3
"""Checks what scripts/spark_scan.py wrote for a tree against clawscan run locally on
the same tree (scripts/test-spark.sh runs it).

    spark_check.py --clawscan BIN --redact-key KEY [--host-pattern REGEX] TREE OUT...

For each OUT (the job's output directory over TREE, run with `-- --redact-key KEY`):

- the files scanned are the files `clawscan TREE` reads;
- the records of each file are those of `clawscan FILE`, byte for byte and in order
  (the job scans each file on its own);
- as a set, the records equal those of `clawscan TREE`, except `cause` and `hint`: a
  local run over many files diagnoses them as one stream (the count of records whose
  cause or hint differs is printed, not checked);
- errors/ holds the errors `clawscan TREE` prints on stderr;
- the summary counts equal those computed from the local records, and the per-category
  counts equal `clawscan -c TREE`;
- records.parquet/, when written, holds the same records.

The job must have written records/ (--format json or both).

Exit 0 when everything matches, 1 otherwise (each mismatch is printed).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict


class Checker:
    """Runs the local side and collects mismatches."""

    def __init__(self, binary: str, redact_key: str) -> None:
        self.binary = binary
        self.redact_key = redact_key
        self.failures: list[str] = []

    def expect(self, ok: bool, what: str) -> None:
        """Records a mismatch (`what`) unless `ok`."""
        if not ok:
            self.failures.append(what)
            print(f"  MISMATCH: {what}", file=sys.stderr)

    def clawscan(self, *args: str) -> tuple[list[str], list[str]]:
        """stdout and stderr lines of a local run (with the test's redaction key)."""
        proc = subprocess.run(
            [self.binary, "--redact-key", self.redact_key, *args], capture_output=True, check=False
        )
        if proc.returncode not in (0, 1, 2):
            sys.exit(f"spark_check.py: clawscan {' '.join(args)} exited with {proc.returncode}")
        return proc.stdout.decode().splitlines(), proc.stderr.decode().splitlines()


def part_lines(directory: str) -> list[str]:
    """The lines of the part files Spark wrote into `directory`."""
    lines: list[str] = []
    for part in sorted(glob.glob(os.path.join(directory, "part-*"))):
        with open(part, encoding="utf-8") as f:
            lines.extend(f.read().splitlines())
    return lines


def part_json(directory: str) -> list[dict]:
    """The JSON objects of the part files Spark wrote into `directory`."""
    return [json.loads(line) for line in part_lines(directory)]


def error_source(message: str) -> str:
    """PATH of `clawscan: PATH: reason`."""
    return message.removeprefix("clawscan: ").rsplit(": ", 1)[0]


def without_diagnosis(record: dict) -> str:
    """The record without `cause` and `hint`, as a comparable string."""
    return json.dumps(
        {k: v for k, v in record.items() if k not in ("cause", "hint")}, sort_keys=True
    )


def counts(records: list[dict]) -> dict:
    """events, events per category and per cause (null counted as "null")."""
    return {
        "events": len(records),
        "categories": dict(Counter(c for r in records for c in r["categories"])),
        "causes": dict(Counter(r["cause"] or "null" for r in records)),
    }


def parquet_records(path: str) -> list[dict]:
    """records.parquet/ read back into record dicts (meta is stored as JSON text)."""
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.log.level", "ERROR")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    rows = [row.asDict(recursive=True) for row in spark.read.parquet(path).collect()]
    spark.stop()
    for row in rows:
        if row["meta"] is not None:
            row["meta"] = json.loads(row["meta"])
    return rows


def is_skip_note(line: str) -> bool:
    """Whether a stderr line of clawscan is walk's note on skipped files (src/read/walk.rs)."""
    return line.endswith("name them to read them (a scan also takes --glob '*')") or (
        line.endswith(" skipped (binary)")
    )


def check_output(c: Checker, tree: str, out: str, host_pattern: str | None) -> None:
    """Compares one output directory of the job with the local runs."""
    print(f"== {out}")
    tree_lines, tree_stderr = c.clawscan(tree)
    # A note on the files a directory passed over (not named like logs) is not an
    # error: the job lists no such files either.
    tree_errors = [line for line in tree_stderr if not is_skip_note(line)]
    all_lines, _ = c.clawscan("--all", tree)
    read_locally = {json.loads(line)["source"] for line in all_lines} | {
        error_source(e) for e in tree_errors
    }

    files = part_json(os.path.join(out, "summary", "files"))
    scanned = [f["source"] for f in files]
    c.expect(
        sorted(scanned) == sorted(read_locally),
        f"files scanned {sorted(scanned)} != files clawscan reads {sorted(read_locally)}",
    )

    # Per file: the records of `clawscan FILE`, byte for byte and in order.
    expected: dict[str, list[str]] = {source: c.clawscan(source)[0] for source in scanned}
    spark_lines = part_lines(os.path.join(out, "records"))
    got: dict[str, list[str]] = defaultdict(list)
    for line in spark_lines:
        got[json.loads(line)["source"]].append(line)
    for source in scanned:
        c.expect(
            got[source] == expected[source], f"{source}: records differ from `clawscan {source}`"
        )
    c.expect(set(got) <= set(scanned), f"records of files not scanned: {set(got) - set(scanned)}")
    records = [json.loads(line) for lines in expected.values() for line in lines]
    print(f"  checked: the records of each of {len(scanned)} files equal `clawscan FILE`")

    # The whole tree: the same records as a set, but for the diagnosis.
    spark_records = [json.loads(line) for line in spark_lines]
    tree_records = [json.loads(line) for line in tree_lines]
    c.expect(
        Counter(map(without_diagnosis, spark_records))
        == Counter(map(without_diagnosis, tree_records)),
        f"records (without cause, hint) differ from `clawscan {tree}`",
    )
    local = Counter(json.dumps(r, sort_keys=True) for r in tree_records)
    differ = sum((Counter(json.dumps(r, sort_keys=True) for r in spark_records) - local).values())
    print(
        f"  checked: the {len(spark_records)} records equal those of `clawscan {tree}` as a set;"
        f" {differ} of them have another cause/hint there (one diagnosis over all files)"
    )

    errors = part_json(os.path.join(out, "errors"))
    c.expect(
        sorted(f"clawscan: {e['source']}: {e['message']}" for e in errors) == sorted(tree_errors),
        f"errors {errors} != stderr of `clawscan {tree}` {tree_errors}",
    )

    # The summary.
    summary = os.path.join(out, "summary")
    count_lines, _ = c.clawscan("-c", "--format", "json", tree)
    # Categories only: causes differ where one local diagnosis spans all the files.
    want = {
        name: n for name, n in json.loads(count_lines[0])["categories"].items() if n > 0
    }
    got_categories = {
        r["category"]: r["events"] for r in part_json(os.path.join(summary, "categories"))
    }
    c.expect(got_categories == want, f"summary/categories {got_categories} != `clawscan -c` {want}")
    total = counts(records)
    got_causes = {
        r["cause"] or "null": r["events"] for r in part_json(os.path.join(summary, "causes"))
    }
    c.expect(got_causes == total["causes"], f"summary/causes {got_causes} != {total['causes']}")
    for f in files:
        mine = counts([json.loads(line) for line in expected[f["source"]]])
        theirs = {k: f[k] for k in ("events", "categories", "causes")}
        c.expect(theirs == mine, f"summary/files {f['source']}: {theirs} != {mine}")
    totals = part_json(os.path.join(summary, "totals"))
    want_totals = [{"files": len(scanned), "errors": len(tree_errors), "events": len(records)}]
    c.expect(totals == want_totals, f"summary/totals {totals} != {want_totals}")
    if host_pattern:
        per_host: dict[str, list[dict]] = defaultdict(list)
        for r in records:
            match = re.search(host_pattern, r["source"])
            per_host[match.group(1) if match else ""].append(r)
        hosts = {
            h["host"]: {k: h[k] for k in ("events", "categories", "causes")}
            for h in part_json(os.path.join(summary, "hosts"))
        }
        want_hosts = {host: counts(rs) for host, rs in per_host.items()}
        c.expect(
            {h: v for h, v in hosts.items() if v["events"]} == want_hosts,
            f"summary/hosts {hosts} != {want_hosts}",
        )
    print(f"  checked: errors/ ({len(errors)}) and summary/ against the local runs")
    parquet = os.path.join(out, "records.parquet")
    if os.path.isdir(parquet):
        key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
        from_parquet = parquet_records(parquet)
        c.expect(
            sorted(map(key, from_parquet)) == sorted(map(key, records)),
            "records.parquet differs from the records",
        )
        print(f"  checked: records.parquet/ holds the same {len(from_parquet)} records")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clawscan", required=True, help="the clawscan binary")
    parser.add_argument("--redact-key", required=True, help="the key the job was run with")
    parser.add_argument("--host-pattern", help="the job's --host-pattern")
    parser.add_argument("tree", help="the tree the job scanned, as named on its command line")
    parser.add_argument("outs", nargs="+", metavar="OUT", help="the job's output directories")
    args = parser.parse_args()
    checker = Checker(args.clawscan, args.redact_key)
    for out in args.outs:
        check_output(checker, args.tree, out, args.host_pattern)
    if checker.failures:
        print(f"spark_check.py: {len(checker.failures)} mismatches", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
