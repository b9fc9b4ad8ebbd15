"""jamfor's own PDFs: one dashboard state rendered per filter combination in Chromium."""
