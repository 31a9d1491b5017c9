"""Using the archive: segments, RFM, grades, customer lifetime value, loyalty figures, reports.

Pure cores (no Django, tested directly): ``rfm`` (quintile scores and named segments) and
``clv`` (BG/NBD and Gamma-Gamma fitted by maximum likelihood). The segment compiler turns a
rule tree (JSON) into one SQL query through the ORM, so a count never walks rows in Python.
"""
