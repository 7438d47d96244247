explain spring.herald --customers customers.csv --customer c00003 --segment young_urban --at 2026-03-10T09:00
