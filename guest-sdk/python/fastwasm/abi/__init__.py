"""The component ABI: the classes componentize-py instantiates for the WIT world's exports,
which turn the host's records into calls of the app and its answers back (`exports`), and the
host's own imports beyond WASI (`host`). Everything above this package is plain Python that
runs under CPython as well (the SDK's unit tests do)."""
