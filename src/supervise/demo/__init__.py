"""The demo: the reference round replayed on a simulated clock through the real worker path."""
