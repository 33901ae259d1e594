//! Prints the surface tree back as source text, for `:rules`, `:save` and round-trip tests.
