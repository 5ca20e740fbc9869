"""Speech and name redaction: the roster, name and number matching, redaction, bleeps, the
second listen and the private transcript store. (Faces: vidkit.faces.)"""
