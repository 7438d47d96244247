#!/usr/bin/env python3
"""Kill test: a run killed with SIGKILL at random points leaves the store consistent, and running
it again gives exactly the result of an uninterrupted run. Usage: kill_test.py --herald PATH"""
import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

PACK = """pack kill_test
timezone "Asia/Shanghai"
customer { id: string  age: int?  tier: enum("A","B","C")  arpu: float }
channel sms { cost: 0.05, quiet: 22:00 to 07:00 }
channel push { cost: 0.0 }
policy default {
  max 2 contacts per 7d
  max 1 contacts per 1d on sms
}
campaign a { channel: sms  audience: arpu > 20.0  priority: arpu  limit: 30000 per run  control: 10% }
campaign b { channel: push  audience: tier != "C"  priority: (age ?? 0) * 1.0  message: "hi {age}" }
activity act { campaigns: a, b  per_customer: 1 }
"""


def dump(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT run, seq, campaign, customer, status, reason, priority, at_s, cost, message "
                       "FROM contacts ORDER BY run, seq").fetchall()
    runs = con.execute("SELECT id, kind, activity, at_s FROM runs ORDER BY id").fetchall()
    ok = con.execute("PRAGMA integrity_check").fetchone()[0]
    con.close()
    return runs, rows, ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--herald", required=True)
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--customers", type=int, default=60000)
    a = ap.parse_args()
    rng = random.Random(int(os.environ.get("HERALD_KILL_SEED", "5")))
    tmp = tempfile.mkdtemp()
    try:
        pack = os.path.join(tmp, "p.herald")
        open(pack, "w").write(PACK)
        csv = os.path.join(tmp, "c.csv")
        with open(csv, "w") as f:
            f.write("id,age,tier,arpu\n")
            for i in range(a.customers):
                age = "" if i % 13 == 0 else str(18 + i % 50)
                f.write(f"k{i:06d},{age},{'ABC'[i % 3]},{(i * 37) % 100}.5\n")
        base = [a.herald, "run", pack, "--customers", csv, "--activity", "act"]
        first, second = "2026-03-09T09:00", "2026-03-10T09:00"
        ref = os.path.join(tmp, "ref.db")
        for at in (first, second):
            subprocess.run(base + ["--db", ref, "--at", at], check=True, capture_output=True)
        reference = dump(ref)
        t0 = time.time()
        subprocess.run(base + ["--db", os.path.join(tmp, "timing.db"), "--at", first], check=True, capture_output=True)
        duration = time.time() - t0
        passed = failed = killed = 0
        for trial in range(a.trials):
            db = os.path.join(tmp, f"t{trial}.db")
            subprocess.run(base + ["--db", db, "--at", first], check=True, capture_output=True)
            proc = subprocess.Popen(base + ["--db", db, "--at", second], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.0, duration * 1.1))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            proc.wait()
            runs, rows, ok = dump(db)
            consistent = ok == "ok" and len(runs) in (1, 2) and (len(runs) == 2 or all(r[0] == 1 for r in rows))
            subprocess.run(base + ["--db", db, "--at", second], check=True, capture_output=True)
            if consistent and dump(db) == reference:
                passed += 1
            else:
                failed += 1
                print(f"trial {trial}: store {'consistent' if consistent else 'INCONSISTENT'} after the kill, "
                      f"re-run {'differs' if dump(db) != reference else 'matches'}")
        print(f"{killed} of {a.trials} runs killed mid-way (a run takes {duration:.2f} s)")
        print(f"{passed} passed, {failed} failed")
        return 1 if failed else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
