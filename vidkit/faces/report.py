"""The privacy audit (`<stem>.privacy.json`) and the review contact sheet.

The report names inputs and outputs by sha256, never by file name, and holds no pixels.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

import vidkit
from vidkit.faces.anonymise import BlurResult
from vidkit.faces.options import BlurOptions
from vidkit.faces.tracks import DETECTED, EXTENDED, FILLED, VERIFIED
from vidkit.hashing import file_sha256

SCHEMA = "vidkit.privacy/1"


def build_report(result: BlurResult, options: BlurOptions, input_path: Path, output_path: Path,
                 extra: dict[str, Any] | None = None) -> dict[str, Any]:
    def at(frame: int) -> float:
        return round(result.times[frame], 3) if frame < len(result.times) else 0.0

    tracks = []
    for track in result.tracks:
        scores = track.scores()
        tracks.append({
            "id": track.id,
            "first_frame": track.first, "last_frame": track.last,
            "start": at(track.first), "end": at(track.last),
            "frames_covered": len(track.boxes),
            "detected": track.count(DETECTED), "filled": track.count(FILLED),
            "extended": track.count(EXTENDED), "found_by_verifier": track.count(VERIFIED),
            "confidence": [round(min(scores), 3), round(max(scores), 3)] if scores else None,
            "masked": track.id not in options.keep_tracks,
        })
    rounds = [
        {"round": n + 1, "faces_found": len(findings),
         "findings": [{"frame": f.frame, "time": round(f.time, 3),
                       "box": [round(f.box.x), round(f.box.y), round(f.box.w), round(f.box.h)],
                       "score": round(f.box.score, 3)} for f in findings]}
        for n, findings in enumerate(result.rounds)
    ]
    return {
        "schema": SCHEMA,
        "vidkit_version": vidkit.__version__,
        "processed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "input_sha256": file_sha256(input_path),
        "output_sha256": file_sha256(output_path),
        "verified": result.verified,
        "frames": len(result.times),
        "frame_size": list(result.frame_size),
        "settings": {
            "mode": options.mode, "cells": options.cells, "detect_size": options.detect_size,
            "extend_seconds": options.extend_seconds, "margins": asdict(options.margins),
            "kept_tracks": list(options.keep_tracks),
            "regions": [{"box": [r.box.x, r.box.y, r.box.w, r.box.h], "start": r.start,
                         "end": None if r.end == float("inf") else r.end} for r in options.regions],
        },
        "detectors": result.detectors,
        "tracks": tracks,
        "verification": {"enabled": options.verify, "verified": result.verified, "rounds": rounds},
        **(extra or {}),
    }


def report_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def contact_sheet(thumbnails: list[tuple[int, np.ndarray, bool]], columns: int = 6,
                  cell: int = 160) -> np.ndarray:
    """An RGB grid of one thumbnail per track with its id; unkept tracks arrive already masked."""
    import cv2

    columns = max(1, min(columns, len(thumbnails)))
    rows = max(1, -(-len(thumbnails) // columns))
    sheet = np.full((rows * (cell + 24), columns * cell, 3), 32, dtype=np.uint8)
    for n, (track_id, image, kept) in enumerate(thumbnails):
        r, c = divmod(n, columns)
        h, w = image.shape[:2]
        factor = cell / max(h, w)
        thumb = cv2.resize(image, (max(1, int(w * factor)), max(1, int(h * factor))),
                           interpolation=cv2.INTER_AREA)
        y, x = r * (cell + 24), c * cell
        sheet[y:y + thumb.shape[0], x:x + thumb.shape[1]] = thumb
        label = f"track {track_id}" + (" (kept)" if kept else "")
        cv2.putText(sheet, label, (x + 4, y + cell + 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (255, 255, 255), 1, cv2.LINE_AA)
    return sheet
