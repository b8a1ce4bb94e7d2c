"""The printed link, in chromium: another site's page can neither use it nor burn it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import Web


def _token(link: str) -> str:
    return link.split("token=")[1]


def test_a_cross_origin_post_of_the_link_is_refused_and_the_link_then_opens_the_page(
    page: Page, web: Web
) -> None:
    link = web.link()
    # Another site's form that posts the link: the page it would open is refused.
    page.set_content(f'<form method="post" action="{link}"><button>Send</button></form>')
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("The link was not used")
    assert page.context.cookies() == []
    assert web.state.tokens.known(_token(link))
    # The person it was printed for opens it: the page and a session.
    page.goto(link)
    expect(page).to_have_url(web.url + "/")
    expect(page.locator("#file")).to_be_attached()
    assert [cookie["name"] for cookie in page.context.cookies()] == ["whiteclad_session"]


def test_a_link_embedded_or_followed_from_another_site_is_not_burned(page: Page, web: Web) -> None:
    link = web.link()
    page.set_content(f'<img src="{link}" alt="x"><a href="{link}">the link</a>')
    page.wait_for_load_state("load")
    assert page.context.cookies() == []
    assert web.state.tokens.known(_token(link))
    page.get_by_role("link", name="the link").click()
    expect(page.get_by_role("heading", name="Open whiteclad-import")).to_be_visible()
    assert page.context.cookies() == [] and web.state.tokens.known(_token(link))
    page.get_by_role("link", name="Open whiteclad-import").click()
    expect(page).to_have_url(web.url + "/")
    expect(page.locator("#file")).to_be_attached()
    assert not web.state.tokens.known(_token(link))
