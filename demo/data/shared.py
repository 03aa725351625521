"""What the demo customers have in common."""

from __future__ import annotations

# Both customers price in euros: ProductCo's catalog and orders, EventCo's tickets.
CURRENCY = "EUR"
