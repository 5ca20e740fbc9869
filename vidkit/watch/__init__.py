"""`vidkit watch`: a folder of recordings processed exactly once (see vidkit.watch.watcher)."""
