"""Models of the finance app, one module per area, re-exported here."""
