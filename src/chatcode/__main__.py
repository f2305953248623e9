"""``python -m chatcode`` runs the command line."""

from chatcode.cli import main

if __name__ == "__main__":
    main()
