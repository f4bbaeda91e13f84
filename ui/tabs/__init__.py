"""The tabs of the web page, one module each; ``ui/web.py`` assembles them."""
