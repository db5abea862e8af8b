"""Batch scanning: which files a batch scans (``files``, ``inputs``) and ``unmask batch``, the same scan over
a whole collection on Ray Data (``ray_run``), written resumably to Parquet (``results``, ``resume``)."""
