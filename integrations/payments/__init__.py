"""Payment-platform callbacks: the format of each platform (``adapters``) — how it signs, what
it sends, what it wants back. Recording is ``integrations.services.payments``."""
