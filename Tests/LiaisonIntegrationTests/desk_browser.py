#!/usr/bin/env python3
"""The office desk in a real headless Chromium (Selenium), every page audited by axe-core (WCAG 2.1 A and AA).

    desk_browser.py PLAN.json

PLAN: {"base": "http://127.0.0.1:PORT", "password": ..., "totp_key": BASE32 (haddad's), "student_query": "Amelia",
       "forgery": {"event": ID, "guardian": ID}}
The scenario: a sign-in locked after five wrong passwords; the admin signs in, raises an accident alert from the
Alerts page and stops it with "reached by phone"; a form on another origin posting to the desk is refused; a
teacher sees only their classes and cannot record a call for another class; the nurse signs in in Arabic with a
TOTP code. Prints `ok`/`FAIL` lines, `check NAME: VALUE` lines the Swift test reads, and a last line
`N pages audited, M violations`; exits 1 on any violation or failed step.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import struct
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from page_accessibility import audit, browser  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

failures = 0
pages = 0


def check(name, value):
    print(f"check {name}: {value}", flush=True)


def fail(message):
    global failures
    failures += 1
    print(f"FAIL {message}", flush=True)


def audited(driver, name):
    global pages, failures
    pages += 1
    failures += audit(driver, name)


def totp(key, at=None):
    """RFC 6238 with SHA-1, 30 s, 6 digits: written here from the RFC, independent of Liaison's."""
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    counter = int((at or time.time()) // 30)
    mac = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def press(driver, element):
    """Clicks and waits for the page the click leads to (a form's answer can take a bcrypt's time)."""
    element.click()

    def gone(_):
        # Chromium reports an element of a page being replaced either as stale or as not in the document.
        try:
            element.is_enabled()
            return False
        except WebDriverException:
            return True

    WebDriverWait(driver, 20).until(gone)


def shot(driver, name):
    """With DESK_SCREENSHOTS=folder, the page as a phone (390 px) and a desktop (1280 px) show it: the README's."""
    folder = os.environ.get("DESK_SCREENSHOTS")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    for label, width, height, mobile in [("phone", 390, 844, True), ("desktop", 1280, 860, False)]:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        time.sleep(0.3)
        driver.save_screenshot(os.path.join(folder, f"{name}-{label}.png"))
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def sign_in(driver, base, login, password, code=None):
    driver.get(base + "/desk/login")
    driver.find_element(By.ID, "login").send_keys(login)
    driver.find_element(By.ID, "password").send_keys(password)
    if code:
        driver.find_element(By.ID, "code").send_keys(code)
    press(driver, driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))


def sign_out(driver):
    press(driver, driver.find_element(By.CSS_SELECTOR, "form.signout button"))


def text_of(driver, selector):
    elements = driver.find_elements(By.CSS_SELECTOR, selector)
    return " | ".join(element.text for element in elements)


