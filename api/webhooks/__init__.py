"""Webhooks: the worker that delivers the outbox (api/services/outbox.py) as signed POSTs.

Imports: api.http (config), api.runtime (the database), api.services (nothing yet)."""
