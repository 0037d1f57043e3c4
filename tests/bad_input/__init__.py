"""A corpus of bad inputs (issue 15): each kind made from one small clean project, with its expected outcome."""
