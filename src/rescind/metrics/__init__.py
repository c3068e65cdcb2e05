"""Seller metrics (R30): gathered from orders, requests, refunds and the timeline; no tables of
their own."""
