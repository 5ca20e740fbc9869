"""Stages wired together for the CLI and (later) presets and watch mode."""
