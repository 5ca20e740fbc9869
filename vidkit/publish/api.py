"""One YouTube API call: quota checked before, retried when transient, charged after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vidkit.publish.quota import Quota
from vidkit.publish.retry import Backoff, with_retries


@dataclass
class Api:
    youtube: Any  # the googleapiclient resource
    http: Any  # its authorised transport (for the upload's own requests)
    quota: Quota
    backoff: Backoff

    def call(self, method: str, make_request: Callable[[Any], Any], what: str) -> Any:
        """Execute `make_request(youtube)` as API method `method` ("captions.insert")."""
        self.quota.check([method])
        result = with_retries(lambda: make_request(self.youtube).execute(), self.backoff, what)
        self.quota.charge(method)
        return result
