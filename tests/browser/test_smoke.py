import pytest


@pytest.mark.browser
def test_admin_login_page_renders(live_server, page, tmp_path):
    response = page.goto(live_server.url + "/nl/admin/login/")

    assert response is not None and response.ok, response and response.status
    assert page.locator("html").get_attribute("lang") == "nl"
    username = page.locator("input[name=username]")
    username.wait_for(state="visible")
    assert page.locator("input[name=password]").is_visible()

    screenshot = tmp_path / "admin-login.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
