"""The upload page in a real browser (Debian's chromium, driven by Selenium).

    python upload_page.py PORT EMBED_PORT SECRET PARENT_PORT FIXTURES [SCREENSHOTS]

PORT serves with no ui.embedOrigins, EMBED_PORT with ui.embedOrigins = http://localhost:PARENT_PORT
(this script serves the framing page there). Each check prints `ok` or `FAIL`; the exit status is
the number of failures. With SCREENSHOTS, the page is photographed at desktop width and at 320 px.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import random
import socketserver
import struct
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib

from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

port, embed_port, secret, parent_port, fixtures = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
screenshots = sys.argv[6] if len(sys.argv) > 6 else None
origin = f"http://127.0.0.1:{port}"
failures = 0


def check(what, condition, detail=""):
    global failures
    print(("ok    " if condition else "FAIL  ") + what + ("" if condition else f": {detail}"), flush=True)
    failures += 0 if condition else 1


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(avatar_hash, ttl=600):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps({"hash": avatar_hash, "exp": int(time.time()) + ttl}).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def browser(width=1200, height=900):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update",
                     "--disable-default-apps", "--disable-sync"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"), options=options)


def wait(driver, condition, seconds=15):
    return WebDriverWait(driver, seconds).until(lambda d: condition(d))


def text(driver, role):
    return driver.find_element(By.CSS_SELECTOR, f'[role="{role}"]').text


def box(driver):
    return [int(v) for v in driver.find_element(By.ID, "frame").get_attribute("data-box").split(",")]


def info(avatar_hash, base=origin):
    status, body = get(f"{base}/info/{avatar_hash}?r=x")
    return status, (json.loads(body) if status == 200 else None)


def open_page(driver, avatar_hash, ttl=600, base=origin):
    # From elsewhere: from /upload itself, a new fragment would not load the page again.
    driver.get("about:blank")
    driver.get(f"{base}/upload#token={token(avatar_hash, ttl)}")
    wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def pick(driver, path):
    driver.find_element(By.ID, "file").send_keys(path)


def requests_seen(driver):
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def large_png(path, width=1600, height=1200):
    """A PNG of noise, stored uncompressed so it is large: for the progress bar."""
    rows = b"".join(b"\x00" + random.randbytes(width * 3) for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                  + chunk(b"IDAT", zlib.compress(rows, 0)) + chunk(b"IEND", b""))


photo = os.path.join(fixtures, "photo.jpg")
driver = browser()
try:
    # --- pick, frame with the keyboard and the pointer, save --------------------------------
    first = "0123456789abcdef0123456789abcdef"
    open_page(driver, first)
    check("the token leaves the address bar", "#" not in driver.current_url and "token" not in driver.current_url, driver.current_url)
    label = driver.find_element(By.CSS_SELECTOR, 'label[for="file"]').text
    check("the file input is labelled", label == "Choose a picture", label)
    pick(driver, photo)
    wait(driver, lambda d: d.find_element(By.ID, "frame").get_attribute("data-box"))
    check("the square starts as the largest centred one", box(driver) == [50, 0, 200, 200], box(driver))
    frame = driver.find_element(By.ID, "frame")
    frame.click()
    for _ in range(5):
        frame.send_keys(Keys.ARROW_LEFT)
    frame.send_keys("-")
    frame.send_keys("-")
    check("arrows move and minus shrinks the square", box(driver) == [42, 2, 196, 196], box(driver))
    scale = driver.execute_script("return document.getElementById('picture').clientWidth") / 300
    before = box(driver)
    ActionChains(driver).click_and_hold(frame).move_by_offset(int(-20 * scale), int(2 * scale)).release().perform()
    moved = box(driver)
    check("dragging moves the square", abs(moved[0] - (before[0] - 20)) <= 1 and abs(moved[1] - (before[1] + 2)) <= 1, (before, moved))
    handle = driver.find_element(By.ID, "handle")
    ActionChains(driver).click_and_hold(handle).move_by_offset(int(-40 * scale), int(-40 * scale)).release().perform()
    resized = box(driver)
    check("dragging the corner resizes it", abs(resized[2] - (moved[2] - 40)) <= 1 and resized[:2] == moved[:2], (moved, resized))
    frame.send_keys("+")
    shown = box(driver)
    check("plus grows the square by one step", shown[2] == resized[2] + 2 and shown[:2] == [resized[0] - 1, resized[1] - 1], (resized, shown))
    driver.find_element(By.ID, "save").click()
    wait(driver, lambda d: "Saved" in text(d, "status"))
    status, record = info(first)
    crop = record and record["crop"]
    check("the stored crop is the box the page showed", status == 200 and crop and abs(crop["x"] - shown[0]) <= 1
          and abs(crop["y"] - shown[1]) <= 1 and abs(crop["size"] - shown[2]) <= 1, (shown, crop))
    saved = wait(driver, lambda d: d.execute_script("var i = document.getElementById('saved'); return i.complete && i.naturalWidth"))
    check("the new avatar is shown as the server renders it", saved == 128, saved)
    status, render = get(f"{origin}/{first}.png?s=64")
    check("the render answers", status == 200 and render[:8] == b"\x89PNG\r\n\x1a\n", status)
    # The server's render of the saved square against the page's own 64 px preview of it.
    means = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const mean = (source) => {
          const canvas = document.createElement("canvas");
          canvas.width = canvas.height = 64;
          const context = canvas.getContext("2d");
          context.drawImage(source, 0, 0, 64, 64);
          const data = context.getImageData(0, 0, 64, 64).data, sums = [0, 0, 0];
          for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sums[c] += data[i + c];
          return sums.map((s) => s / (64 * 64));
        };
        const preview = document.querySelectorAll("canvas.preview")[1];
        const rendered = new Image();
        rendered.onload = () => done([mean(preview), mean(rendered)]);
        rendered.onerror = () => done(null);
        rendered.src = "/%s.png?s=64";
    """ % first)
    check("the render matches the square the page showed",
          means and max(abs(a - b) for a, b in zip(means[0], means[1])) < 12, means)
    if screenshots:
        driver.save_screenshot(os.path.join(screenshots, "upload-desktop.png"))

    # --- an EXIF-rotated photo: the page's box is in the upright original's pixels ---------
    rotated = "1123456789abcdef0123456789abcdef"
    open_page(driver, rotated)
    pick(driver, os.path.join(fixtures, "orientation-6.jpg"))
    wait(driver, lambda d: d.find_element(By.ID, "frame").get_attribute("data-box"))
    width, height = driver.execute_script("var i = document.getElementById('picture'); return [i.naturalWidth, i.naturalHeight]")
    driver.find_element(By.ID, "frame").send_keys(Keys.ARROW_DOWN)
    shown = box(driver)
    driver.find_element(By.ID, "save").click()
    wait(driver, lambda d: "Saved" in text(d, "status"))
    status, record = info(rotated)
    check("an EXIF-rotated photo is framed upright, as the server sees it",
          record and [record["width"], record["height"]] == [width, height]
          and [record["crop"]["x"], record["crop"]["y"], record["crop"]["size"]] == shown[:3], (width, height, shown, record))

    # --- refusals, in plain words ----------------------------------------------------------
    open_page(driver, first)
    pick(driver, os.path.join(fixtures, "not-an-image.txt"))
    wait(driver, lambda d: text(d, "alert"))
    check("a file the server refuses is explained before upload", "cannot be used" in text(driver, "alert"), text(driver, "alert"))
    pick(driver, os.path.join(fixtures, "truncated.jpg"))
    wait(driver, lambda d: not d.find_element(By.ID, "save").get_attribute("disabled"))
    driver.find_element(By.ID, "save").click()
    wait(driver, lambda d: text(d, "alert"))
    check("an unreadable image is named so", "could not be read" in text(driver, "alert"), text(driver, "alert"))
    open_page(driver, first, ttl=-100)
    pick(driver, photo)
    wait(driver, lambda d: not d.find_element(By.ID, "save").get_attribute("disabled"))
    driver.find_element(By.ID, "save").click()
    wait(driver, lambda d: text(d, "alert"))
    check("an expired token is named so", "expired" in text(driver, "alert"), text(driver, "alert"))

    # --- progress while a large file goes up ------------------------------------------------
    large = os.path.join(tempfile.mkdtemp(), "large.png")
    large_png(large)
    open_page(driver, first)
    pick(driver, large)
    wait(driver, lambda d: not d.find_element(By.ID, "save").get_attribute("disabled"))
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": False, "latency": 20, "downloadThroughput": 4_000_000, "uploadThroughput": 1_500_000})
    driver.find_element(By.ID, "save").click()
    values = []
    deadline = time.time() + 30
    while time.time() < deadline and "Saved" not in text(driver, "status") and not text(driver, "alert"):
        values.append(driver.execute_script("var p = document.getElementById('progress'); return p.hidden ? null : p.value"))
        time.sleep(0.1)
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    partial = [v for v in values if v is not None and 0 < v < 1]
    check("a progress bar moves while a large file goes up", len(partial) >= 2 and "Saved" in text(driver, "status"),
          (os.path.getsize(large), values[:5], text(driver, "status"), text(driver, "alert")))

    # --- too large, said with the limit, before a byte is sent ------------------------------
    huge = os.path.join(tempfile.mkdtemp(), "huge.png")
    large_png(huge, 1600, 2400)
    open_page(driver, first)
    pick(driver, huge)
    wait(driver, lambda d: text(d, "alert"))
    check("a file over the limit is refused with the limit named", "too large" in text(driver, "alert")
          and "10.0 MB" in text(driver, "alert") and driver.find_element(By.ID, "save").get_attribute("disabled"), text(driver, "alert"))

    # --- drag and drop ----------------------------------------------------------------------
    open_page(driver, first)
    driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch("/%s.jpg?s=120").then((r) => r.blob()).then((blob) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([blob], "dropped.jpg", {type: "image/jpeg"}));
          document.getElementById("drop").dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
          done();
        });
    """ % rotated)
    wait(driver, lambda d: d.find_element(By.ID, "frame").get_attribute("data-box"))
    check("a dropped picture is framed like a chosen one", box(driver) == [0, 0, 120, 120], box(driver))

    # --- remove, after an in-page confirmation ---------------------------------------------
    driver.find_element(By.ID, "remove").click()
    check("Remove asks first, in the page", driver.execute_script("return document.getElementById('confirm').open"))
    driver.find_element(By.ID, "confirm-remove").click()
    wait(driver, lambda d: "removed" in text(d, "status"))
    check("the avatar is removed", info(first)[0] == 404)

    # --- keyboard alone, and nothing from another origin -----------------------------------
    open_page(driver, first)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    check("Tab reaches the file input first", driver.switch_to.active_element.get_attribute("id") == "file")
    others = [u for u in requests_seen(driver) if not (u.startswith(origin) or u.startswith("blob:") or u.startswith("data:"))]
    check("the page requests nothing from any other origin", not others, others[:5])

    # --- 320 px wide -------------------------------------------------------------------------
    narrow = browser(320, 700)
    # Headless windows are never narrower than 500 px: the viewport is set to a phone's.
    narrow.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 320, "height": 700, "deviceScaleFactor": 1, "mobile": True})
    try:
        open_page(narrow, first)
        pick(narrow, photo)
        wait(narrow, lambda d: d.find_element(By.ID, "frame").get_attribute("data-box"))
        overflow = narrow.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        inner = narrow.execute_script("return window.innerWidth")
        check("usable at 320 px: nothing wider than the screen", inner == 320 and overflow <= 0, (inner, overflow))
        if screenshots:
            narrow.save_screenshot(os.path.join(screenshots, "upload-320.png"))
    finally:
        narrow.quit()

    # --- embedding: one message to each configured origin, none without -------------------
    parent = f"http://localhost:{parent_port}"

    class Parent(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            target = f"http://127.0.0.1:{embed_port if 'embed' in self.path else port}/upload#token={token('2123456789abcdef0123456789abcdef')}"
            page = f"""<!doctype html><script>window.messages = [];
                addEventListener("message", (e) => window.messages.push({{origin: e.origin, data: e.data}}));
                </script><iframe id="f" src="{target}" width="800" height="700"></iframe>"""
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page.encode())

        def log_message(self, *args):
            pass
    socketserver.TCPServer.allow_reuse_address = True
    server = socketserver.TCPServer(("127.0.0.1", parent_port), Parent)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        driver.get(f"{parent}/embed")
        driver.switch_to.frame(driver.find_element(By.ID, "f"))
        pick(driver, photo)
        wait(driver, lambda d: not d.find_element(By.ID, "save").get_attribute("disabled"))
        driver.find_element(By.ID, "save").click()
        wait(driver, lambda d: "Saved" in text(d, "status"))
        driver.switch_to.default_content()
        messages = wait(driver, lambda d: d.execute_script("return window.messages.length && window.messages"))
        data = messages[0]["data"]
        check("a framed page posts one message to its configured origin",
              len(messages) == 1 and data["type"] == "avatars:uploaded" and data["hash"] == "2123456789abcdef0123456789abcdef"
              and messages[0]["origin"] == f"http://127.0.0.1:{embed_port}" and data["version"]
              and data["url"].startswith(f"http://127.0.0.1:{embed_port}/2123456789abcdef0123456789abcdef?v="), messages)
        # Without ui.embedOrigins: no frame may show the page, and it names no origin to post to.
        open_page(driver, first)
        named = driver.execute_script('return document.querySelector(\'meta[name="avatars-embed-origins"]\').content')
        check("with no origins configured nothing is posted", named == "", named)
        with urllib.request.urlopen(f"{origin}/upload", timeout=10) as answer:
            policy = answer.headers["Content-Security-Policy"]
        with urllib.request.urlopen(f"http://127.0.0.1:{embed_port}/upload", timeout=10) as answer:
            embedded = answer.headers["Content-Security-Policy"]
        check("with no origins configured no frame may show it", "frame-ancestors 'none'" in policy, policy)
        check("with one configured, only it may", f"frame-ancestors {parent}" in embedded, embedded)
    finally:
        server.shutdown()
finally:
    driver.quit()
sys.exit(failures)
