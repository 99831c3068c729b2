"""Sends COUNT requests for one URL at the same moment, each on its own connection: all
connections are opened first, then every request is written before any answer is read.
Prints one JSON line: requests, statuses seen, distinct bodies, seconds.
    python3 bench/herd.py HOST PORT PATH COUNT"""
import asyncio
import hashlib
import json
import sys
import time


async def exchange(host, port, path, ready, go):
    reader, writer = await asyncio.open_connection(host, port)
    ready.release()
    await go.wait()
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, hashlib.sha256(body).hexdigest()


async def main(host, port, path, count):
    ready, go = asyncio.Semaphore(0), asyncio.Event()
    tasks = [asyncio.create_task(exchange(host, port, path, ready, go)) for _ in range(count)]
    for _ in range(count):
        await ready.acquire()
    started = time.monotonic()
    go.set()
    results = await asyncio.gather(*tasks)
    statuses = {}
    for status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    print(json.dumps({
        "requests": count, "statuses": statuses, "distinctBodies": len({digest for _, digest in results}),
        "seconds": round(time.monotonic() - started, 3)}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])))
