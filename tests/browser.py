"""Helpers of the browser tests: a console watcher and the login through the real form."""

from __future__ import annotations

from django.urls import reverse
from factories import PASSWORD
from playwright.sync_api import ConsoleMessage, Page, Response, expect


class Console:
    """Every console error, uncaught exception and failed request of the pages it watches
    (Chromium reports a CSP violation as a console error).

    The one exception: Chromium asks for /favicon.ico on its own, and the site has no icon.
    """

    IGNORED = "/favicon.ico"

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.on("response", self._response)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        if message.type == "error" and not url.endswith(self.IGNORED):
            self.errors.append(f"{url}: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and not response.url.endswith(self.IGNORED):
            self.errors.append(f"{response.status} {response.url}")


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + reverse("login"))
    login_form = page.locator(f'form[action="{reverse("login")}"]')
    login_form.locator('input[name="username"]').fill(username)
    login_form.locator('input[name="password"]').fill(PASSWORD)
    login_form.locator('button[type="submit"]').click()
    expect(page).to_have_url(base + reverse("home"))
