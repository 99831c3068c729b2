"""Writes the URL lists of the benchmark's hit scenarios into RUN-DIR, each as
<scenario>-urls (for wrk) and <scenario>-fetch ("path file-stem", for bench/client.py),
and small-uploads ("hash path") for the small scenario's originals:
- mixed: 1,000 renders of the photos at 32 to 512 px;
- small: 1,000 distinct avatars at 80 px (the photos' 256 px renders, uploaded under
  1,000 hashes);
- defaults: 1,000 hashes with no avatar, d=identicon at 80 px.
    python3 bench/scenarios.py RUN-DIR"""
import hashlib
import os
import random
import sys

run = sys.argv[1]
photos = [line.split() for line in open(f"{run}/photos")]
sizes = [32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 200, 240, 256, 320, 384, 400, 448, 480, 512]
pairs = [(avatar_hash, size) for _, avatar_hash, _ in photos for size in sizes]
random.Random(7).shuffle(pairs)
small = sorted(os.listdir(f"{run}/small-originals"))


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


scenarios = {
    "mixed": [(f"/avatar/{avatar_hash}?s={size}", f"{avatar_hash}-{size}") for avatar_hash, size in pairs[:1000]],
    "small": [(f"/avatar/{md5(f'small-{i}')}?s=80", f"{md5(f'small-{i}')}-80") for i in range(1000)],
    "defaults": [(f"/avatar/{md5(f'default-{i}')}?d=identicon&s=80", f"{md5(f'default-{i}')}-80") for i in range(1000)],
}
with open(f"{run}/small-uploads", "w") as uploads:
    for i in range(1000):
        uploads.write(f"{md5(f'small-{i}')} {run}/small-originals/{small[i % len(small)]}\n")
for name, entries in scenarios.items():
    with open(f"{run}/{name}-urls", "w") as urls, open(f"{run}/{name}-fetch", "w") as fetch:
        for path, stem in entries:
            urls.write(path + "\n")
            fetch.write(f"{path} {stem}\n")
