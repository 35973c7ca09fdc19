"""`chaindesk ingest-eval DIR`: read every NAME.txt of DIR, score the draft against NAME.json (the rules of the
folder's README, `chaindesk.ingest.scoring`) and print each file's scores, each field's precision and recall over
the folder, and the micro-average."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chaindesk.ingest.extract import draft
from chaindesk.ingest.scoring import Counts, score


class Command(BaseCommand):
    help = "score the drafts of a folder of labelled meeting reports (NAME.txt against NAME.json)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--json", action="store_true", help="print the scores as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["folder"]
        pairs = [(t, t.with_suffix(".json")) for t in sorted(folder.glob("*.txt")) if t.with_suffix(".json").exists()]
        labels = sorted(folder.glob("*.json"))
        for label in labels:  # a label whose text lies elsewhere (seed.json names its "source")
            source = json.loads(label.read_text(encoding="utf-8")).get("source")
            if source and not label.with_suffix(".txt").exists() and (folder / source).exists():
                pairs.append((folder / source, label))
        if not pairs:
            raise CommandError(f"no NAME.txt with its NAME.json in {folder}")
        total = Counts()
        files: dict[str, dict[str, float]] = {}
        for text, label in sorted(pairs, key=lambda pair: pair[1].name):
            counts = score(json.loads(label.read_text(encoding="utf-8")), draft(text.read_text(encoding="utf-8")))
            total.add(counts)
            files[label.stem] = {"precision": counts.precision(), "recall": counts.recall(), "f1": counts.f1()}
        fields = {
            f"{name}.{field}": {
                "precision": total.precision((name, field)),
                "recall": total.recall((name, field)),
                "labelled": total.labelled[(name, field)],
                "drafted": total.drafted[(name, field)],
                "hits": total.hits[(name, field)],
            }
            for name, field in total.fields()
        }
        micro = {"precision": total.precision(), "recall": total.recall(), "f1": total.f1()}
        if options["json"]:
            self.stdout.write(json.dumps({"files": files, "fields": fields, "micro": micro}, ensure_ascii=False))
            return
        self.stdout.write("file                                   P      R      F1")
        for stem, s in files.items():
            self.stdout.write(f"{stem:<36} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f}")
        self.stdout.write("\nfield                                  P      R   hits/labelled/drafted")
        for key, s in fields.items():
            counts_text = f"{s['hits']}/{s['labelled']}/{s['drafted']}"
            self.stdout.write(f"{key:<36} {s['precision']:6.3f} {s['recall']:6.3f}   {counts_text}")
        self.stdout.write(f"\nmicro-average: P {micro['precision']:.3f}  R {micro['recall']:.3f}  F1 {micro['f1']:.3f}")
