"""The realistic data generator: a simulated GitLab-like business written as landing
extracts (every table of the source contract) plus the ground truth that
stitching accuracy is scored against. Entry point: `generate()`; command line:
`customer-usage generate`. See README.md and GROUND_TRUTH.md in this folder.
"""

from customer_usage_sim.core import GenerationResult, default_truth_dir, generate

__all__ = ["GenerationResult", "default_truth_dir", "generate"]
