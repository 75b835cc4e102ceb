"""Background work beside the web server: the job queues (email, SMS/WhatsApp replies) and the inbox
reader, each a thread that ``omnidesk serve`` starts."""
