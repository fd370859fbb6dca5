"""Category suggestion: an explainable classifier trained on the city's own resolved tickets."""
