from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from advocate.commerce import history, services
from advocate.commerce.events import FieldError


class Command(BaseCommand):
    help = (
        "Import history from a CSV or JSON Lines file of events (the same events as POST /api/v1/events). "
        "Each event is applied once; running the same file again changes nothing. Prints what was rejected "
        "and why, and can write the rejected lines to a file to fix and re-import."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="a .csv, .jsonl or .ndjson file")
        parser.add_argument("--rejects", type=Path, help="write each rejected line and its reasons here")
        parser.add_argument("--batch", type=int, default=500, help="events per transaction (default 500)")

    def handle(self, *args, path: Path, rejects: Path | None, batch: int, **opts):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if not 1 <= batch <= services.MAX_BATCH:
            raise CommandError(f"--batch must be between 1 and {services.MAX_BATCH}")
        try:
            fmt = history.detect_format(path)
            items = history.read_items(path, fmt)
            totals, rejected = self._import(items, path, batch, quiet=opts["verbosity"] == 0)
        except history.HistoryFormatError as exc:
            raise CommandError(str(exc)) from None

        self.stdout.write(
            f"{totals['applied']:,} applied, {totals['duplicate']:,} already known (duplicate), "
            f"{totals['rejected']:,} rejected"
        )
        reasons = Counter(f"{e.field}: {e.message}" for _, errors in rejected for e in errors)
        for reason, n in reasons.most_common(10):
            self.stdout.write(f"  {n:>7,} × {reason}")
        for line, errors in rejected[:20]:
            self.stdout.write(f"  line {line}: " + "; ".join(f"{e.field}: {e.message}" for e in errors))
        if len(rejected) > 20:
            self.stdout.write(f"  … and {len(rejected) - 20:,} more rejected lines")
        if rejects and rejected:
            with rejects.open("w", encoding="utf-8") as out:
                for line, errors in rejected:
                    out.write(f"line {line}\t" + "; ".join(f"{e.field}: {e.message}" for e in errors) + "\n")
            self.stdout.write(f"Rejected lines and reasons written to {rejects}")

    def _import(self, items, path, batch_size, quiet):
        totals = Counter(applied=0, duplicate=0, rejected=0)
        rejected: list[tuple[int, list[FieldError]]] = []
        batch: list[tuple[int, object]] = []

        def flush():
            parseable = [(n, raw) for n, raw in batch if not isinstance(raw, str)]
            for n, raw in batch:
                if isinstance(raw, str):
                    totals["rejected"] += 1
                    rejected.append((n, [FieldError(field="line", message=raw)]))
            outcomes = services.events_ingest(items=[raw for _, raw in parseable])
            for (n, _), outcome in zip(parseable, outcomes, strict=True):
                totals[outcome.status] += 1
                if outcome.status == "rejected":
                    rejected.append((n, outcome.errors))
            bar.update(len(batch))
            batch.clear()

        with tqdm(total=history.count_lines(path), unit="line", desc="Importing", disable=quiet) as bar:
            for number, raw in items:
                batch.append((number, raw))
                if len(batch) >= batch_size:
                    flush()
            if batch:
                flush()
        rejected.sort()
        return totals, rejected
