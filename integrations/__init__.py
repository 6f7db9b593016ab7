"""Integration with the systems around the platform: the REST API under ``/api/v1/`` that
shops, channels and ERPs push orders through and read them back, signed outgoing webhooks
fed by the domain events of the apps below, and payment-platform callbacks.

Layer: above aftersales, below reports. It calls the same services as the portal and never
re-implements a rule; nothing below imports it.
"""
