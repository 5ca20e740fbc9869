"""YouTube publishing: the client seam, auth, the ledger, quota, gates and the resumable upload."""
