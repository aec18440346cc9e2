import json
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from advocate.triage import services, training

BATCH = 2000


class Command(BaseCommand):
    help = "Triage models: train them, classify messages from a file, export associates' corrections."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True, metavar="{train,classify,corrections}")
        commands.add_parser("train", help="Train the models from src/advocate/triage/data (a minute or two).")
        classify = commands.add_parser(
            "classify", help='Read JSON Lines {"id", "text", "lang"?} and write one JSON line of triage per message: '
                             "id, language, reason, confidence, abusive, wants_person, would_auto_answer.")
        classify.add_argument("file", help="JSON Lines file, or - for standard input")
        commands.add_parser("corrections", help="Write associates' corrections as training lines (JSON Lines) to "
                                                "standard output; add them to triage/data to learn from them.")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _train(self, **options):
        started = time.monotonic()
        count = len(training.examples())
        self.stderr.write(f"Training on {count:,} labelled messages…")
        model, path = training.train_and_save(settings.ADVOCATE_TRIAGE_MODELS)
        self.stdout.write(self.style.SUCCESS(
            f"Trained in {time.monotonic() - started:.0f} s: {path} (fingerprint {model.fingerprint})."))

    def _classify(self, file, **options):
        if not training.model_path(settings.ADVOCATE_TRIAGE_MODELS).exists():
            self.stderr.write("Training the triage models first (once; about a minute)…")
        source = sys.stdin if file == "-" else _open(file)
        batch, done = [], 0
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                    raise ValueError('each line needs a "text" string')
            except ValueError as error:
                raise CommandError(f"line {number}: {error}") from error
            batch.append(row)
            if len(batch) == BATCH:
                done += self._write(batch)
                batch = []
        done += self._write(batch)
        self.stderr.write(f"Classified {done:,} messages.")

    def _write(self, batch) -> int:
        for result in services.classify(batch) if batch else ():
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        return len(batch)

    def _corrections(self, **options):
        for line in services.corrected_examples():
            self.stdout.write(json.dumps(line, ensure_ascii=False))


def _open(path):
    try:
        return open(path, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from error