def serve_forgery(base, target, host):
    """A page on another origin whose form posts to the desk as soon as it loads (what a hostile site would do)."""
    page = f"""<!DOCTYPE html><html lang="en"><title>Prize draw</title><body>
<form method="post" action="{base}/desk/phone"><input type="hidden" name="event" value="{target['event']}">
<input type="hidden" name="guardian" value="{target['guardian']}"><input type="hidden" name="back" value="/desk">
<input type="hidden" name="csrf" value="guessed"></form><script>document.forms[0].submit()</script></body></html>"""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}/"


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        plan = json.load(handle)
    base, password = plan["base"], plan["password"]
    driver = browser()
    try:
        # Signed out, the desk sends you to sign in.
        driver.get(base + "/desk")
        check("signed-out path", driver.current_url.replace(base, ""))
        audited(driver, "sign-in")

        # Five wrong passwords lock the account; then even the right one is refused.
        for attempt in range(5):
            sign_in(driver, base, "nowak", "not the password %d" % attempt)
        check("after five wrong passwords", text_of(driver, "[role=alert]"))
        audited(driver, "sign-in, locked")
        sign_in(driver, base, "nowak", password)
        check("locked, right password", text_of(driver, "[role=alert]"))

        # The admin: Today, then an alert raised and stopped by a phone call.
        sign_in(driver, base, "clarke", password)
        check("admin title", driver.title)
        check("admin nav", text_of(driver, "nav a"))
        audited(driver, "today (admin)")
        driver.get(base + "/desk/alerts")
        audited(driver, "alerts (admin)")
        driver.find_element(By.ID, "q").send_keys(plan["student_query"])
        press(driver, driver.find_element(By.CSS_SELECTOR, "form[role=search] button"))
        audited(driver, "alerts, search results")
        form = driver.find_elements(By.CSS_SELECTOR, "form[method=post][action='/desk/alerts']")[0]
        form.find_element(By.CSS_SELECTOR, "input[value=accident]").click()
        form.find_element(By.CSS_SELECTOR, "textarea").send_keys("Fell in the playground; an ice pack on her knee.")
        press(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        check("alert page", driver.current_url.replace(base, ""))
        check("alert status before", text_of(driver, "[role=status]"))
        audited(driver, "alert in progress")
        shot(driver, "alert")
        press(driver, driver.find_elements(By.CSS_SELECTOR, "form[action='/desk/phone'] button")[0])
        check("alert status after", text_of(driver, "[role=status]"))
        audited(driver, "alert answered by phone")
        driver.get(base + "/desk")
        check("today alerts after", text_of(driver, "section[aria-labelledby=alerts-h] p"))
        driver.get(base + "/desk/not-reached")
        audited(driver, "not reached (admin)")
        check("not reached classes (admin)", text_of(driver, "main section h2"))

        # Live updates: an alert raised elsewhere (the API) appears on Today without a reload.
        driver.get(base + "/desk")
        driver.execute_script("window.liaisonNotReloaded = true;")
        check("live toggle", text_of(driver, "button.live-toggle"))
        request = urllib.request.Request(
            base + "/v1/alerts", data=json.dumps({"student": plan["live_student"], "kind": "sickness"}).encode(),
            headers={"Authorization": "Bearer " + plan["token"], "Content-Type": "application/json"}, method="POST")
        urllib.request.urlopen(request, timeout=30).read()
        try:
            WebDriverWait(driver, 25).until(lambda d: plan["live_name"] in d.find_element(By.ID, "live-alerts").text)
        except Exception:
            pass
        check("live alerts", driver.find_element(By.ID, "live-alerts").text.replace("\n", " | "))
        check("live without reload", driver.execute_script("return window.liaisonNotReloaded === true;"))
        audited(driver, "today with a live update (admin)")
        shot(driver, "today")

        # Messages: the list, then the newsletter's page, filtered to the guardians of one class.
        driver.get(base + "/desk/events")
        audited(driver, "messages (admin)")
        press(driver, driver.find_element(By.LINK_TEXT, plan["event_title"]))
        check("event title", driver.title)
        check("event chart", driver.find_element(By.CSS_SELECTOR, "svg title").get_attribute("textContent"))
        audited(driver, "message page (admin)")
        driver.find_element(By.ID, "f-class").send_keys("3A")
        press(driver, driver.find_element(By.CSS_SELECTOR, "form.filters button"))
        check("event rows for 3A", len(driver.find_elements(By.CSS_SELECTOR, "#guardians ~ div table tbody tr")))
        check("event status for 3A", text_of(driver, "p[role=status]"))
        audited(driver, "message page, one class (admin)")
        shot(driver, "message")

        # What families answered on an event's own page: a permission slip by class, a meeting's bookings.
        for event_id, heading in plan.get("form_events", []):
            driver.get(base + "/desk/events/" + event_id)
            check(f"form section {event_id}", [h.text for h in driver.find_elements(By.CSS_SELECTOR, "h2")].count(heading))
            audited(driver, f"message page with {event_id} (admin)")

        # Families: search, then a card (the audit log records it).
        driver.get(base + "/desk/families")
        driver.find_element(By.ID, "q").send_keys(plan["family_query"])
        press(driver, driver.find_element(By.CSS_SELECTOR, "form[role=search] button"))
        audited(driver, "families, search (admin)")
        press(driver, driver.find_element(By.CSS_SELECTOR, "main ul li a"))
        check("family card", driver.title)
        audited(driver, "family card (admin)")

        # Compose: a reminder to class 3A, previewed language by language, then sent.
        driver.get(base + "/desk/compose")
        audited(driver, "compose (admin)")
        driver.find_element(By.ID, "kind-reminder").click()
        driver.find_element(By.ID, "scope-classes").click()
        driver.find_element(By.ID, "members").send_keys("3A")
        driver.find_element(By.ID, "title").send_keys("Swimming kit on Tuesday")
        driver.find_element(By.ID, "body").send_keys("Please send your child with a swimming costume and a towel.")
        press(driver, driver.find_element(By.CSS_SELECTOR, "button[value=preview]"))
        check("compose preview status", text_of(driver, "section[aria-labelledby=preview-h] p[role=status]"))
        check("compose preview letters", text_of(driver, "article.preview h3"))
        check("compose preview untranslated", text_of(driver, "article.preview p.urgent"))
        check("compose preview subjects", text_of(driver, "article.preview div[lang] > p > strong"))
        check("compose preview directions", ",".join(
            f"{e.get_attribute('lang')}:{e.get_attribute('dir')}" for e in driver.find_elements(By.CSS_SELECTOR, "article.preview div[lang]")))
        audited(driver, "compose preview (admin)")
        shot(driver, "compose")
        press(driver, driver.find_element(By.CSS_SELECTOR, "button[value=send]"))
        check("composed page", driver.current_url.replace(base, ""))
        audited(driver, "composed message page (admin)")

        # Staff: the admin gives the office member an account; the new password is shown once.
        driver.get(base + "/desk/staff")
        audited(driver, "staff (admin)")
        press(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/desk/staff/patel/add'] button"))
        check("staff account made", text_of(driver, "div[role=status]"))
        check("staff new password", driver.find_element(By.CSS_SELECTOR, "div[role=status] code").text)

        # Health: the outbox, the channels, the check report.
        driver.get(base + "/desk/health")
        check("health sections", text_of(driver, "main section h2"))
        audited(driver, "health (admin)")

        # A page of another origin on this host (same site: the cookie goes along) is refused by the origin and
        # token checks; one on another host (cross-site) does not even carry the cookie.
        server, url = serve_forgery(base, plan["forgery"], "127.0.0.1")
        driver.get(url)
        time.sleep(1)
        check("forged post, same site", driver.title)
        audited(driver, "forged post refused")
        server.shutdown()
        server, url = serve_forgery(base, plan["forgery"], "localhost")
        driver.get(url)
        time.sleep(1)
        check("forged post, cross site", driver.title)
        server.shutdown()
        driver.get(base + "/desk")
        sign_out(driver)
        check("signed out", driver.current_url.replace(base, ""))

        # A teacher of 3A and 3B.
        sign_in(driver, base, "okafor", password)
        check("teacher nav", text_of(driver, "nav a"))
        audited(driver, "today (teacher)")
        driver.get(base + "/desk/events/" + plan["forgery"]["event"])
        check("teacher event classes", text_of(driver, "#f-class option"))
        driver.get(base + "/desk/alerts")
        check("teacher alerts", driver.title)
        audited(driver, "alerts refused (teacher)")
        driver.get(base + "/desk/not-reached?event=newsletter-2026-11-27&show=unanswered")
        check("not reached classes (teacher)", text_of(driver, "main section h2"))
        audited(driver, "not reached (teacher)")
        shot(driver, "not-reached")
        # The page's own token, posted for a guardian of another class (a form built in the page: its
        # Content-Security-Policy allows no script requests).
        driver.execute_script(
            "const form = document.createElement('form'); form.method = 'post'; form.action = '/desk/phone';"
            "for (const [name, value] of Object.entries(arguments[0])) {"
            " const input = document.createElement('input'); input.type = 'hidden'; input.name = name; input.value = value;"
            " form.appendChild(input); }"
            "document.body.appendChild(form); form.submit();",
            {"csrf": driver.find_element(By.CSS_SELECTOR, "form.signout input[name=csrf]").get_attribute("value"),
             "event": plan["forgery"]["event"], "guardian": plan["forgery"]["guardian"], "back": "/desk"})
        WebDriverWait(driver, 20).until(lambda d: "Not reached" not in d.title)
        status = driver.title
        check("teacher records a call for another class", status)
        driver.get(base + "/desk/compose")
        driver.find_element(By.ID, "members").send_keys("4A")
        driver.find_element(By.ID, "title").send_keys("Trip")
        driver.find_element(By.ID, "body").send_keys("Coats please.")
        press(driver, driver.find_element(By.CSS_SELECTOR, "button[value=preview]"))
        check("teacher composes to another class", text_of(driver, "[role=alert]"))
        audited(driver, "compose refused (teacher)")
        # My meetings: the booked times, and a calendar address (made twice: the first stops working), read by an
        # iCalendar parser as a phone's calendar would, without the desk's cookie.
        driver.get(base + "/desk/meetings")
        check("my meetings", text_of(driver, "main table tbody tr"))
        feed_form = "form[action='/desk/meetings/feed'] button"
        press(driver, driver.find_element(By.CSS_SELECTOR, feed_form))
        first = driver.find_element(By.CSS_SELECTOR, "code.secret").text
        press(driver, driver.find_element(By.CSS_SELECTOR, feed_form))
        second = driver.find_element(By.CSS_SELECTOR, "code.secret").text
        audited(driver, "my meetings with a new calendar address (teacher)")
        import icalendar
        def fetch(address):
            path = "/feeds/" + address.split("/feeds/", 1)[1]
            try:
                with urllib.request.urlopen(base + path) as response:
                    return response.status, response.headers.get("Cache-Control"), response.read()
            except urllib.error.HTTPError as error:
                return error.code, None, b""
        status, cache, body = fetch(second)
        events = list(icalendar.Calendar.from_ical(body).walk("VEVENT")) if status == 200 else []
        check("feed", f"{status} {cache} {len(events)} " + " | ".join(str(event["SUMMARY"]) for event in events))
        check("old feed", fetch(first)[0])
        sign_out(driver)

        # The nurse reads the desk in Arabic and signs in with a code from her app.
        sign_in(driver, base, "haddad", password)
        check("nurse without code", text_of(driver, "[role=alert]"))
        sign_in(driver, base, "haddad", password, totp(plan["totp_key"]))
        lang, direction = driver.execute_script("return [document.documentElement.lang, document.documentElement.dir];")
        check("nurse page", f"{driver.title} lang={lang} dir={direction}")
        check("nurse nav", text_of(driver, "nav a"))
        audited(driver, "today (nurse, ar)")
        shot(driver, "today-arabic")
        driver.get(base + "/desk/alerts")
        audited(driver, "alerts (nurse, ar)")
        press(driver, driver.find_element(By.CSS_SELECTOR, "table a"))
        audited(driver, "alert answered (nurse, ar)")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        driver.get(base + "/desk/not-reached")
        audited(driver, "not reached (nurse, ar, desktop)")
        driver.get(base + "/desk/families")
        driver.find_element(By.ID, "q").send_keys(plan["family_query"])
        press(driver, driver.find_element(By.CSS_SELECTOR, "form[role=search] button"))
        press(driver, driver.find_element(By.CSS_SELECTOR, "main ul li a"))
        audited(driver, "family card (nurse, ar, desktop)")
    except Exception as error:  # a missing element, a timeout: the step fails, the run reports it
        fail(f"step failed at {driver.current_url}: {type(error).__name__}: {error}")
    finally:
        driver.quit()
    print(f"{pages} pages audited, {failures} violations")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
