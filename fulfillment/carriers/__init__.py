"""How logistics events reach us from carriers: pushed JSON (see views/carrier_api.py) or
pulled by a poller (``CarrierPoller``) on a schedule. Both end in the same service."""
