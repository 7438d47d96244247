#!/usr/bin/env python3
"""Generates customers for examples/telecom/spring.herald (deterministic for a seed).
Usage: gen_customers.py [COUNT] [SEED] > customers.csv"""
import random
import sys

FIRST = ["Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Ma", "Hu"]
GIVEN = ["Wei", "Fang", "Na", "Min", "Jing", "Lei", "Qiang", "Yan", "Jun", "Hua", "Ping", "Xin", "Tao", "Mei"]
TAGS = ["5g", "family", "student", "roaming", "video", "gaming", "senior", "enterprise"]
LIFECYCLE = ["prospect", "lead", "opportunity", "customer", "customer", "customer", "churned"]


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    out = sys.stdout
    out.write("id,name,age,city_tier,tier,lifecycle,arpu,tags,signed_up\n")
    for i in range(1, count + 1):
        age = "" if rng.random() < 0.08 else str(rng.randint(16, 75))
        tier = rng.choices(["A", "B", "C"], weights=[15, 45, 40])[0]
        tags = sorted(set(rng.sample(TAGS, rng.randint(0, 3))))
        arpu = round(rng.lognormvariate(3.6, 0.6), 2)
        year = rng.randint(2015, 2026)
        month = rng.randint(1, 12 if year < 2026 else 2)
        signed = f"{year:04d}-{month:02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
        name = f"{rng.choice(FIRST)} {rng.choice(GIVEN)}"
        out.write(f"c{i:05d},{name},{age},{rng.choice([1, 1, 2, 2, 3, 4])},{tier},{rng.choice(LIFECYCLE)},"
                  f"{arpu},{'|'.join(tags)},{signed}\n")


if __name__ == "__main__":
    main()
