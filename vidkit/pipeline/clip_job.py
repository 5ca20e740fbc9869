"""`vidkit clip`: choose ranges of a recording and make each a clip — frame-accurate, faces
masked and verified, optionally reframed, captioned, trimmed of pauses and branded — with
re-timed sidecars, a transcript excerpt, a thumbnail and a `<stem>.clipNN.clip.json` record."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vidkit import artifacts
from vidkit.records import ClipRecord
from vidkit.captions.writers import write_plain
from vidkit.clips.excerpt import transcript_excerpt
from vidkit.clips.silence import SpanMap
from vidkit.clips.ranges import ClipRange, check_in_video
from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError
from vidkit.media import MediaInfo, probe
from vidkit.media.output import output_path, write_text
from vidkit.pipeline.blur_job import UnverifiedOutput, blur_options
from vidkit.pipeline.clip_fast import fast_cut
from vidkit.pipeline.clip_render import (SHORTS_MAX_SECONDS, ClipPlan, MadeClip, clip_cues, crop_inside,
                                         make_clip, schedule_for)
from vidkit.pipeline.clip_select import ClipRequest, choose_ranges
from vidkit.origin import check_stem_outputs
from vidkit.pipeline.steps import find_output, find_transcript, obtain_transcript, resolve_out_dir
from vidkit.hashing import file_sha256
from vidkit.transcript import Transcript

CLIP_SCHEMA = "vidkit.clip/3"  # 3: the words block and the bound files
SIDECARS = ("srt", "vtt")


@dataclass
class ClipJobResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    candidates: list[Any] = field(default_factory=list)  # --auto: ranked candidates, for the table


def clip_job(input_path: Path, settings: Settings, reporter: Reporter, request: ClipRequest,
             out: Path | None = None, *, overwrite: bool = False, scans: Any = None, detectors: Any = None,
             engines: Any = None) -> ClipJobResult:
    """`scans`: a vidkit.faces.masking.FaceScans shared with the job's earlier renders;
    `detectors`, `engines`: where detectors and speech engines come from (the registries by default)."""
    info = probe(input_path)
    if info.video is None:
        raise BadInputError(f"{info.path.name} has no video stream: clips are cut from video")
    section = settings.section("clip")
    plan = clip_plan(section, request, settings)
    roster = _check_against_roster(input_path, request, settings) if settings.get("privacy", "roster") else None
    from vidkit.privacy.identifying import refuse_title

    refuse_title(request.title, Path(input_path).stem, roster, "--title")  # drawn on the card and thumbnail
    out_dir = resolve_out_dir(settings, out)
    check_stem_outputs(input_path, out_dir, overwrite=overwrite, keep=(request.ranges_file, request.from_file))
    transcript, transcript_path, job = _transcript(input_path, info, settings, reporter, out, request, section,
                                                   engines)
    redacted, redactions = _redacted(transcript, settings)
    chosen = choose_ranges(input_path, info, redacted, request, section, settings.get("transcribe", "glossary"),
                           out_dir, job.outputs)
    job.candidates = chosen.candidates
    clips = chosen.ranges
    check_in_video(clips, info.duration, info.video.fps)
    _check_shorts(clips, plan)
    if request.plan_only:
        job.summary = {"clips": [], "planned": [{"start": c.start, "end": c.end} for c in clips],
                       "transcript": transcript is not None}
        return job
    options = blur_options(settings, (), ())
    privacy_path = find_output(input_path, out_dir, artifacts.PRIVACY_REPORT)
    source = {
        "sha256": file_sha256(input_path),
        "duration": round(info.duration, 6),
        "fps": info.video.fps,
        "transcript_sha256": file_sha256(transcript_path) if transcript_path else None,
        "privacy_report_sha256": file_sha256(privacy_path) if privacy_path else None,
    }
    privacy = _privacy(settings)
    if request.fast and privacy is not None:
        _check_fast_bleeps(info, clips, redactions)
    records, unverified, unheard = [], [], []

    def finish(number: int, key: str, name: str, wanted, actual_spans, frames: int, seconds: float, captions: int,
               made, video: Path, files: dict[str, Path]):
        """The clip's thumbnail, second listen and record: on a worker thread, while the next
        clip renders (Whisper alone keeps about one core busy)."""
        if made is not None and plan.thumbnail:
            files["thumbnail"] = _thumbnail(video, output_path(input_path, out_dir, f"{name}.jpg"), plan)
        record = clip_record(number, wanted, actual_spans, frames, seconds, request, plan, source, captions,
                             made, video)
        words = _words(video, files.get("transcript"), transcript, redactions, actual_spans,
                       privacy, settings, reporter, f"Clip {number}/{len(clips)}", bleeped=made is not None,
                       engines=engines)
        record["words"] = words.to_dict()
        # The files published with the clip are bound to it: a swapped thumbnail or an edited
        # caption track no longer matches and the publish gate refuses it.
        record["files"] = {kind: file_sha256(files[kind]) for kind in (*SIDECARS, "thumbnail") if kind in files}
        files["report"] = ClipRecord(record).save(output_path(input_path, out_dir, f"{name}{artifacts.CLIP_RECORD}"))
        return record, words, files

    finishing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vidkit-clip-finish")
    pending = []
    try:
        for number, wanted in enumerate(clips, 1):
            name = artifacts.clip_part(number)
            key = name[1:]
            video = output_path(input_path, out_dir, f"{name}.mp4")
            label = f"Clip {number}/{len(clips)}"
            spans = _spans(wanted, transcript, section, info) if request.trim_silence else [(wanted.start, wanted.end)]
            if request.fast:
                span = fast_cut(info, wanted, video, reporter.stage(f"{label}: copying", wanted.duration))
                made, actual_spans = None, [(span.start, span.end)]
                frames, seconds = span.frames, span.end - span.start
                excerpt = _excerpt(redacted, actual_spans)
                cues = clip_cues(excerpt, info.video.fps, seconds, settings, plan)[0]
            else:
                schedule = schedule_for(info, spans)
                actual_spans = [(s.start, s.end) for s in schedule.spans]
                excerpt = _excerpt(redacted, actual_spans)
                made = make_clip(info, schedule, excerpt, video, plan, options, settings, reporter, label, redactions,
                                 scans, detectors)
                frames, seconds, cues = schedule.frames, schedule.duration, made.cues
            job.outputs[f"{key}.video"] = video
            captions = _sidecars(job, key, input_path, out_dir, name, excerpt, cues, made)
            files = {kind[len(key) + 1:]: path for kind, path in job.outputs.items() if kind.startswith(f"{key}.")}
            pending.append((key, made, video, finishing.submit(finish, number, key, name, wanted, actual_spans, frames,
                                                         seconds, captions, made, video, files)))
        for number, (key, made, _, future) in enumerate(pending, 1):
            record, words, files = future.result()
            for kind in ("thumbnail", "report"):
                if kind in files:
                    job.outputs[f"{key}.{kind}"] = files[kind]
            records.append({k: record[k] for k in ("index", "mode", "requested", "actual", "frames", "captions",
                                                   "aspect", "privacy")})
            if made is not None and made.verified is False:
                unverified.append((number, made.rounds[-1]))
            if words.verified is False:
                unheard.append((number, words.heard))
    except BaseException as exc:
        # Stopped: the clips not yet finished get no record. A later clip failed: the clips
        # made before it still get theirs, as when they were made in turn. A clip left without
        # its record is removed, never left as if it were an output.
        finishing.shutdown(wait=True, cancel_futures=isinstance(exc, KeyboardInterrupt))
        for _, _, video, future in pending:
            if future.cancelled() or future.exception() is not None:
                video.unlink(missing_ok=True)
        raise
    # Each clip's outputs together, as they are listed (the thumbnails and records came last).
    finishing.shutdown()
    order = {key: n for n, (key, _, _, _) in enumerate(pending)}
    job.outputs = dict(sorted(job.outputs.items(), key=lambda item: order.get(item[0].split(".")[0], -1)))
    job.summary = {"clips": records, "transcript": transcript is not None,
                   "privacy_report": privacy_path is not None}
    if unverified:
        number, left = unverified[0]
        raise UnverifiedOutput(f"clip {number}: {len(left)} face(s) still found after masking (first at "
                               f"{left[0].time:.2f} s of the source); its clip.json says verified: false")
    if unheard:
        from vidkit.privacy.spoken import heard_message

        number, heard = unheard[0]
        raise UnverifiedOutput(heard_message(f"clip {number}", heard))
    return job


def _privacy(settings: Settings):
    if not settings.get("privacy", "roster"):
        return None
    from vidkit.privacy.options import privacy_options

    return privacy_options(settings)


def _in_spans(item, spans: list[tuple[float, float]]) -> bool:
    return any(item.audio_start < end and item.audio_end > start for start, end in spans)


def _check_fast_bleeps(info: MediaInfo, clips: list[ClipRange], redactions) -> None:
    """--fast copies the audio as it is, so it cannot bleep: refused before any cut when a
    redacted name or number is said inside a clip (from the keyframe the cut starts at)."""
    from vidkit.pipeline.clip_fast import keyframe_before

    for number, wanted in enumerate(clips, 1):
        start = keyframe_before(info.path, wanted.start)
        if any(_in_spans(item, [(start, wanted.end)]) for item in redactions):
            raise BadInputError(f"clip {number} ({wanted.label()}): a redacted name or number is said in it and "
                                "--fast copies the audio, so it cannot be bleeped: drop --fast")


def _words(video: Path, transcript_file: Path | None, transcript: Transcript | None, redactions,
           spans: list[tuple[float, float]], privacy, settings: Settings, reporter: Reporter, label: str,
           *, bleeped: bool, engines: Any = None):
    """The clip record's `words` block: what was redacted inside the clip and the second listen."""
    from vidkit.privacy.spoken import WordsRecord, listen_again, unredacted
    from vidkit.privacy.redact import redaction_counts
    from vidkit.privacy.transcript_store import KEY_FIELD

    if privacy is None:
        return unredacted()
    inside = [item for item in redactions if _in_spans(item, spans)]
    words = WordsRecord(redacted=True, roster_sha256=privacy.roster_sha256, counts=redaction_counts(inside),
                        audio_bleeped=bool(inside) and bleeped,
                        transcript_sha256=file_sha256(transcript_file) if transcript_file else None,
                        clear_transcript=(transcript.provenance.get(KEY_FIELD) if transcript else None))
    if not settings.get("privacy", "verify_words"):
        words.note = "the second listen is off (privacy.verify_words = false)"
        return words
    progress = reporter.stage(f"{label}: listening again", 1.0)
    words.verified, words.heard, words.note = listen_again(
        video, privacy.roster, settings.section("transcribe"), lambda done, total: progress(done / max(total, 1e-9)),
        engines)
    return words


