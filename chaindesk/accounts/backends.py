from typing import Any

from django.contrib.auth.backends import ModelBackend

from .models import User


class ChainDeskBackend(ModelBackend):
    """Django's backend, loading the user's region and department with the user (one query per request)."""

    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("region", "department").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
