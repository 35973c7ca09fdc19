from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "chaindesk.synth"
    verbose_name = "Synthetic data"
