"""The service desk's pages: complaints (staff and the customer's public pages), their
analysis and categories, stage monitoring, and each user's notifications."""
