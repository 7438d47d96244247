#!/usr/bin/env python3
"""Golden eval tests, one readable file per topic (tests/golden/eval/*.test):

    pack basic.herald          # paths relative to the .test file
    customers basic.csv
    at 2026-03-10T09:00        # `now` for every eval below (optional)

    eval age + 1               # the rest of the line is the --expr
    ----
    {"id":"c1","value":31}     # expected output lines, up to a blank line

    eval --count age > 18      # flags (--count, --where, --segment S, --campaign C) come first
    ----
    {"count":1,"unknown":1,"errors":0}

A block whose command fails expects `error: <exit code>` and its stderr lines instead.
`--update` rewrites the expected parts (review them by eye). `--engine jit` runs every block
with the JIT (the same expected output: the interpreter defines the meaning)."""
import argparse
import os
import shlex
import subprocess
import sys

FLAGS_WITH_VALUE = {"--segment", "--campaign", "--at", "--customers", "--events"}


def run_block(herald, base, header, line, engine):
    words = line.split(None)[1:]
    args, i = [], 0
    while i < len(words) and words[i].startswith("--"):
        args.append(words[i])
        if words[i] in FLAGS_WITH_VALUE:
            args.append(words[i + 1])
            i += 1
        i += 1
    rest = line.split(None, 1 + i)[1 + i] if len(line.split(None, 1 + i)) > 1 + i else ""
    cmd = [herald, "eval", header["pack"], "--customers", header["customers"]]
    if "at" in header and "--at" not in args:
        cmd += ["--at", header["at"]]
    if "events" in header:
        cmd += ["--events", header["events"]]
    cmd += args
    if engine:
        cmd += ["--engine", engine]
    if rest.strip():
        cmd += ["--expr", rest.strip()]
    proc = subprocess.run(cmd, cwd=base, capture_output=True, timeout=60, env=dict(os.environ, NO_COLOR="1"))
    out = proc.stdout.decode("utf-8", "replace").splitlines()
    if proc.returncode != 0:
        out = [f"error: {proc.returncode}"] + proc.stderr.decode("utf-8", "replace").splitlines()
    return out


def process(path, herald, update, engine):
    base = os.path.dirname(os.path.abspath(path))
    lines = open(path, encoding="utf-8").read().split("\n")
    header, out_lines, failures, count = {}, [], [], 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("eval"):
            count += 1
            actual = run_block(herald, base, header, line, engine)
            out_lines.append(line)
            j = i + 1
            expected = []
            if j < len(lines) and lines[j] == "----":
                j += 1
                while j < len(lines) and lines[j].strip() != "":
                    expected.append(lines[j])
                    j += 1
            out_lines.append("----")
            out_lines.extend(actual)
            if expected != actual:
                failures.append((line, expected, actual))
            i = j
            continue
        words = line.split(None, 1)
        if words and words[0] in ("pack", "customers", "at", "events") and len(words) == 2:
            header[words[0]] = words[1].strip()
        out_lines.append(line)
        i += 1
    if update:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(out_lines))
    return count, failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--herald", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--engine", help="run every eval with --engine ENGINE (interp, jit, auto)")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    herald = os.path.abspath(a.herald)
    files = a.files or sorted(os.path.join(a.dir, f) for f in os.listdir(a.dir) if f.endswith(".test"))
    total, failed = 0, 0
    for path in files:
        count, failures = process(path, herald, a.update, a.engine)
        total += count
        for line, expected, actual in failures:
            failed += 1
            print(f"FAIL {os.path.basename(path)}: {line}")
            print("  expected: " + "\n            ".join(expected))
            print("  actual:   " + "\n            ".join(actual))
    if a.update:
        print(f"updated {len(files)} files ({total} evals); review them by eye")
        return 0
    print(f"{total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
