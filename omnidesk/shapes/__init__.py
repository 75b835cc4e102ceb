"""The wire shapes of rooms, messages, visitors, inquiries and contacts, as Rocket.Chat sends them; the
REST API and the realtime layer both send them."""
