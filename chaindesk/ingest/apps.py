from django.apps import AppConfig


class IngestConfig(AppConfig):
    """Reading meeting reports into records (issue 15): a pasted or uploaded report normalised, read into a draft
    of the meeting, its people, enterprises, projects, demands, decisions and items sought from above, and scored
    against labelled examples."""

    name = "chaindesk.ingest"
    label = "ingest"
    verbose_name = "会议报道识别"
