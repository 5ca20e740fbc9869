"""vidkit: captioned, privacy-safe clips from rehabilitation session recordings."""

__version__ = "0.1.0"
