"""Media IO at the edges: probing (PyAV), audio extraction, ffmpeg discovery and runs, atomic outputs."""

from vidkit.media.probe import AudioInfo, MediaInfo, VideoInfo, probe

__all__ = ["AudioInfo", "MediaInfo", "VideoInfo", "probe"]
