#!/usr/bin/env python3
"""Golden tests: each CASE.herald in a directory has CASE.expected, the exact output of
`herald check CASE.herald` run from that directory (plus CASE.args when it exists: extra
arguments, one line). A CASE.cmd instead holds a whole command line after `herald` (shell
quoting), for commands such as `explain` that read other files. Prints a diff for every case
that differs; --update rewrites the expected files (review every rewritten file by eye).
A CASE.steps file holds several command lines (after `herald`), run in order against a fresh
state database named $DB; the expected output shows each step as `$ herald ...`, its output
and its exit code. Lines starting with # are comments."""
import argparse
import difflib
import os
import shlex
import subprocess
import sys
import tempfile


def run_case(herald, args, name):
    """The output of one case (a .steps transcript, a .cmd, or `check` of the .herald); None on a timeout."""
    steps_file = os.path.join(args.dir, name + ".steps")
    if os.path.exists(steps_file):
        return run_steps(herald, args.dir, steps_file)
    cmd_file = os.path.join(args.dir, name + ".cmd")
    if os.path.exists(cmd_file):
        with open(cmd_file, encoding="utf-8") as f:
            cmd = [herald] + shlex.split(f.read())
    else:
        extra = []
        args_file = os.path.join(args.dir, name + ".args")
        if os.path.exists(args_file):
            with open(args_file, encoding="utf-8") as f:
                extra = f.read().split()
        cmd = [herald, args.command, name + ".herald"] + extra
    try:
        proc = subprocess.run(cmd, cwd=args.dir, capture_output=True, timeout=30, env=dict(os.environ, NO_COLOR="1"))
    except subprocess.TimeoutExpired:
        return None
    out = proc.stdout.decode("utf-8", "replace")
    if proc.stderr:
        out += "--- stderr\n" + proc.stderr.decode("utf-8", "replace")
    return out + f"--- exit {proc.returncode}\n"


def run_steps(herald, directory, steps_file):
    """Runs each command line of a .steps file against one fresh database; returns the transcript."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "state.db")
        for line in open(steps_file, encoding="utf-8").read().splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            words = [w.replace("$DB", db) for w in shlex.split(line)]
            env = dict(os.environ, NO_COLOR="1")
            proc = subprocess.run([herald] + words, cwd=directory, capture_output=True, timeout=60, env=env)
            out.append(f"$ herald {line}\n")
            out.append(proc.stdout.decode("utf-8", "replace").replace(db, "$DB"))
            if proc.stderr:
                out.append("--- stderr\n" + proc.stderr.decode("utf-8", "replace").replace(db, "$DB"))
            out.append(f"--- exit {proc.returncode}\n")
    return "".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--herald", required=True, help="path to the herald binary")
    ap.add_argument("--dir", required=True, help="directory of golden cases")
    ap.add_argument("--command", default="check", help="herald subcommand to run")
    ap.add_argument("--update", action="store_true", help="rewrite the .expected files")
    ap.add_argument("cases", nargs="*", help="only these case names")
    args = ap.parse_args()

    herald = os.path.abspath(args.herald)
    files = os.listdir(args.dir)
    names = sorted([f[:-7] for f in files
                    if f.endswith(".herald") and f[:-7] + ".cmd" not in files and f[:-7] + ".steps" not in files] +
                   [f[:-4] for f in files if f.endswith(".cmd")] + [f[:-6] for f in files if f.endswith(".steps")])
    if args.cases:
        names = [n for n in names if n in args.cases]
    failed = []
    for name in names:
        out = run_case(herald, args, name)
        if out is None:
            failed.append(name)
            print(f"FAIL {name}: timed out")
            continue
        expected_path = os.path.join(args.dir, name + ".expected")
        if args.update:
            with open(expected_path, "w", encoding="utf-8") as f:
                f.write(out)
            continue
        expected = open(expected_path, encoding="utf-8").read() if os.path.exists(expected_path) else None
        if expected != out:
            failed.append(name)
            print(f"FAIL {name}")
            sys.stdout.writelines(difflib.unified_diff((expected or "").splitlines(True), out.splitlines(True),
                                                       "expected", "actual"))
    if args.update:
        print(f"updated {len(names)} cases in {args.dir}; review them by eye")
        return 0
    print(f"{len(names) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
