"""One module per generation task, in two files each: `<name>_spec.py` declares it without
torch (label, help, inputs, options, rules, what the app shows), `<name>.py` is its Task (how a
job becomes frames) and its training example. engine/tasks/registry.py lists them."""
