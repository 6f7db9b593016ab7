"""Customer notices: which order events produce one (``triggers``), how templates are
filled in (``render``), and how e-mail and SMS leave (Django's mail backends, ``sms``)."""
