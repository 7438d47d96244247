eval shop.herald --customers customers.csv --campaign shout --engine jit --verbose --at 2026-03-01T10:00