def _excerpt(transcript: Transcript | None, spans: list[tuple[float, float]]) -> Transcript | None:
    """The clip's words in clip time: one span is a plain excerpt, several play back to back."""
    if transcript is None:
        return None
    if len(spans) == 1:
        return transcript_excerpt(transcript, *spans[0])
    return SpanMap(tuple(spans), spans[0][0], spans[-1][1]).retime_transcript(transcript)


_SUBJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def clip_plan(section: dict[str, Any], request: ClipRequest, settings: Settings) -> ClipPlan:
    """Flags and [clip] settings checked once, before any work."""
    for subject in request.subjects:
        if not _SUBJECT.match(subject) or " " in subject:
            raise BadInputError(f"--subject {subject!r}: use a pseudonymous id (letters, digits, . _ -), "
                                "never a name")
    from vidkit.clips.reframe import output_size, parse_aspect

    aspect = parse_aspect(section["aspect"]) if section["aspect"] else None
    output_size((9, 16), None, section["size"])  # a wrong [clip] size is refused before any work
    if request.fast and (aspect or section["burn"] or request.trim_silence or section["branding"]):
        raise BadInputError("--fast copies the source as it is: it cannot reframe, burn captions, "
                            "trim pauses or add branding (drop --fast)")
    if request.fast and section["blur"]:
        raise BadInputError("--fast copies the source, so faces would stay visible: add --no-blur to "
                            "confirm the clip may show faces, or drop --fast")
    branding = None
    if section["branding"]:
        from vidkit.clips.branding import load_branding

        branding = load_branding(section["branding"])
    clinic = settings.section("clinic")
    values = {"title": request.title or "", "clinic": clinic["name"], "contact": clinic["contact"]}
    return ClipPlan(aspect=aspect, blur=section["blur"], burn=section["burn"], max_pan=section["max_pan"],
                    branding=branding, branding_values=values, thumbnail=section["thumbnail"],
                    title=request.title, size=section["size"])


