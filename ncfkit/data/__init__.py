"""Reading, checking and downloading MovieLens datasets."""
