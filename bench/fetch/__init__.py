"""Fetching the real data and the official weights: one command each.

- ``http``: resumable HTTP downloads (``.part`` files, ``Range`` requests, checksums).
- ``space``: the free-space probe and check made before a large download starts.
- ``archive``: split-archive grouping, streaming and safe extraction of tar archives.
- ``zenodo``: a Zenodo record's file list and checksums from the records API.
- ``datasets``: the named datasets (``dnr``) and ``fetch_dataset`` (download, verify, extract).
- ``gdrive``: listing a shared Google Drive folder and downloading files with ``gdown``.
- ``models``: the official model registry (``sdcodec-16k``, ..., ``dac-16k``) and its cache.

Every error a user can meet (no network, HTTP 404, checksum mismatch, full disk, an archive
member escaping the target, an unwritable cache) is a ``FetchError``: one line, exit status 2.
"""
