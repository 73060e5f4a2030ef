"""``python -m ftqa ARGS`` runs the installed ``ftqa`` binary with ARGS."""

from ftqa import _main

if __name__ == "__main__":
    _main()
