"""What several Omnidesk processes share through Redis: the event bus and who is connected where."""
