"""Prometheus metrics: request latency per process, business figures from PostgreSQL at scrape time."""
