"""Face anonymisation: detector weights, detectors, tracks, masks, the anonymise + verify pass
and its privacy report. (Names and numbers in speech: vidkit.privacy.)"""
