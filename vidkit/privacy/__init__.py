"""Privacy: redaction of names and identifying numbers in transcripts, captions and audio."""
