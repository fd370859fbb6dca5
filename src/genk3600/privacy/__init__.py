"""Need-to-know access to social (OCMW) records."""
