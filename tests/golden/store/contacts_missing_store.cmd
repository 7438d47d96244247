contacts --db no_such_store.db
