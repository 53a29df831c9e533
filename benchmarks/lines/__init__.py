"""Training and cross-validation of the line model (archiver/extraction/linemodel.py)."""
