"""The standing fault suite (`make chaos`): trials of a fault injected into a real
stack under a steady load of commands, each checked from outside afterwards."""
