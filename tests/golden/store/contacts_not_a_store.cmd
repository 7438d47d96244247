contacts --db not_a_store.csv --json
