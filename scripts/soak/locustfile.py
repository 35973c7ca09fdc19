"""The soak's simulated officials (issue 16 item 3), driven headless by locust (scripts/soak/run.py, `make soak`).

Each simulated user signs in as the demo persona of its role (chaindesk/demo/city.py, DEMO_PASSWORD) and then, with
a few seconds' thought between steps, opens the pages that role uses most and does its usual actions, weighted:
the chain chief's 工作台, cockpit and 督办 queue; the team member's demand triage (accepting a submitted demand
through the API); the liaison's enterprises and visits; the department handler's task queue; the district admin's
lists; the enterprise user's demand submission (API) and own demands. A 409 (someone else acted first) is an
answer, not an error.
"""

import random
import re
from typing import Any

from locust import HttpUser, between, task

PASSWORD = "Taizhou@2026"  # noqa: S105 - chaindesk.demo.city.DEMO_PASSWORD (locust does not import Django)


class Official(HttpUser):
    """A signed-in official; subclasses name the persona and its weighted steps."""

    abstract = True
    wait_time = between(1, 5)
    username = ""

    def on_start(self) -> None:
        self.client.get("/accounts/login/", name="login page")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/accounts/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login as {self.username}: {response.status_code}")

    def page(self, path: str, name: str | None = None) -> Any:
        return self.client.get(path, name=name or path)

    def api(self, method: str, path: str, name: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": f"{self.host}/"}
        with self.client.request(method, path, json=body, headers=headers, name=name, catch_response=True) as r:
            if r.status_code == 409 or r.status_code < 400:
                r.success()
            else:
                r.failure(f"{r.status_code}: {r.text[:200]}")
            return r


class ChainChief(Official):
    weight = 10
    username = "jiangdd"

    @task(4)
    def workbench(self) -> None:
        self.page("/")

    @task(3)
    def cockpit(self) -> None:
        self.page("/cockpit/")

    @task(2)
    def supervision(self) -> None:
        self.page("/demands/supervision/")

    @task(1)
    def projects(self) -> None:
        self.page("/projects/")


class TeamMember(Official):
    weight = 25
    username = "wangzh"

    @task(4)
    def triage(self) -> None:
        self.page("/demands/triage/")

    @task(2)
    def team_queue(self) -> None:
        self.page("/demands/team/")

    @task(2)
    def demands(self) -> None:
        self.page("/demands/")

    @task(1)
    def accept_one(self) -> None:
        listing = self.api("GET", "/api/demands/?status=submitted", "api demands submitted")
        items = (listing.json() or {}).get("items", []) if listing.status_code == 200 else []
        if items:
            pk = random.choice(items)["id"]  # noqa: S311 - load, not security
            self.api(
                "POST", f"/api/demands/{pk}/accept", "api demand accept", {"expected_status": "submitted", "note": ""}
            )


class Liaison(Official):
    weight = 20
    username = "liming"

    @task(3)
    def mine(self) -> None:
        response = self.page("/service/")
        found = re.findall(r"/service/enterprises/(\d+)/visits/", response.text or "")
        if found:
            self.page(f"/service/enterprises/{random.choice(found)}/visits/", "/service/enterprises/[id]/visits/")  # noqa: S311

    @task(2)
    def next_steps(self) -> None:
        self.page("/service/next-steps/")

    @task(1)
    def workbench(self) -> None:
        self.page("/")


class DepartmentHandler(Official):
    weight = 20
    username = "chenjing"

    @task(4)
    def task_queue(self) -> None:
        response = self.page("/demands/tasks/")
        found = re.findall(r"/demands/tasks/(\d+)/", response.text or "")
        if found:
            self.page(f"/demands/tasks/{random.choice(found)}/", "/demands/tasks/[id]/")  # noqa: S311

    @task(1)
    def workbench(self) -> None:
        self.page("/")


class DistrictAdmin(Official):
    weight = 10
    username = "zhoutao"

    @task(2)
    def enterprises(self) -> None:
        self.page("/enterprises/")

    @task(2)
    def projects(self) -> None:
        self.page("/projects/")

    @task(1)
    def demands(self) -> None:
        self.page("/demands/")


class EnterpriseUser(Official):
    weight = 15
    username = "liuyang"
    enterprise_id = 0

    @task(3)
    def own_demands(self) -> None:
        self.page("/demands/")

    @task(1)
    def submit(self) -> None:
        if not self.enterprise_id:
            me = self.api("GET", "/api/enterprises/", "api enterprises")
            items = (me.json() or {}).get("items", []) if me.status_code == 200 else []
            self.enterprise_id = items[0]["id"] if items else 0
        if self.enterprise_id:
            body = {
                "enterprise_id": self.enterprise_id,
                "title": f"压测诉求{random.randrange(10**6)}",  # noqa: S311
                "description": "用电增容申请需协调。",
                "category": "land",
            }
            self.api("POST", "/api/demands/", "api demand submit", body)
