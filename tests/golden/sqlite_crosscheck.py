#!/usr/bin/env python3
"""Cross-checks Herald's three-valued logic against SQLite's.

Generates (seed 20260310, or $HERALD_XCHECK_SEED) a customers CSV with optional int, float,
string and bool columns (missing values included), loads the same rows into an in-memory SQLite
table (missing -> NULL), and generates random boolean conditions written both in Herald and in
SQL: comparisons with constants and between fields, `between`, `in` / `not in` lists, text tests,
`has`, `??`, `if`, small int arithmetic, and `and` / `or` / `not` nested up to depth 4.

For every condition, `herald eval --expr COND` must print `true` exactly for the ids of
`SELECT id FROM t WHERE cond`, `null` exactly for those of `WHERE (cond) IS NULL`, and no
errors; `--where` must print the same true rows and `--count` the same counts.

Constructs whose semantics differ between the two are avoided: `/` (Herald's is always float),
division or `%` by zero (SQLite gives NULL, Herald an error), int overflow (SQLite turns it into a
float), int/float comparisons of ints beyond 2^53, `lower`/`upper` (SQLite's are ASCII-only),
empty `in` lists (SQLite's `NULL IN ()` is false), and any float formatting.

    sqlite_crosscheck.py --herald build/herald [--rows 300] [--conditions 300] [--keep DIR]
Prints "N passed, M failed"; exits 1 on any mismatch, showing the condition and the ids."""
import argparse
import concurrent.futures
import csv
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile

IMAX = 9223372036854775807
IMIN = -9223372036854775808

PACK = """pack xcheck

customer {
  id: string
  a: int?
  b: int?
  c: int?
  r: int
  x: float?
  y: float?
  s: string?
  t: string?
  u: string
  f: bool?
  g: bool?
}
"""

SMALL_INT_FIELDS = ["a", "b", "r"]          # |value| <= 25: safe for + - * %
INT_FIELDS = SMALL_INT_FIELDS + ["c"]       # c holds 64-bit extremes: compared with ints only
FLOAT_FIELDS = ["x", "y"]
OPT_STRING_FIELDS = ["s", "t"]
STRING_FIELDS = OPT_STRING_FIELDS + ["u"]
BOOL_FIELDS = ["f", "g"]
OPTIONAL_FIELDS = ["a", "b", "c", "x", "y", "s", "t", "f", "g"]

FLOATS = [-2.5, -1.0, -1e-05, 0.0, 0.1, 0.5, 1.0, 1.5, 2.25, 3.0, 10.75, 1e10]
BIG_INTS = [IMAX, IMIN, IMAX - 1, IMIN + 1, 0, 1, -1, 42, 2**53 + 1, -(2**53) - 1, 1000000007]
STRINGS = ["a", "ab", "abc", "b", "B", "Ab", "é", "退订", "a b", " a", "x,y", "zz", "ß", "Σ", "aé"]
OPS = ["==", "!=", "<", "<=", ">", ">="]
SQL_OPS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


# ----------------------------------------------------------------------------- data

def make_rows(rng, n):
    rows = []
    for i in range(1, n + 1):
        def maybe(v, p=0.2):
            return None if rng.random() < p else v
        rows.append({
            "id": "r%03d" % i,
            "a": maybe(rng.randint(-20, 20)),
            "b": maybe(rng.randint(-20, 20)),
            "c": maybe(rng.choice(BIG_INTS + [rng.randint(-50, 50)])),
            "r": rng.randint(-25, 25),
            "x": maybe(rng.choice(FLOATS)),
            "y": maybe(rng.choice(FLOATS)),
            "s": maybe(rng.choice(STRINGS)),
            "t": maybe(rng.choice(STRINGS)),
            "u": rng.choice(STRINGS + [""]),
            "f": maybe(rng.random() < 0.5, 0.25),
            "g": maybe(rng.random() < 0.5, 0.25),
        })
    return rows


def csv_cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def write_csv(path, rows):
    cols = list(rows[0].keys())
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([csv_cell(r[c]) for c in cols])


def load_sqlite(rows):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (id TEXT PRIMARY KEY, a INTEGER, b INTEGER, c INTEGER, r INTEGER, "
               "x REAL, y REAL, s TEXT, t TEXT, u TEXT, f INTEGER, g INTEGER)")
    cols = list(rows[0].keys())
    db.executemany("INSERT INTO t VALUES (%s)" % ",".join("?" * len(cols)),
                   [[(int(r[c]) if isinstance(r[c], bool) else r[c]) for c in cols] for r in rows])
    return db


# ----------------------------------------------------------------------------- conditions
# Every generator returns (herald_text, sql_text); composite parts are parenthesised in both.

