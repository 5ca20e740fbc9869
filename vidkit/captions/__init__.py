"""Captions: cues built from word timings to professional rules, writers, QC and burn-in."""
