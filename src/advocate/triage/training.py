"""Where the triage models come from: trained from the labelled files in `data/` (see its README) and kept in
a folder under the fingerprint of those files, so a changed file means a new model and an unchanged one is
loaded, not retrained. Plain Python: the caller says where models are kept."""

import hashlib
import threading
from pathlib import Path

from . import model

DATA = Path(__file__).parent / "data"
_lock = threading.Lock()
_loaded: dict[Path, model.Model] = {}
_fingerprints: dict[tuple, str] = {}


def examples(directory: Path = DATA) -> list[model.Example]:
    found = []
    for path in _files(directory):
        found.extend(model.read_examples(path))
    return found


def _files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def fingerprint(directory: Path = DATA) -> str:
    """The training files' fingerprint (with the feature format's version): read again only when a file's size
    or time changes, so asking costs a few stat calls."""
    files = _files(directory)
    signature = tuple((path.name, stat.st_size, stat.st_mtime_ns) for path in files for stat in [path.stat()])
    if signature not in _fingerprints:
        digest = hashlib.sha256(f"format {model.FORMAT}".encode())
        for path in files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        _fingerprints[signature] = digest.hexdigest()[:16]
    return _fingerprints[signature]


def model_path(store: Path, directory: Path = DATA) -> Path:
    return store / "triage" / f"model-{fingerprint(directory)}.joblib"


def train_and_save(store: Path, *, directory: Path = DATA) -> tuple[model.Model, Path]:
    path = model_path(store, directory)
    built = model.train(examples(directory), fingerprint=fingerprint(directory))
    built.save(path)
    for old in path.parent.glob("model-*.joblib"):
        if old != path:
            old.unlink(missing_ok=True)
    return built, path


def current(store: Path) -> model.Model:
    """The model for today's training files: loaded once per process, trained the first time it is needed.
    If the files change while a model is already loaded, that one goes on serving (no message waits a minute
    for training) until `advocate triage train`, or the next start, makes the new one."""
    path = model_path(store)
    with _lock:
        if path not in _loaded:
            if path.exists():
                _loaded.clear()
                _loaded[path] = model.Model.load(path)
            elif _loaded:
                return next(iter(_loaded.values()))
            else:
                _loaded[path] = train_and_save(store)[0]
        return _loaded[path]
