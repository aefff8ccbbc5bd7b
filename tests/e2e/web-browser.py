#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol for 57-web-browser.t
(the Python standard library only: a small WebSocket client is below).

web-browser.py CHROMIUM URL APP XSSAPP SHOT

Loads URL, waits for the page's live stream to apply an update, clicks
APP's restart button with a real mouse event and waits for its restart
count to rise, opens XSSAPP's log and checks its markup shows as text and
ran nothing, then saves a screenshot to SHOT and checks it is not blank.
Prints one TAP-like line per step ("ok STEP" or "not ok STEP: why") and
exits 0 only when every step passed."""
import base64, json, os, re, shutil, socket, struct, subprocess, sys, tempfile, time, zlib
import urllib.request


class WS:
    """The client side of RFC 6455, enough for DevTools: text frames."""

    def __init__(self, url):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        self.s = socket.create_connection((m.group(1), int(m.group(2))), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % (m.group(3), m.group(1), m.group(2), key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.s.recv(1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("no websocket upgrade: %r" % head[:80])

    def _exact(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                raise RuntimeError("devtools closed the connection")
            b += c
        return b

    def send(self, text, opcode=1):
        data = text.encode() if isinstance(text, str) else text
        n = len(data)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        parts = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._exact(8))[0]
            data = self._exact(n)
            op = b0 & 0x0F
            if op == 9:
                self.send(data, 10)
                continue
            if op == 8:
                raise RuntimeError("devtools closed the websocket")
            parts += data
            if b0 & 0x80:
                return parts.decode()


class Page:
    def __init__(self, ws):
        self.ws, self.n = ws, 0

    def call(self, method, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == self.n:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError("js %s: %s" % (expr, r["exceptionDetails"].get("text")))
        return r["result"].get("value")

    def wait(self, expr, secs):
        end = time.time() + secs
        while time.time() < end:
            v = self.js(expr)
            if v:
                return v
            time.sleep(0.1)
        return None

    def click(self, selector):
        box = self.js("(() => { const e = document.querySelector(%s); if (!e) return null;"
                      " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                      " return [r.x + r.width / 2, r.y + r.height / 2]; })()" % json.dumps(selector))
        if not box:
            return False
        for t in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=t, x=box[0], y=box[1], button="left", clickCount=1)
        return True


def png_pixels(png):
    """(width, height, rows of RGB(A) bytes) of an 8-bit non-interlaced PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, "unexpected PNG layout"
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, rows, prev = zlib.decompress(idat), [], bytearray(w * bpp)
    stride = w * bpp + 1
    for y in range(h):
        f, line = raw[y * stride], bytearray(raw[y * stride + 1:(y + 1) * stride])
        for i in range(len(line)):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def not_blank(png):
    """How many distinct colours, and the share of pixels unlike the most
    common one (the background)."""
    w, h, bpp, rows = png_pixels(png)
    count = {}
    for y in range(0, h, 2):
        r = rows[y]
        for x in range(0, w, 2):
            px = r[x * bpp:x * bpp + 3]
            count[px] = count.get(px, 0) + 1
    total = sum(count.values())
    return len(count), 1 - max(count.values()) / total


def main():
    chromium, url, app, xss, shot = sys.argv[1:6]
    results = []

    def step(name, good, why=""):
        results.append(good)
        print(("ok %s" % name) if good else ("not ok %s: %s" % (name, why)), flush=True)
        return good

    prof = tempfile.mkdtemp(prefix="psup-chromium.")
    proc = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                             "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                             "--disable-extensions", "--window-size=1280,860",
                             "--remote-debugging-port=0", "--user-data-dir=" + prof, "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        end = time.time() + 30
        while time.time() < end and port is None:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
            m = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if m:
                port = m.group(1)
        if not step("chromium starts with DevTools", port is not None, "no DevTools port"):
            return 1
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port, timeout=10))
        page = Page(WS([t for t in targets if t["type"] == "page"][0]["webSocketDebuggerUrl"]))
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.call("Page.navigate", url=url)
        row = 'tr[data-app="%s"]' % app
        step("the page shows the app table", page.wait("document.querySelector(%s) !== null" % json.dumps(row), 15),
             "no row for %s" % app)
        step("the live stream applies an update",
             page.wait("Number((document.body || {dataset: {}}).dataset.updates || 0) >= 1", 15),
             "no update from /events")
        cell = "document.querySelector(%s).textContent" % json.dumps(row + " td.restarts")
        before = int(page.js(cell) or -1)
        step("clicking restart", page.click(row + ' button[data-act="restart"]'), "no restart button")
        after = page.wait("Number(%s) > %d ? %s : null" % (cell, before, cell), 20)
        step("the restart count rises (%s -> %s)" % (before, after), after is not None, "still %s" % page.js(cell))

        xrow = 'tr[data-app="%s"]' % xss
        page.click(xrow + " td.name button")
        text = page.wait("(document.getElementById('log').textContent.includes('<img src=x') &&"
                         " document.getElementById('log').textContent) || null", 15)
        step("a log line with markup shows as text", text is not None, "log: %r" % page.js(
            "document.getElementById('log').textContent.slice(0, 200)"))
        step("and ran nothing", page.js("window.__xss === undefined && "
                                        "document.querySelectorAll('#log *').length === 0"),
             "window.__xss = %r" % page.js("window.__xss"))
        page.wait("document.getElementById('detail').hidden === false", 5)
        time.sleep(0.5)   # let the last update paint before the picture
        png = base64.b64decode(page.call("Page.captureScreenshot", format="png")["data"])
        with open(shot, "wb") as f:
            f.write(png)
        colours, share = not_blank(png)
        step("the screenshot is not blank (%d colours, %.0f%% unlike the background)" % (colours, share * 100),
             colours >= 8 and share >= 0.02, "looks blank")
    except Exception as e:   # a broken step is a failure, said once
        step("the browser session", False, repr(e))
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(prof, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
