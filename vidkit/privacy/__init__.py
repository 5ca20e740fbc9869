"""Privacy: face detection, tracking and masking, verification, and name redaction."""
