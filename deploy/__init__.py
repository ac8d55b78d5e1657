"""Build checks of what is deployed: the MSF package and the IAM policies of the template."""
