"""Uploads face photos with crop=auto and crop=centre; prints detection rates and the time auto adds, as JSON.

Usage: faces.py AVATAR_URL TOKEN (run by bench/faces, which starts the server).
"""
import http.client
import io
import json
import random
import statistics
import sys
import time
import urllib.parse

import numpy
import skimage.data
from PIL import Image

url, token = urllib.parse.urlsplit(sys.argv[1]), sys.argv[2]
connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)


def upload(jpeg, crop):
    start = time.perf_counter()
    connection.request("PUT", f"{url.path}?crop={crop}", body=jpeg, headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    if response.status not in (200, 201):
        raise SystemExit(f"upload answered {response.status}: {body[:200]!r}")
    return elapsed, json.loads(body)["crop"]["source"]


def encoded(image):
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def measure(name, images):
    """Detection rate over `images` and the paired median time auto adds (median of 3 each)."""
    found, added, auto_times, centre_times = 0, [], [], []
    for image in images:
        jpeg = encoded(image)
        autos, centres, sources = [], [], set()
        for _ in range(3):
            elapsed, source = upload(jpeg, "auto")
            autos.append(elapsed)
            sources.add(source)
            centres.append(upload(jpeg, "centre")[0])
        found += "faces" in sources
        auto_times.append(statistics.median(autos))
        centre_times.append(statistics.median(centres))
        added.append(auto_times[-1] - centre_times[-1])
    return {
        "set": name, "photos": len(images), "size": f"{images[0].width}x{images[0].height}",
        "faces_found": found, "rate": round(found / len(images), 3),
        "median_upload_ms_centre": round(statistics.median(centre_times) * 1000, 1),
        "median_upload_ms_auto": round(statistics.median(auto_times) * 1000, 1),
        "median_added_ms": round(statistics.median(added) * 1000, 1),
    }


lfw = skimage.data.lfw_subset()  # 100 faces, then 100 crops without a face; 25 x 25 grey in [0, 1]
as_images = [Image.fromarray((crop * 255).astype(numpy.uint8)).resize((250, 250), Image.LANCZOS) for crop in lfw]
faces, others = as_images[:100], as_images[100:]
placer = random.Random(1)


def off_centre(face):
    canvas = Image.new("L", (1200, 500), 128)
    canvas.paste(face, (placer.choice([placer.randint(0, 250), placer.randint(700, 950)]), placer.randint(0, 250)))
    return canvas


astronaut = Image.fromarray(skimage.data.astronaut())
results = [
    measure("LFW subset faces, upscaled 10x", faces),
    measure("LFW subset faces, upscaled 10x, off-centre on a 1200x500 canvas", [off_centre(face) for face in faces]),
    measure("LFW subset crops without a face, upscaled 10x", others),
    measure("scikit-image astronaut, 512 px", [astronaut]),
    measure("scikit-image astronaut, upscaled to 2048 px", [astronaut.resize((2048, 2048), Image.LANCZOS)]),
]
print(json.dumps(results, indent=2))
