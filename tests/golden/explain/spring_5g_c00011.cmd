explain spring.herald --customers customers.csv --events events.jsonl --customer c00011 --campaign spring_5g --at 2026-03-10T09:00
