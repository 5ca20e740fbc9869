"""Clips: choosing time ranges of a recording and cutting them (see `vidkit clip`)."""
