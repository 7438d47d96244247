list add --db not_a_store.csv dnd c1
