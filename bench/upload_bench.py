"""Upload benchmark: the CPU time of checking a phone photo, and response times of real uploads.

Not part of the test suite. Two synthetic phone photos are made (seeded, so every run sends the
same bytes): a 12-megapixel 4032 x 3024 JPEG of about 2.1 MB and a 1600 x 1200 one of about 0.4 MB,
both with sensor-like noise and texture so that they compress like photos, and with an EXIF
orientation that turns them upright as portraits, as phones write them.

    # CPU time per `photo_clean` call, in this checkout and in an older one for comparison
    # (e.g. `git worktree add --detach /tmp/oldmain <commit>`):
    .venv/bin/python bench/upload_bench.py cpu [--tree /tmp/oldmain]

    # gunicorn (deploy/gunicorn.conf.py: 3 workers x 2 threads) on PostgreSQL with the embedded
    # media folder; one upload alone, then 20 at once, for both photos. DATABASE_URL must name a
    # PostgreSQL database that `manage.py migrate` has prepared; it gets one style and the orders.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/picmatix_bench \\
        .venv/bin/python bench/upload_bench.py http [--tree /tmp/oldmain] [--rounds 3]

`--tree` runs the code of another checkout (its photo_clean, or its gunicorn); the benchmark itself
and the photos stay the same. Everything listens on 127.0.0.1 only, loops are bounded, and the
gunicorn it starts is stopped at the end. Results go to stdout; copy them into bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
# (name, sensor width, sensor height, luma noise sigma, JPEG quality): about 2.1 MB and 0.4 MB.
PHOTOS = (("12mp", 4032, 3024, 2.8, 88), ("0.4mb", 1600, 1200, 1.8, 85))
CONCURRENT = 20


def phone_jpeg(width: int, height: int, *, noise: float, quality: int, seed: int = 0) -> bytes:
    """A photo-like JPEG as a phone writes it: landscape sensor pixels, EXIF orientation 6."""
    rng = np.random.default_rng(seed)

    def field(cells: tuple[int, int], amplitude: float) -> np.ndarray:
        # Random colours on a coarse grid, upsampled smoothly: large shapes, then texture.
        small = Image.fromarray((rng.random((cells[1], cells[0], 3)) * 255).astype(np.uint8))
        return np.asarray(small.resize((width, height), Image.Resampling.BICUBIC), dtype=np.float32) * amplitude

    scene = field((8, 6), 0.6) + field((64, 48), 0.25) + field((400, 300), 0.15)
    scene += rng.normal(0, noise, (height, width, 1)).astype(np.float32)  # luma noise
    scene += rng.normal(0, noise / 2, (height, width, 3)).astype(np.float32)  # chroma noise
    image = Image.fromarray(np.clip(scene, 0, 255).astype(np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display: a portrait taken holding the phone upright
    exif[0x010F] = "BenchPhone"
    exif[0x8825] = {2: (40.0, 26.0, 46.0), 1: "N"}  # a GPS position, as phones add
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif.tobytes())
    return buffer.getvalue()


def make_photos(folder: Path) -> dict[str, Path]:
    paths = {}
    for name, width, height, noise, quality in PHOTOS:
        path = folder / f"{name}.jpg"
        path.write_bytes(phone_jpeg(width, height, noise=noise, quality=quality))
        paths[name] = path
    return paths


def machine() -> str:
    model = platform.processor() or "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return f"{model}, {os.cpu_count()} CPUs, load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}"


# --------------------------------------------------------------------------------------------------
# cpu: photo_clean alone, in a subprocess that imports the chosen checkout's code.

_CPU_CHILD = """
import io, json, os, sys, time
import django
django.setup()
from orders.images import photo_clean
from django.conf import settings
out = {}
for name, path in json.loads(sys.argv[1]).items():
    data = open(path, "rb").read()
    times = []
    for _ in range(int(sys.argv[2])):
        started = time.process_time()
        photo = photo_clean(io.BytesIO(data), size=len(data), max_bytes=settings.UPLOAD_MAX_BYTES,
                            max_pixels=settings.UPLOAD_MAX_PIXELS)
        times.append(time.process_time() - started)
    out[name] = {"times": times, "stored": [photo.width, photo.height], "bytes": len(photo.data), "sent": len(data)}
