list add --db no_such_store.db dnd
