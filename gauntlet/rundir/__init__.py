"""The run directory `runs/<id>/`, the one seam between what produces results and the reports."""
