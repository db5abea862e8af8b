"""Provenance: what the file can prove about where it came from (hashes, metadata, C2PA credentials)."""
