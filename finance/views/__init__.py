"""Pages of the finance app, one module per area."""