def _check_against_roster(input_path: Path, request: ClipRequest, settings: Settings):
    """Before any work: no roster name in what names the outputs or is searched for (names are
    [name] by then); returns the roster, for the check of --title."""
    from vidkit.privacy.options import privacy_options
    from vidkit.privacy.identifying import refuse_identifying_text

    roster = privacy_options(settings, [(input_path, "the recording's file name")]).roster
    for phrase in request.find:
        refuse_identifying_text(phrase, roster, "a --find phrase")
    return roster


def _transcript(input_path: Path, info: MediaInfo, settings: Settings, reporter: Reporter,
                out: Path | None, request: ClipRequest, section: dict[str, Any], engines: Any = None):
    """The transcript: made when a step needs it (finding, ranking, trimming, burning, roster),
    else used when one exists."""
    job = ClipJobResult()
    needs = bool(request.find or request.auto or request.trim_silence or section["burn"]
                 or settings.get("privacy", "roster"))
    path = find_transcript(input_path, resolve_out_dir(settings, out))
    if path is None and not needs:
        return None, None, job
    # Finds, loads and checks it again, or transcribes; with a roster the clear one, from the store.
    got = obtain_transcript(input_path, info, settings, reporter, out, None, engines)
    job.outputs.update(got.outputs)
    return got.transcript, find_transcript(input_path, resolve_out_dir(settings, out)), job


