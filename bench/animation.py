"""Animated avatars: a 64-frame GIF's first render (its master made, then the render) and hit
at 128 px in GIF and WebP, and the server's RssAnon while it renders the largest animation
uploads accept.
    PYTHON-WITH-PILLOW bench/animation.py HOST PORT SECRET SERVER-PID MAX-ANIMATION-PIXELS > animation.json
(bench/run uses thumbor's venv, which has Pillow.)"""
import http.client
import io
import json
import math
import statistics
import sys
import threading
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from client import timed, token  # noqa: E402

from PIL import Image  # noqa: E402


def animation(frames, side):
    """`frames` frames of `side` px: a gradient whose hue turns frame by frame."""
    across = Image.linear_gradient("L").rotate(90).resize((side, side))
    down = Image.linear_gradient("L").resize((side, side))
    images = []
    for index in range(frames):
        turn = Image.new("L", (side, side), int(255 * index / frames))
        images.append(Image.merge("RGB", (across, down, turn)).convert("P", palette=Image.ADAPTIVE))
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=40, loop=0)
    return buffer.getvalue()


def rss_anon(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0


def main(host, port, secret, pid, max_pixels):
    # Made first: a connection left idle while they are drawn would be closed by the server.
    frames = 200
    side = int(math.sqrt(max_pixels / frames))
    moving_gif, largest_gif = animation(64, 256), animation(frames, side)
    connection = http.client.HTTPConnection(host, port, timeout=120)

    def upload(avatar_hash, data):
        answer, body, _ = timed(connection, "PUT", f"/{avatar_hash}?crop=centre", data,
                                {"Authorization": f"Bearer {token(secret, avatar_hash)}"})
        if answer.status not in (200, 201):
            raise SystemExit(f"upload of {len(data)} bytes answered {answer.status}: {body[:200]!r}")

    results = {}
    # One upload per format, so each first render pays for the animation's master too.
    for number, extension in enumerate(("gif", "webp")):
        moving = "a" * 31 + str(number)
        upload(moving, moving_gif)
        path = f"/{moving}.{extension}?s=128"
        answer, body, first_ms = timed(connection, "GET", path)
        hits = []
        for _ in range(50):
            _, _, hit_ms = timed(connection, "GET", path)
            hits.append(hit_ms)
        results[extension] = {"status": answer.status, "bytes": len(body), "firstRenderMs": round(first_ms, 1),
                              "medianHitMs": round(statistics.median(hits), 3)}

    # The largest accepted: as many frames as images.maxFrames allows, of the side that fills
    # images.maxAnimationPixels.
    largest = "b" * 31 + "2"
    upload(largest, largest_gif)
    before = rss_anon(pid)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_anon(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    renders = {}
    for extension in ("gif", "webp"):
        answer, body, ms = timed(connection, "GET", f"/{largest}.{extension}?s=512")
        renders[extension] = {"status": answer.status, "bytes": len(body), "renderMs": round(ms, 1)}
    done.set()
    sampler.join()
    results["largest"] = {"frames": frames, "side": side, "pixels": frames * side * side, "renders": renders,
                          "rssAnonBefore": before, "rssAnonPeak": peak[0]}
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