print(json.dumps(out))
"""


def child_env(tree: Path, var: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PICMATIX_", "DJANGO_"))}
    env.update(
        PYTHONPATH=str(tree),
        DJANGO_SETTINGS_MODULE="picmatix.settings",
        PICMATIX_VAR_DIR=str(var),
        # One thread each, as in a gunicorn thread: no library may spread a call over both cores.
        OMP_NUM_THREADS="1",
        **extra,
    )
    return env


def cpu(tree: Path, repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="upload-bench-") as tmp:
        folder = Path(tmp)
        photos = make_photos(folder)
        result = subprocess.run(
            [sys.executable, "-c", _CPU_CHILD, json.dumps({k: str(v) for k, v in photos.items()}), str(repeat)],
            cwd=tree,
            env=child_env(tree, folder / "var"),
            capture_output=True,
            text=True,
            check=True,
        )
    print(f"# photo_clean CPU time, {tree}, {repeat} calls each; {machine()}")
    print(f"{'photo':>6} {'sent':>14} {'sent MB':>8} {'stored':>11} {'stored kB':>10} {'median ms':>10} {'min ms':>7}")
    for name, row in json.loads(result.stdout.strip().splitlines()[-1]).items():
        spec = next(p for p in PHOTOS if p[0] == name)
        times = sorted(row["times"])
        print(
            f"{name:>6} {spec[1]:>6} x {spec[2]:<5} {row['sent'] / 1e6:>8.2f} "
            f"{row['stored'][0]:>4} x {row['stored'][1]:<4} {row['bytes'] / 1e3:>10.0f} "
            f"{statistics.median(times) * 1e3:>10.1f} {times[0] * 1e3:>7.1f}"
        )


# --------------------------------------------------------------------------------------------------
# http: real uploads to gunicorn on PostgreSQL.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start-up (exit {process.returncode}); see its log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not listen within a minute")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc), all their threads included."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the parent's pid
            found.append(int(stat.parent.name))
    return found


def create_style(env: dict[str, str], tree: Path) -> None:
    """One active style with a real painting (in this run's media folder), through the checkout's own
    service; kept from run to run, as the orders of earlier runs point to it."""
    code = (
        "import io, django; django.setup()\n"
        "from PIL import Image\n"
        "from styles.models import Style\n"
        "from styles.services import style_set_image\n"
        "style, _ = Style.objects.update_or_create(slug='bench-upload', defaults=dict(\n"
        "    name_en='Bench', name_es='Banco', active=True, recipe={}))\n"
        "buffer = io.BytesIO(); Image.effect_mandelbrot((256, 256), (-2, -1.5, 1, 1.5), 64).convert('RGB')"
        ".save(buffer, 'JPEG')\n"
        "style_set_image(style=style, image_bytes=buffer.getvalue())\n"
        "print(style.pk)\n"
    )
    made = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True)
    if made.returncode:
        raise SystemExit(f"could not create the style:\n{made.stderr[-2000:]}")


class Uploader:
    """The order form, as a browser posts it: CSRF cookie and token from the page, then the photo."""

    def __init__(self, base: str) -> None:
        import re

        import requests

        self.base = base
        page = requests.get(f"{base}/en/", timeout=30)
        page.raise_for_status()
        self.cookie = page.cookies["csrftoken"]
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        self.style = re.search(r'name="style" id="style-\d+" value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
        self.bodies: dict[str, tuple[bytes, str]] = {}

    def prepare(self, name: str, photo: bytes) -> None:
        # Encoded once per photo: the 20 client threads share the machine's 2 cores with the server.
        from urllib3 import encode_multipart_formdata

        fields = {
            "csrfmiddlewaretoken": self.token,
            "style": self.style,
            "email": "bench@example.com",
            "photo": ("IMG_0001.JPG", photo, "image/jpeg"),
        }
        self.bodies[name] = encode_multipart_formdata(fields)

    def post(self, name: str) -> float:
        import requests

        body, content_type = self.bodies[name]
        started = time.perf_counter()
        response = requests.post(
            f"{self.base}/en/",
            data=body,
            headers={"Content-Type": content_type, "Cookie": f"csrftoken={self.cookie}"},
            allow_redirects=False,
            timeout=120,
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 303:
            raise RuntimeError(f"upload answered {response.status_code}: {response.text[:300]}")
        return elapsed


def at_once(uploader: Uploader, name: str, count: int) -> list[float]:
    barrier = threading.Barrier(count)
    times: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait(timeout=60)
        try:
            elapsed = uploader.post(name)
        except BaseException as error:  # reported after the round
            with lock:
                errors.append(error)
            return
        with lock:
            times.append(elapsed)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    if errors:
        raise SystemExit(f"{len(errors)} of {count} uploads failed: {errors[0]}")
    return sorted(times)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values (p95 of 20 is the 19th)."""
    rank = max(1, int(np.ceil(share * len(values))))
    return values[rank - 1]


def http(tree: Path, rounds: int) -> None:
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a migrated PostgreSQL database (see the docstring)")
    with tempfile.TemporaryDirectory(prefix="upload-bench-") as tmp:
        folder = Path(tmp)
        photos = make_photos(folder)
        port = free_port()
        env = child_env(
            tree,
            folder / "var",  # the embedded default: media and the filesystem broker's queue in var/
            DATABASE_URL=database,
            PICMATIX_BIND=f"127.0.0.1:{port}",
            PICMATIX_UPLOAD_RATE="100000/h",  # every upload comes from 127.0.0.1
            PICMATIX_ORDERS_PER_EMAIL_PER_DAY="0",
            WEB_CONCURRENCY="3",
            PICMATIX_WEB_THREADS="2",
        )
        create_style(env, tree)
        log = (folder / "gunicorn.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(tree / "deploy/gunicorn.conf.py"), "picmatix.wsgi"],
            cwd=tree,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_listening(port, server)
            uploader = Uploader(f"http://127.0.0.1:{port}")
            for name, path in photos.items():
                uploader.prepare(name, path.read_bytes())
            workers = children(server.pid)
            print(f"# uploads to gunicorn ({len(workers)} workers x 2 threads), {tree}; {machine()}")
            for name in photos:  # warm up every worker and thread: URLconf, templates, connections
                at_once(uploader, name, 6)
            print(
                f"{'photo':>6} {'round':>5} {'alone s':>8} {'20: p50 s':>10} {'p95 s':>6} {'max s':>6} "
                f"{'CPU s/upload':>13} {'load':>5}"
            )
            for round_ in range(1, rounds + 1):
                for name in photos:
                    alone = statistics.median(uploader.post(name) for _ in range(5))
                    before = cpu_seconds([server.pid, *workers])
                    times = at_once(uploader, name, CONCURRENT)
                    spent = (cpu_seconds([server.pid, *workers]) - before) / CONCURRENT
                    print(
                        f"{name:>6} {round_:>5} {alone:>8.3f} {percentile(times, 0.5):>10.3f} "
                        f"{percentile(times, 0.95):>6.3f} {times[-1]:>6.3f} {spent:>13.3f} {os.getloadavg()[0]:>5.2f}",
                        flush=True,
                    )
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("cpu", "http"):
        command = sub.add_parser(name)
        command.add_argument("--tree", type=Path, default=ROOT, help="checkout whose code runs (default: this one)")
    sub.choices["cpu"].add_argument("--repeat", type=int, default=10)
    sub.choices["http"].add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    tree = args.tree.resolve()
    if args.command == "cpu":
        cpu(tree, args.repeat)
    else:
        http(tree, args.rounds)


if __name__ == "__main__":
    main()
