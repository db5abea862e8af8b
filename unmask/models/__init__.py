"""Learned detectors: trained here (``unmask train ...``, needs the ``train`` extra), shipped as ONNX and
run with onnxruntime only, so scanning never imports torch."""
