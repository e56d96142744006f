"""Helpers shared by curator and its stand-alone libraries (manifests, detectors, trainers).

This package imports none of them, so any of them may use it without pulling in another.
"""
