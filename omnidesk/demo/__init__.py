"""``omnidesk demo``: a believable contact center to click through (``workspace``), with its call log
(``calls``) and its SMS, WhatsApp and email chats (``channels``)."""
