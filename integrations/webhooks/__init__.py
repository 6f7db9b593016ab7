"""Outgoing webhooks: the event types a subscriber may choose (``event_types``), the body of
each (``payloads``) and sending one signed attempt (``sending``). Writing the outbox and the
retries are services (``integrations.services.webhooks``)."""
