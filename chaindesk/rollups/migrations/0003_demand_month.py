"""办理指标's rollup compressed: the close_days histogram moves from the key of `DemandDay` into a text column of
its rows (one row per day, group and reader key instead of one per distinct close_days too), and `DemandMonth`
adds the days of each month up. The rows are converted in place, so the pages keep their figures."""

from collections import Counter

from django.db import migrations, models

KEYS = ("day", "dimension", "group_id", "reader", "reader_chains", "reader_region")
COUNTS = (
    "received", "accepted", "waiting", "decided", "responded", "closed", "on_time", "rated", "satisfied",
    "reopened", "t_done", "t_reopened", "t_urged",
)  # fmt: skip


def _encode(histogram: Counter) -> str:
    return ",".join(f"{value}:{n}" for value, n in sorted(histogram.items()) if n)


def _fold(rows, key_of):
    folded = {}
    for row in rows:
        counts, closed = folded.setdefault(key_of(row), ([0] * len(COUNTS), Counter()))
        for i, name in enumerate(COUNTS):
            counts[i] += row[name]
        closed.update(row["closed_by_days"])
    return folded


def compress(apps, schema_editor):
    db = schema_editor.connection.alias  # the database being migrated (--database), not the default
    day_model = apps.get_model("rollups", "DemandDay")
    month_model = apps.get_model("rollups", "DemandMonth")
    rows = []
    for row in day_model.objects.using(db).values(*KEYS, *COUNTS, "close_days").iterator(chunk_size=10_000):
        row["closed_by_days"] = Counter({row["close_days"]: row["closed"]} if row["close_days"] is not None else {})
        rows.append(row)
    days = _fold(rows, lambda r: tuple(r[k] for k in KEYS))
    day_model.objects.using(db).all().delete()
    day_model.objects.using(db).bulk_create(
        [
            day_model(
                **dict(zip(KEYS, key, strict=True)), **dict(zip(COUNTS, counts, strict=True)), histogram=_encode(closed)
            )
            for key, (counts, closed) in days.items()
        ],
        batch_size=1000,
    )
    months = _fold(rows, lambda r: (r["day"].replace(day=1), *(r[k] for k in KEYS[1:])))
    month_model.objects.using(db).bulk_create(
        [
            month_model(
                month=key[0],
                **dict(zip(KEYS[1:], key[1:], strict=True)),
                **dict(zip(COUNTS, counts, strict=True)),
                histogram=_encode(closed),
            )
            for key, (counts, closed) in months.items()
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0002_demand_day"),
    ]

    operations = [
        migrations.AddField(
            model_name="demandday",
            name="histogram",
            field=models.TextField(blank=True, default=""),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="DemandMonth",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("dimension", models.CharField(max_length=12)),
                ("group_id", models.IntegerField(null=True)),
                ("reader", models.CharField(max_length=8)),
                ("reader_chains", models.CharField(blank=True, max_length=255)),
                ("reader_region", models.IntegerField(null=True)),
                ("received", models.IntegerField()),
                ("accepted", models.IntegerField()),
                ("waiting", models.IntegerField()),
                ("decided", models.IntegerField()),
                ("responded", models.IntegerField()),
                ("closed", models.IntegerField()),
                ("on_time", models.IntegerField()),
                ("rated", models.IntegerField()),
                ("satisfied", models.IntegerField()),
                ("reopened", models.IntegerField()),
                ("t_done", models.IntegerField()),
                ("t_reopened", models.IntegerField()),
                ("t_urged", models.IntegerField()),
                ("histogram", models.TextField(blank=True)),
                ("month", models.DateField()),
            ],
            options={
                "verbose_name": "诉求办理月汇总",
                "indexes": [models.Index(fields=["dimension", "reader", "month"], name="rollup_demand_month_idx")],
            },
        ),
        migrations.RunPython(compress, migrations.RunPython.noop),
        migrations.RemoveField(model_name="demandday", name="close_days"),
    ]
