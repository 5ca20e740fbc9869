"""Speech to a timed Transcript: engines, model resolution, hallucination guards."""

from vidkit.transcribe.run import TranscribeOptions, transcribe_file

__all__ = ["TranscribeOptions", "transcribe_file"]
