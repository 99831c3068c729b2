"""The memory distinct long request targets hold: COUNT requests, each with its own target
of about 8 KiB (the longest allowed) for one cached avatar, over a few keep-alive
connections, then the server's RssAnon against before. Every answer must be a 200.
    python3 bench/long_targets.py HOST PORT SERVER-PID PATH [COUNT]
Prints {"requests", "targetBytes", "rssAnonBefore", "rssAnonAfter", "heldBytes"}."""
import http.client
import json
import sys


def rss_anon(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    raise SystemExit("no RssAnon")


host, port, pid, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
count = int(sys.argv[5]) if len(sys.argv) > 5 else 20_000
separator = "&" if "?" in path else "?"
connection = http.client.HTTPConnection(host, port)
for _ in range(3):
    connection.request("GET", path)
    connection.getresponse().read()
before = rss_anon(pid)
target_bytes = 0
for index in range(count):
    prefix = f"{path}{separator}n={index}&pad="
    target = prefix + "x" * (8 * 1024 - 16 - len(prefix))
    target_bytes = len(target)
    connection.request("GET", target)
    answer = connection.getresponse()
    answer.read()
    if answer.status != 200:
        raise SystemExit(f"request {index}: {answer.status}")
after = rss_anon(pid)
print(json.dumps({"requests": count, "targetBytes": target_bytes, "rssAnonBefore": before, "rssAnonAfter": after,
                  "heldBytes": after - before}))