def int_lit(v):
    if v == IMIN:
        return ("(-9223372036854775807 - 1)",) * 2
    return (str(v),) * 2


def float_lit(v):
    text = repr(v)
    if "." not in text and "e" not in text:
        text += ".0"
    return (text, text)


def str_lit(v):
    assert '"' not in v and "\\" not in v
    return ('"%s"' % v, "'%s'" % v.replace("'", "''"))


class Gen:
    def __init__(self, rng):
        self.rng = rng

    def pick(self, xs):
        return self.rng.choice(xs)

    # numeric terms ------------------------------------------------------------
    def small_int_const(self):
        return int_lit(self.rng.randint(-25, 25))

    def big_int_const(self):
        return int_lit(self.pick(BIG_INTS + [self.rng.randint(-50, 50)]))

    def float_const(self):
        return float_lit(self.pick(FLOATS + [self.rng.choice([-3.75, 0.25, 2.0, 7.5])]))

    def small_int_term(self, depth=0):
        """An int expression over the small fields that cannot overflow or divide by zero."""
        k = self.rng.randrange(6 if depth < 2 else 2)
        if k == 0:
            f = self.pick(SMALL_INT_FIELDS)
            return (f, f)
        if k == 1:
            return self.small_int_const()
        l, r = self.small_int_term(depth + 1), self.small_int_term(depth + 1)
        if k == 2:
            op = self.pick(["+", "-"])
            return ("(%s %s %s)" % (l[0], op, r[0]), "(%s %s %s)" % (l[1], op, r[1]))
        if k == 3:
            m = self.pick(["2", "3", "-1"])
            return ("(%s * %s)" % (l[0], m), "(%s * %s)" % (l[1], m))
        if k == 4:
            m = self.pick(["3", "-3", "7", "1", "-1"])   # remainder of truncated division in both
            return ("(%s %% %s)" % (l[0], m), "(%s %% %s)" % (l[1], m))
        return ("(- %s)" % l[0], "(- %s)" % l[1])   # "--" starts an SQL comment

    def float_term(self):
        k = self.rng.randrange(4)
        if k == 0:
            f = self.pick(FLOAT_FIELDS)
            return (f, f)
        if k == 1:
            f, g = self.pick(FLOAT_FIELDS), self.pick(SMALL_INT_FIELDS)
            op = self.pick(["+", "-"])
            return ("(%s %s %s)" % (f, op, g), "(%s %s %s)" % (f, op, g))
        if k == 2:
            f, g = self.pick(FLOAT_FIELDS), self.pick(FLOAT_FIELDS)
            op = self.pick(["+", "-", "*"])
            return ("(%s %s %s)" % (f, op, g), "(%s %s %s)" % (f, op, g))
        f = self.pick(FLOAT_FIELDS)
        return ("(%s * 2)" % f, "(%s * 2)" % f)

    # atoms ---------------------------------------------------------------------
    def cmp(self, l, r):
        op = self.pick(OPS)
        return ("%s %s %s" % (l[0], op, r[0]), "%s %s %s" % (l[1], SQL_OPS[op], r[1]))

    def atom(self):
        k = self.rng.randrange(20)
        f = lambda xs: (lambda n: (n, n))(self.pick(xs))
        if k == 0:
            return self.cmp(f(INT_FIELDS), self.small_int_const())
        if k == 1:
            return self.cmp(f(["c"]), self.big_int_const())
        if k == 2:
            return self.cmp(f(INT_FIELDS), f(INT_FIELDS))
        if k == 3:
            return self.cmp(self.small_int_term(), self.small_int_term())
        if k == 4:
            return self.cmp(f(FLOAT_FIELDS), self.float_const())
        if k == 5:
            return self.cmp(self.float_term(), self.pick([self.float_const(), f(SMALL_INT_FIELDS), f(FLOAT_FIELDS)]))
        if k == 6:
            s = f(STRING_FIELDS)
            return self.cmp(s, self.pick([str_lit(self.pick(STRINGS + [""])), f(STRING_FIELDS)]))
        if k == 7:   # between, with constant or field bounds
            kind = self.rng.randrange(3)
            if kind == 0:
                x, lo, hi = f(SMALL_INT_FIELDS), self.small_int_term(1), self.small_int_term(1)
            elif kind == 1:
                x, lo, hi = f(FLOAT_FIELDS), self.float_const(), self.pick([self.float_const(), f(FLOAT_FIELDS)])
            else:
                x, lo, hi = f(STRING_FIELDS), str_lit(self.pick(STRINGS)), self.pick([str_lit(self.pick(STRINGS)), f(STRING_FIELDS)])
            return ("%s between %s and %s" % (x[0], lo[0], hi[0]), "%s BETWEEN %s AND %s" % (x[1], lo[1], hi[1]))
        if k == 8:   # in / not in lists (never empty)
            kind = self.rng.randrange(4)
            n = self.rng.randint(1, 4)
            if kind == 0:
                x, items = f(INT_FIELDS), [self.small_int_const() for _ in range(n)]
            elif kind == 1:
                x, items = f(["c"]), [self.big_int_const() for _ in range(n)]
            elif kind == 2:
                x, items = f(FLOAT_FIELDS), [self.float_const() for _ in range(n)]
            else:
                x, items = f(STRING_FIELDS), [str_lit(self.pick(STRINGS + [""])) for _ in range(n)]
            if self.rng.random() < 0.3:   # a field as a list item (may be unknown)
                items.append(f(SMALL_INT_FIELDS) if kind == 0 else f(FLOAT_FIELDS) if kind == 2
                             else f(STRING_FIELDS) if kind == 3 else f(["c"]))
            neg = self.rng.random() < 0.4
            return ("%s %sin [%s]" % (x[0], "not " if neg else "", ", ".join(i[0] for i in items)),
                    "%s %sIN (%s)" % (x[1], "NOT " if neg else "", ", ".join(i[1] for i in items)))
        if k == 9:   # text tests (case-sensitive); "" is true for any known string
            s = f(STRING_FIELDS)
            p = self.pick(["a", "b", "é", "退", "订", "a b", "B", "", "x,", "ß"])
            test = self.pick(["contains", "starts_with", "ends_with"])
            h = '%s %s "%s"' % (s[0], test, p)
            n = len(p)
            lit = str_lit(p)[1]
            if p == "":
                return (h, "(%s = %s)" % (s[1], s[1]))
            if test == "contains":
                return (h, "(instr(%s, %s) > 0)" % (s[1], lit))
            if test == "starts_with":
                return (h, "(substr(%s, 1, %d) = %s)" % (s[1], n, lit))
            return (h, "(length(%s) >= %d AND substr(%s, -%d) = %s)" % (s[1], n, s[1], n, lit))
        if k == 10:
            b = f(BOOL_FIELDS)
            return (b[0], "(%s <> 0)" % b[1])
        if k == 11:
            b1, b2 = f(BOOL_FIELDS), f(BOOL_FIELDS)
            op = self.pick(["==", "!="])
            return ("%s %s %s" % (b1[0], op, b2[0]), "%s %s %s" % (b1[1], SQL_OPS[op], b2[1]))
        if k == 12:
            b = f(BOOL_FIELDS)
            v = self.pick(["true", "false"])
            return ("%s == %s" % (b[0], v), "%s = %s" % (b[1], "1" if v == "true" else "0"))
        if k == 13:
            x = f(OPTIONAL_FIELDS)
            return ("has(%s)" % x[0], "(%s IS NOT NULL)" % x[1])
        if k == 14:   # ?? replaces unknown
            kind = self.rng.randrange(3)
            if kind == 0:
                x, d = f(SMALL_INT_FIELDS[:2]), self.small_int_const()
                r = self.small_int_const()
            elif kind == 1:
                x, d, r = f(FLOAT_FIELDS), self.float_const(), self.float_const()
            else:
                x, d, r = f(OPT_STRING_FIELDS), str_lit(self.pick(STRINGS)), str_lit(self.pick(STRINGS))
            op = self.pick(OPS)
            return ("(%s ?? %s) %s %s" % (x[0], d[0], op, r[0]),
                    "COALESCE(%s, %s) %s %s" % (x[1], d[1], SQL_OPS[op], r[1]))
        if k == 15:
            s = f(STRING_FIELDS)
            return self.cmp(("len(%s)" % s[0], "length(%s)" % s[1]), int_lit(self.rng.randint(0, 4)))
        if k == 16:   # if-then-else: the else branch on false and on unknown
            c, t, e = self.atom(), self.atom(), self.atom()
            return ("(if (%s) then (%s) else (%s))" % (c[0], t[0], e[0]),
                    "(CASE WHEN (%s) THEN (%s) ELSE (%s) END)" % (c[1], t[1], e[1]))
        if k == 17:
            return self.pick([("true", "1"), ("false", "0")]) if self.rng.random() < 0.3 else self.atom()
        if k == 18:   # an int field compared with a float constant (small values only)
            return self.cmp(f(SMALL_INT_FIELDS), self.float_const())
        return self.cmp(f(FLOAT_FIELDS), f(SMALL_INT_FIELDS))

    def cond(self, depth):
        if depth <= 1 or self.rng.random() < 0.25:
            a = self.atom()
            return ("(%s)" % a[0], "(%s)" % a[1])
        k = self.rng.randrange(5)
        if k == 0:
            a = self.cond(depth - 1)
            return ("(not %s)" % a[0], "(NOT %s)" % a[1])
        l, r = self.cond(depth - 1), self.cond(depth - 1)
        op = "and" if k in (1, 2) else "or"
        return ("(%s %s %s)" % (l[0], op, r[0]), "(%s %s %s)" % (l[1], op.upper(), r[1]))


