"""HTTP steps of the benchmark that need more than wrk: uploads with their first render,
and fetching renders once (to fill the cache and give nginx the same bytes).
    python3 bench/client.py first-render HOST PORT SECRET SIZE < "file hash path" lines
    python3 bench/client.py fetch HOST PORT DIR < "path file-stem" lines
    python3 bench/client.py upload HOST PORT SECRET < "hash path" lines"""
import base64
import hashlib
import hmac
import http.client
import json
import sys
import time


def token(secret, avatar_hash):
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=")
    unsigned = part({"alg": "HS256", "typ": "JWT"}) + b"." + part({"hash": avatar_hash, "exp": int(time.time()) + 3600})
    signature = hmac.new(secret.encode(), unsigned, hashlib.sha256).digest()
    return (unsigned + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()


def timed(connection, method, path, body=None, headers=None):
    started = time.perf_counter()
    connection.request(method, path, body=body, headers=headers or {})
    answer = connection.getresponse()
    data = answer.read()
    return answer, data, (time.perf_counter() - started) * 1000


def first_render(host, port, secret, size):
    """Per original: upload it, then ask for one size it has never been rendered at.
    Stops at the first upload that is not created."""
    connection = http.client.HTTPConnection(host, port)
    for line in sys.stdin:
        name, avatar_hash, path = line.split()
        with open(path, "rb") as file:
            original = file.read()
        # The centre square: what the direct-libvips baseline renders too.
        upload, _, upload_ms = timed(
            connection, "PUT", f"/{avatar_hash}?crop=centre", original,
            {"Authorization": f"Bearer {token(secret, avatar_hash)}"})
        if upload.status != 201:
            sys.exit(f"upload of {name}: {upload.status}")
        render, data, render_ms = timed(connection, "GET", f"/avatar/{avatar_hash}?s={size}")
        print(json.dumps({
            "file": name, "size": size, "uploadStatus": upload.status, "uploadMs": round(upload_ms, 3),
            "renderStatus": render.status, "renderCache": render.getheader("X-Origin-Cache"),
            "renderMs": round(render_ms, 3), "renderBytes": len(data)}), flush=True)


def fetch(host, port, directory):
    """Asks for each path once and writes the body to DIR/<file stem>.<extension of its
    Content-Type> (so nginx serves it with the same type); fails on any non-200."""
    extensions = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/avif": "avif", "image/gif": "gif"}
    connection = http.client.HTTPConnection(host, port)
    for line in sys.stdin:
        path, name = line.split()
        answer, data, _ = timed(connection, "GET", path)
        if answer.status != 200:
            sys.exit(f"{path}: {answer.status}")
        with open(f"{directory}/{name}.{extensions[answer.getheader('Content-Type')]}", "wb") as file:
            file.write(data)


def upload(host, port, secret):
    """Uploads each file under its hash; fails on anything but 201."""
    connection = http.client.HTTPConnection(host, port)
    for line in sys.stdin:
        avatar_hash, path = line.split()
        with open(path, "rb") as file:
            answer, _, _ = timed(
                connection, "PUT", f"/{avatar_hash}", file.read(), {"Authorization": f"Bearer {token(secret, avatar_hash)}"})
        if answer.status != 201:
            sys.exit(f"upload of {path} as {avatar_hash}: {answer.status}")


if __name__ == "__main__":
    command, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if command == "first-render":
        first_render(host, port, sys.argv[4], int(sys.argv[5]))
    elif command == "fetch":
        fetch(host, port, sys.argv[4])
    elif command == "upload":
        upload(host, port, sys.argv[4])
    else:
        sys.exit(f"unknown command {command}")
