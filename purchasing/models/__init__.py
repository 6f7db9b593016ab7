"""Models of the purchasing app, one module per area, re-exported here."""
