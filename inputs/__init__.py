"""Readers: files -> core objects (scenarios, actor tables, KTAB, DEU, shipped configs)."""
