"""``unmask eval``: scan a labelled folder and measure how well the verdict and each signal separate
real from fake (AUC, EER, calibration, false alarms on real media, robustness to re-encoding)."""
