"""Every demo role logs in through the real form and lands on its own 工作台."""

import pytest

from chaindesk.demo.city import PEOPLE


def _screenshot_name(index: int) -> str:
    person = PEOPLE[index]
    first_of_role = next(i for i, p in enumerate(PEOPLE) if p.role == person.role) == index
    suffix = "" if first_of_role else f"-{person.username}"
    return f"workbench-{person.role}{suffix}"


@pytest.mark.browser
@pytest.mark.parametrize("index", range(len(PEOPLE)), ids=[p.username for p in PEOPLE])
def test_each_role_sees_its_workbench(page, login, shot, index):
    person = PEOPLE[index]
    login(page, person.username)
    workbench = page.locator('[data-testid="workbench"]')
    assert workbench.get_attribute("data-role") == str(person.role)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert person.name in page.locator("header").inner_text()
    # The sidebar marks 工作台 as the current area.
    assert page.locator('.cd-sidebar [aria-current="page"]').inner_text().strip() == "工作台"
    shot(page, _screenshot_name(index))
