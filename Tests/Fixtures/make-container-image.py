#!/usr/bin/env python3
"""Writes a container image archive the way `docker save` or an OCI tool lays one out, from
snapshots of a root file system taken after each build step (no Docker engine is needed).

    make-container-image.py OUT FORMAT NAME=SNAPSHOT[,SNAPSHOT...] [NAME=...]

Each image's layers are the differences between its successive snapshots, computed as Docker's and
BuildKit's differs do: a file that is new or changed is in the layer with its parent directories, a
path that is gone becomes a whiteout (`.wh.NAME`) at the highest removed directory. Layers are
written deterministically, so images built from the same snapshots share layers (one blob).

FORMAT:
  docker      Docker <= 24: `ID/layer.tar`, `CONFIG.json`, `manifest.json`, `repositories`.
  docker-oci  Docker >= 25: an OCI layout (`blobs/sha256`, `index.json`, `oci-layout`) with
              `manifest.json` beside it; uncompressed layers.
  oci         An OCI image layout in a tar with gzip layers; the index also names a manifest for
              another platform that is not in the archive, as multi-platform indexes do.
"""

import gzip
import hashlib
import io
import json
import os
import stat
import sys
import tarfile

EPOCH = 1718000000


def snapshot(root):
    """Every path under root: (kind, mode, content or link target)."""
    entries = {}
    for directory, names, files in os.walk(root):
        names.sort()
        for name in sorted(names + files):
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, root)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                entries[relative] = ("link", 0o777, os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                entries[relative] = ("dir", stat.S_IMODE(info.st_mode), None)
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    entries[relative] = ("file", stat.S_IMODE(info.st_mode), handle.read())
    return entries


def layer_tar(before, after):
    """The layer that turns the `before` snapshot into `after`, as uncompressed tar bytes."""
    members = {}
    for path, entry in after.items():
        if before.get(path) != entry and not (entry[0] == "dir" and path in before and before[path][0] == "dir"):
            members[path] = entry
            parent = os.path.dirname(path)
            while parent:
                members.setdefault(parent, after[parent])
                parent = os.path.dirname(parent)
    for path in before:
        if path not in after and (os.path.dirname(path) == "" or os.path.dirname(path) in after):
            directory, name = os.path.split(path)
            members[os.path.join(directory, ".wh." + name)] = ("file", 0o644, b"")
            parent = directory
            while parent:
                members.setdefault(parent, after[parent])
                parent = os.path.dirname(parent)
    output = io.BytesIO()
    with tarfile.open(fileobj=output, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(members):
            kind, mode, data = members[path]
            info = tarfile.TarInfo(path)
            info.mtime, info.mode, info.uid, info.gid = EPOCH, mode, 0, 0
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, data
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return output.getvalue()


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def add(tar, path, data):
    info = tarfile.TarInfo(path)
    info.mtime, info.mode, info.size = EPOCH, 0o644, len(data)
    tar.addfile(info, io.BytesIO(data))


def add_directory(tar, path):
    info = tarfile.TarInfo(path)
    info.mtime, info.mode, info.type = EPOCH, 0o755, tarfile.DIRTYPE
    tar.addfile(info)


def main():
    out, form, specifications = sys.argv[1], sys.argv[2], sys.argv[3:]
    images = []
    for specification in specifications:
        name, snapshots = specification.split("=", 1)
        states = [{}] + [snapshot(path) for path in snapshots.split(",")]
        layers = [layer_tar(states[index], states[index + 1]) for index in range(len(states) - 1)]
        images.append((name, layers))

    blobs = {}  # digest -> bytes, in the order written
    records = []
    for name, layers in images:
        diff_ids = [digest(layer) for layer in layers]
        stored = [gzip.compress(layer, mtime=0) if form == "oci" else layer for layer in layers]
        config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "config": {"Cmd": ["/bin/sh"]},
                "rootfs": {"type": "layers", "diff_ids": diff_ids},
                "history": [{"created_by": "step %d" % number} for number in range(len(layers))],
            },
            sort_keys=True,
        ).encode()
        layer_type = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if form == "oci" else "")
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": digest(config),
                    "size": len(config),
                },
                "layers": [
                    {"mediaType": layer_type, "digest": digest(blob), "size": len(blob)} for blob in stored
                ],
            },
            sort_keys=True,
        ).encode()
        for blob in [config, manifest] + stored:
            blobs.setdefault(digest(blob), blob)
        records.append((name, config, manifest, stored, diff_ids))

    with tarfile.open(out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        if form == "docker":
            parent = ""
            written = set()
            for name, config, _, stored, diff_ids in records:
                parent = ""
                for layer, diff_id in zip(stored, diff_ids):
                    layer_id = hashlib.sha256((parent + "\n" + diff_id).encode()).hexdigest()
                    if layer_id not in written:
                        written.add(layer_id)
                        add_directory(tar, layer_id)
                        add(tar, layer_id + "/VERSION", b"1.0")
                        add(tar, layer_id + "/json", json.dumps({"id": layer_id, "parent": parent}).encode())
                        add(tar, layer_id + "/layer.tar", layer)
                    parent = layer_id
            manifest_entries = []
            repositories = {}
            for name, config, _, stored, diff_ids in records:
                config_name = hashlib.sha256(config).hexdigest() + ".json"
                add(tar, config_name, config)
                parent, paths = "", []
                for diff_id in diff_ids:
                    parent = hashlib.sha256((parent + "\n" + diff_id).encode()).hexdigest()
                    paths.append(parent + "/layer.tar")
                manifest_entries.append({"Config": config_name, "RepoTags": [name], "Layers": paths})
                repository, tag = name.rsplit(":", 1)
                repositories.setdefault(repository, {})[tag] = parent
            add(tar, "manifest.json", json.dumps(manifest_entries).encode())
            add(tar, "repositories", json.dumps(repositories).encode())
            return

        add_directory(tar, "blobs")
        add_directory(tar, "blobs/sha256")
        for blob_digest, blob in blobs.items():
            add(tar, "blobs/sha256/" + blob_digest.split(":", 1)[1], blob)
        descriptors = []
        for name, _, manifest, _, _ in records:
            annotations = {"org.opencontainers.image.ref.name": name.rsplit(":", 1)[1]}
            if form == "docker-oci":
                annotations["io.containerd.image.name"] = "docker.io/" + name
            else:
                annotations["org.opencontainers.image.ref.name"] = name
            descriptors.append(
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": digest(manifest),
                    "size": len(manifest),
                    "annotations": annotations,
                    "platform": {"architecture": "amd64", "os": "linux"},
                }
            )
        if form == "oci":
            absent = b'{"schemaVersion":2,"layers":[]}'
            descriptors.append(
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": digest(absent),
                    "size": len(absent),
                    "platform": {"architecture": "arm64", "os": "linux"},
                }
            )
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": descriptors}
        add(tar, "index.json", json.dumps(index).encode())
        if form == "docker-oci":
            entries = [
                {
                    "Config": "blobs/sha256/" + digest(config).split(":", 1)[1],
                    "RepoTags": [name],
                    "Layers": ["blobs/sha256/" + digest(blob).split(":", 1)[1] for blob in stored],
                }
                for name, config, _, stored, _ in records
            ]
            add(tar, "manifest.json", json.dumps(entries).encode())
        add(tar, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')


if __name__ == "__main__":
    main()
