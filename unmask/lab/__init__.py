"""The lab: a small reference forger that makes labelled benchmark fakes, so detectors are measured
against the mechanism itself (which files, which pixels were replaced), as FaceForensics++ did.

Why it is built the way it is, and its limits (README, "Responsible use"):

* inputs are only a training folder of benchmark identities (``identities.py``); no command, API or web
  route takes a user's photo or video as a swap source or target;
* low resolution (64-128 px face crops, pictures scaled to 256 px), trained on the CPU in minutes or not
  trained at all (``blends.py``, ``warps.py``); quality is whatever the mechanism gives, never tuned for
  realism;
* every file it writes carries unmask's invisible watermark and a C2PA manifest declaring how it was
  made (``trainedAlgorithmicMedia``, ``compositeWithTrainedAlgorithmicMedia``, ``compositeSynthetic``),
  and is registered in the local ledger (``outputs.py``); the output folder's ``manifest.csv`` holds the
  labels and masks.
"""

from __future__ import annotations
