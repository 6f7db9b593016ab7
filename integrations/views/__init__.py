"""The 主管's pages for integrations: API clients and their tokens and calls, webhook
subscriptions and their delivery log, payment notifications to review."""
