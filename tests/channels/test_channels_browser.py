"""The channels page in Chromium: a supervisor adds a 钉钉 robot with its secret, presses the
test button and reads the robot's answer; the page shows neither the key nor the secret, and
the console stays clean (no CSP violation)."""

from __future__ import annotations

import pytest
from browser import Console, log_in
from django.urls import reverse
from factories import make_unit, make_user
from playwright.sync_api import Page, expect

from projects import roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SECRET = "SEC9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"


def test_a_supervisor_sets_up_a_robot_and_tests_it(page: Page, live_server, robot, jurisdiction):
    unit = make_unit(jurisdiction, "区教育局")
    make_user("sup", roles.SUPERVISOR, jurisdiction=jurisdiction)
    page.set_extra_http_headers({"Accept-Language": "zh-CN,zh"})  # the offices' browsers
    console = Console()
    console.watch(page)
    log_in(page, live_server.url, "sup")

    page.goto(live_server.url + reverse("channels:index"))
    page.get_by_role("link", name="区教育局").click()
    page.get_by_label("类别").select_option("dingtalk")
    page.get_by_label("名称").fill("教育局工作群")
    page.get_by_label("Webhook 地址").fill(robot.dingtalk("tok4321"))
    page.get_by_label("加签密钥（钉钉）").fill(SECRET)
    page.get_by_role("button", name="添加此渠道").click()
    expect(page.locator("body")).to_contain_text("已添加渠道：教育局工作群")

    page.get_by_role("button", name="发送测试消息").click()
    expect(page.locator("body")).to_contain_text("发往 教育局工作群 的测试消息已送达")
    [seen] = robot.seen("tok4321")
    assert "sign" in seen.query and "区教育局" in seen.body["markdown"]["text"]
    html = page.content()
    assert "tok4321" not in html and SECRET not in html and "…4321" in html
    assert page.url.endswith(reverse("channels:unit", args=[unit.pk]))
    assert console.errors == []
