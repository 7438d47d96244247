eval shop.herald --customers customers.csv --campaign welcome --engine jit --verbose --at 2026-03-01T10:00
