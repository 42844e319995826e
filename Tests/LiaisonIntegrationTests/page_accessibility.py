#!/usr/bin/env python3
"""axe-core (WCAG 2.0 and 2.1, levels A and AA) on the families' pages, in a real headless Chromium.

    page_accessibility.py PLAN.json

PLAN is a list of steps: {"name": ..., "url": ..., "then": [ACTION, ...]}, optionally with "accept_language" (the
browser's Accept-Language from then on) and "repeat" (load the URL that many times first: a rate limit's page).
The page at `url` is audited, then each ACTION in turn, each followed by an audit of the page it leads to:
    {"click": N}                 press the N-th button of the page (0 = the first)
    {"click": N, "value": V}     the same, the button's value changed to V first (an answer that is not a choice)
    {"follow": N}                follow the N-th link of the page
    {"check": [ID, ...]}         tick these radio buttons or check boxes first (by id), then {"click": N} as above
    {"fill": {ID: TEXT}}         type TEXT into these fields first (by id), then {"click": N} as above

Prints one line per page audited (`ok` with its title, `lang` and `dir`, or the violations with the offending
elements) and a last line
`N pages audited, M violations`; exits 1 when there is any violation or a page could not be audited.
Chromium and chromedriver are Debian's (/usr/bin); axe-core is the copy the PyPI package axe-playwright-python
ships (installed without its dependencies: only the script is used; axe-selenium-python's copy is axe 3.1, which
has no WCAG 2.1 rules).
"""
import importlib.util
import json
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_script():
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("axe-core is missing: pip install --no-deps axe-playwright-python")
    with open(os.path.join(spec.submodule_search_locations[0], "axe.min.js"), encoding="utf-8") as handle:
        return handle.read()


AXE = axe_script()


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=390,844", "--lang=en-GB", "--no-first-run", "--disable-extensions"]:
        options.add_argument(argument)
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    return driver


def audit(driver, name):
    driver.execute_script(AXE)
    options = {"runOnly": {"type": "tag", "values": TAGS}}
    # A rejected run calls back with its error instead of leaving the script to time out.
    results = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, arguments[0]).then(r => done(r), e => done({error: String(e)}));", options)
    if "error" in results:
        print(f"FAIL {name}: axe-core could not run: {results['error']}", flush=True)
        return 1
    violations = results.get("violations", [])
    title = driver.title
    lang, direction = driver.execute_script("return [document.documentElement.lang, document.documentElement.dir];")
    if not violations:
        print(f"ok   {name}: {title!r} lang={lang} dir={direction} ({len(results.get('passes', []))} rules passed, "
              f"axe {results['testEngine']['version']})", flush=True)
        return 0
    for violation in violations:
        targets = "; ".join(",".join(node["target"]) + " " + node.get("failureSummary", "").replace("\n", " ")
                            for node in violation["nodes"][:5])
        print(f"FAIL {name}: {violation['id']} ({violation['impact']}): {violation['help']} at {targets}", flush=True)
    return len(violations)


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        plan = json.load(handle)
    driver = browser()
    pages = 0
    violations = 0
    try:
        for step in plan:
            if "accept_language" in step:
                driver.execute_cdp_cmd("Network.enable", {})
                driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": step["accept_language"]}})
            for _ in range(step.get("repeat", 0)):
                driver.get(step["url"])
            driver.get(step["url"])
            pages += 1
            violations += audit(driver, step["name"])
            for number, action in enumerate(step.get("then", []), start=1):
                for element_id in action.get("check", []):
                    driver.find_element(By.ID, element_id).click()
                for element_id, text in action.get("fill", {}).items():
                    field = driver.find_element(By.ID, element_id)
                    field.clear()
                    field.send_keys(text)
                selector, index = ("a", action["follow"]) if "follow" in action else ("button", action["click"])
                elements = driver.find_elements(By.CSS_SELECTOR, selector)
                if index >= len(elements):
                    print(f"FAIL {step['name']} then {number}: no {selector} {index} on the page", flush=True)
                    violations += 1
                    break
                if "value" in action:
                    driver.execute_script("arguments[0].value = arguments[1];", elements[index], action["value"])
                elements[index].click()
                pages += 1
                violations += audit(driver, f"{step['name']} then {number}")
    finally:
        driver.quit()
    print(f"{pages} pages audited, {violations} violations (axe-core {', '.join(TAGS)})")
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
