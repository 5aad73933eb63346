#!/usr/bin/env bash
# Regenerates testdata/archive/ — the batch-scanning fixture — from the logs in
# testdata/. Needs the gzip and zstd command-line tools (Debian: apt-get install zstd).
#
#   logs/     readable files: plain, .gz, .zst, a multi-member .gz, rotated names (one
#             gzip inside without a .gz extension), nested directories, and a .txt file
#             the default filter skips (it holds events, so reading it would show);
#   broken/   a truncated .gz and a truncated .zst;
#   SOURCES.tsv  each archive file and the testdata log whose content it holds
#             (tests/it/batch.rs rebuilds the tree uncompressed from it).
#
# Output is deterministic for given tool versions (gzip -n: no name, no time stamp);
# the decoded content is the same with any version.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in gzip zstd; do
    command -v "$tool" >/dev/null || { echo "make-archive.sh: needs $tool (apt-get install $tool)" >&2; exit 1; }
done

out=testdata/archive
rm -rf "$out"
mkdir -p "$out/logs/2026-04" "$out/logs/rotated" "$out/logs/nested/a/b" "$out/broken"
manifest="$out/SOURCES.tsv"
printf 'archive\tsource\tencoding\n' > "$manifest"

gz() { gzip -n -9 -c "$1"; }
zs() { zstd -q -19 -c "$1"; }

# add ARCHIVE-PATH SOURCE ENCODING: writes the file and its manifest line.
add() {
    local dest="$out/$1" src="testdata/$2" enc="$3"
    case "$enc" in
        plain) cp "$src" "$dest" ;;
        gzip) gz "$src" > "$dest" ;;
        zstd) zs "$src" > "$dest" ;;
        gzip-2-members)
            local n half
            n=$(wc -l < "$src")
            half=$((n / 2))
            { head -n "$half" "$src" | gzip -n -9 -c; tail -n +"$((half + 1))" "$src" | gzip -n -9 -c; } > "$dest"
            ;;
        *) echo "unknown encoding $enc" >&2; exit 1 ;;
    esac
    printf '%s\t%s\t%s\n' "$1" "$2" "$enc" >> "$manifest"
}

add logs/gateway-verbose.log                   gateway-verbose.log         plain
add logs/2026-04/openclaw-2026-04-01.log.gz    formats/file-log.jsonl      gzip
add logs/2026-04/openclaw-2026-04-02.log.zst   formats/console-json.log    zstd
add logs/2026-04/multi-member.log.gz           formats/pretty-color.log    gzip-2-members
add logs/rotated/gateway.log.1                 formats/openclaw-logs.txt   gzip
add logs/rotated/gateway.log.2.gz              formats/edge-cases.log      gzip
add logs/nested/a/secrets.log                  formats/secrets.log         plain
add logs/nested/a/b/client.jsonl.zst           formats/client-side.txt     zstd
add logs/notes.txt                             formats/wrapped.log         plain

# Truncated archives: the first part of a compressed stream, as a copy taken while
# the compressor was still writing leaves it.
truncate_to() { local f="$1" keep="$2"; head -c "$keep" "$f" > "$f.tmp" && mv "$f.tmp" "$f"; }
gz testdata/formats/file-log.jsonl > "$out/broken/truncated.log.gz"
truncate_to "$out/broken/truncated.log.gz" $(( $(wc -c < "$out/broken/truncated.log.gz") * 2 / 3 ))
printf '%s\t%s\t%s\n' broken/truncated.log.gz formats/file-log.jsonl gzip-truncated >> "$manifest"
zs testdata/formats/console-json.log > "$out/broken/truncated.log.zst"
truncate_to "$out/broken/truncated.log.zst" $(( $(wc -c < "$out/broken/truncated.log.zst") / 2 ))
printf '%s\t%s\t%s\n' broken/truncated.log.zst formats/console-json.log zstd-truncated >> "$manifest"

echo "wrote $out ($(find "$out" -type f | wc -l) files)"