# ----------------------------------------------------------------------------- running

def run_herald(herald, pack, customers, expr, extra):
    cmd = [herald, "eval", pack, "--customers", customers, "--at", "2026-03-10T09:00", "--expr", expr] + extra
    p = subprocess.run(cmd, capture_output=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("exit %d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace").strip()))
    return [json.loads(l) for l in p.stdout.decode("utf-8").splitlines() if l.strip()]


def check(herald, pack, customers, db, hexpr, sexpr):
    """Returns a list of problem descriptions (empty when Herald and SQLite agree)."""
    want_true = {r[0] for r in db.execute("SELECT id FROM t WHERE %s" % sexpr)}
    want_null = {r[0] for r in db.execute("SELECT id FROM t WHERE (%s) IS NULL" % sexpr)}
    try:
        plain = run_herald(herald, pack, customers, hexpr, [])
        where = run_herald(herald, pack, customers, hexpr, ["--where"])
        count = run_herald(herald, pack, customers, hexpr, ["--count"])
    except Exception as e:   # noqa: BLE001 - any failure is a mismatch to report
        return ["herald failed: %s" % e]
    problems = []
    errors = {o["id"]: o["error"] for o in plain if "error" in o}
    got_true = {o["id"] for o in plain if o.get("value") is True}
    got_null = {o["id"] for o in plain if "value" in o and o["value"] is None}
    bad_values = {o["id"]: o["value"] for o in plain if "value" in o and o["value"] not in (True, False, None)}
    if errors:
        problems.append("herald errors: %s" % dict(sorted(errors.items())[:10]))
    if bad_values:
        problems.append("non-boolean values: %s" % dict(sorted(bad_values.items())[:10]))
    if got_true != want_true:
        problems.append("true: herald only %s, sqlite only %s"
                        % (sorted(got_true - want_true), sorted(want_true - got_true)))
    if got_null != want_null:
        problems.append("unknown: herald only %s, sqlite only %s"
                        % (sorted(got_null - want_null), sorted(want_null - got_null)))
    where_ids = {o["id"] for o in where}
    if where_ids != got_true or any(o.get("value") is not True for o in where):
        problems.append("--where printed %s, the plain run's true rows are %s"
                        % (sorted(where_ids ^ got_true), "those"))
    want_count = {"count": len(want_true), "unknown": len(want_null), "errors": 0}
    if count != [want_count]:
        problems.append("--count printed %s, expected %s" % (count, want_count))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--herald", required=True)
    ap.add_argument("--rows", type=int, default=300)
    ap.add_argument("--conditions", type=int, default=300)
    ap.add_argument("--jobs", type=int, default=min(8, os.cpu_count() or 2))
    ap.add_argument("--keep", help="write the pack, CSV and conditions to this directory")
    a = ap.parse_args()
    seed = int(os.environ.get("HERALD_XCHECK_SEED", "20260310"))
    rng = random.Random(seed)
    herald = os.path.abspath(a.herald)

    rows = make_rows(rng, a.rows)
    gen = Gen(rng)
    conds = []
    seen = set()
    while len(conds) < a.conditions:
        c = gen.cond(rng.randint(1, 4))
        if c[0] not in seen:
            seen.add(c[0])
            conds.append(c)

    tmp = tempfile.mkdtemp(prefix="herald_xcheck_")
    try:
        pack = os.path.join(tmp, "xcheck.herald")
        customers = os.path.join(tmp, "customers.csv")
        with open(pack, "w", encoding="utf-8") as f:
            f.write(PACK)
        write_csv(customers, rows)
        if a.keep:
            os.makedirs(a.keep, exist_ok=True)
            shutil.copy(pack, a.keep)
            shutil.copy(customers, a.keep)
            with open(os.path.join(a.keep, "conditions.txt"), "w", encoding="utf-8") as f:
                for h, s in conds:
                    f.write("herald: %s\nsql:    %s\n\n" % (h, s))
        dbs = {}

        def one(c):
            import threading
            tid = threading.get_ident()
            if tid not in dbs:
                dbs[tid] = load_sqlite(rows)
            return check(herald, pack, customers, dbs[tid], c[0], c[1])

        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
            results = list(ex.map(one, conds))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    failed = 0
    for (h, s), problems in zip(conds, results):
        if problems:
            failed += 1
            print("FAIL herald: %s" % h)
            print("     sql:    %s" % s)
            for p in problems:
                print("     " + p)
    print("seed %d, %d customers" % (seed, len(rows)))
    print("%d passed, %d failed" % (len(conds) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
