"""Stage 2, computing: what each record costs (model prices, Cloudflare rates, allowances)."""
