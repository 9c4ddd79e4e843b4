"""The composition root: the `cascade` command, the local stack and the demo, which
run the four services the chassis knows only through what they register."""
