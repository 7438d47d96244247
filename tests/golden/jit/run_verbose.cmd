run shop.herald --db /tmp/herald-golden-jit-dry-run.db --activity spring --customers customers.csv --at 2026-03-01T10:00 --dry-run --json --engine jit --verbose
