explain spring.herald --customers customers.csv --customer c00008 --expr 'tier == "A" and arpu > 100.0 or age ?? 0 > 40' --at 2026-03-10T09:00
