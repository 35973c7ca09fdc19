from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "chaindesk.meetings"
    label = "meetings"
    verbose_name = "会议"
