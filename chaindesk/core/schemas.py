"""The typed shapes of core's part of the JSON API (chaindesk/core/api.py): a notification of the reader's own
inbox, and how many a 全部已读 marked."""

import datetime as dt

from ninja import Field, Schema


class NotificationOut(Schema):
    id: int
    kind: str = Field(..., description="类型，如 task_warned、task_assigned")
    title: str
    body: str
    url: str = Field(..., description="站内链接（相对地址）；可为空")
    created_at: dt.datetime
    read_at: dt.datetime | None = Field(None, description="已读时间；null 为未读")


class MarkedOut(Schema):
    marked: int = Field(..., description="本次标为已读的条数")
