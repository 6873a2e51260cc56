"""The web layer: the app factory, every console and desk page with its templates and static
files, the HTTP API, one auth module, one error map. It sits above the areas."""
