"""Stitching accuracy: precision and recall of every mapping the model makes, scored
against the generator's ground truth (`customer-usage accuracy`).

The mappings are a registry (`mappings.MAPPINGS`); scoring, the table and the command
are generic over it, so a new mapping is one more entry there.
"""
