list show --db no_such_store.db dnd
