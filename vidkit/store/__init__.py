"""The vidkit store: one SQLite file (publish ledger, jobs) with versioned migrations."""

from vidkit.store.db import STORE_FILE, Store, default_store_path, open_store
from vidkit.store.jobs import DONE, FAILED, RUNNING, JobStore, Output, StepRecord, params_sha256
from vidkit.store.migrations import MIGRATIONS, STORE_VERSION, Migration

__all__ = ["DONE", "FAILED", "MIGRATIONS", "RUNNING", "STORE_FILE", "STORE_VERSION", "JobStore", "Migration",
           "Output", "Store", "StepRecord", "default_store_path", "open_store", "params_sha256"]
