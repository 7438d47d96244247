eval shop.herald --customers customers.csv --campaign shout --engine fast
