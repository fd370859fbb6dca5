"""The product catalogue: what the city and the OCMW offer, who decides, what to bring; found in nl and fr."""
