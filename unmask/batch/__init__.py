"""Batch scanning: finding the files to scan and running many scans (in-process now, Ray later)."""
