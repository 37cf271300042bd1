"""``python -m trustsurvey.fonts``: cut the report's font subsets again and write them into the package."""

from . import write_subsets

if __name__ == "__main__":
    for path in write_subsets():
        print(path)