def _redacted(transcript: Transcript | None, settings: Settings):
    """Roster names out of the clip's captions and (as bleeps) out of its audio."""
    if transcript is None or not settings.get("privacy", "roster"):
        return transcript, ()
    from vidkit.privacy.options import privacy_options
    from vidkit.privacy.redact import redact_transcript

    redacted, items = redact_transcript(transcript, privacy_options(settings).roster)
    return redacted, tuple(items)


def _spans(wanted: ClipRange, transcript: Transcript | None, section: dict[str, Any],
           info: MediaInfo) -> list[tuple[float, float]]:
    from vidkit.clips.silence import keep_spans

    if transcript is None:
        raise BadInputError("--trim-silence needs a transcript")
    return keep_spans(transcript.caption_words(frozenset()), wanted.start, wanted.end,
                      min_pause=section["min_pause"], margin=section["pause_margin"], fps=info.video.fps)


def _check_shorts(clips: list[ClipRange], plan: ClipPlan) -> None:
    if plan.aspect != (9, 16):
        return
    extra = plan.branding.total_seconds if plan.branding is not None else 0.0
    for number, clip in enumerate(clips, 1):
        if clip.duration + extra > SHORTS_MAX_SECONDS + 1e-6:
            with_cards = f" with {extra:g} s of intro/outro" if extra else ""
            raise BadInputError(
                f"clip {number} ({clip.label()}) would last {clip.duration + extra:.1f} s{with_cards}: a 9:16 "
                f"Short may last at most {SHORTS_MAX_SECONDS:.0f} s, or YouTube treats it as an ordinary "
                f"video; shorten the range or use --aspect 16:9")


def _sidecars(job: ClipJobResult, key: str, input_path: Path, out_dir: Path | None, name: str,
              excerpt: Transcript | None, cues: list, made: MadeClip | None) -> int:
    if excerpt is None:
        return 0
    job.outputs[f"{key}.transcript"] = write_text(output_path(input_path, out_dir, f"{name}.transcript.json"),
                                                  excerpt.to_json())
    lead = made.lead_seconds if made is not None else 0.0
    if lead:  # sidecars play against the published video, which starts with the intro card
        cues = [replace(c, start=c.start + lead, end=c.end + lead) for c in cues]
    for fmt in SIDECARS:
        if cues:
            job.outputs[f"{key}.{fmt}"] = write_plain(cues, output_path(input_path, out_dir, f"{name}.{fmt}"), fmt)
    return len(cues)


def _thumbnail(video: Path, target: Path, plan: ClipPlan) -> Path:
    from vidkit.clips.thumbnail import make_thumbnail

    return make_thumbnail(video, target, title=plan.title)


def clip_record(number: int, wanted: ClipRange, spans: list[tuple[float, float]], frames: int, seconds: float,
                request: ClipRequest, plan: ClipPlan, source: dict[str, Any], captions: int,
                made: MadeClip | None, video: Path) -> dict[str, Any]:
    """What `<stem>.clipNN.clip.json` says: hashes, never file names (they may name a patient)."""
    privacy: dict[str, Any] = {"masked": False, "verified": None}
    if made is not None and made.masks is not None and plan.blur:
        privacy = {"masked": True, "verified": made.verified, "tracks": len(made.masks.tracks),
                   "verification_rounds": len(made.rounds),
                   "faces_left": len(made.rounds[-1]) if made.rounds else 0}
    start, end = spans[0][0], spans[-1][1]
    return {
        "schema": CLIP_SCHEMA,
        "index": number,
        "mode": "fast" if request.fast else "exact",
        "source": source,
        "requested": {"start": wanted.start, "end": wanted.end},
        "actual": {"start": round(start, 6), "end": round(end, 6), "duration": round(seconds, 6)},
        "spans": [[round(a, 6), round(b, 6)] for a, b in spans],
        "frames": frames,
        "aspect": f"{plan.aspect[0]}:{plan.aspect[1]}" if plan.aspect else None,
        "size": list(made.size) if made is not None else None,
        "crop_keeps_face": crop_inside(made.crops, made.masks, made.schedule) if made is not None else None,
        "captions": captions,
        "burned_captions": bool(plan.burn and captions and made is not None),
        "branding": made is not None and plan.branding is not None,
        "intro_seconds": round(made.lead_seconds, 6) if made is not None else 0.0,  # captions start this much later
        "privacy": privacy,
        "subjects": list(request.subjects),
        "title": request.title,  # as given with --title (thumbnail, intro card); describe reuses it
        "video_sha256": file_sha256(video),
    }

