"""The Upstart machine: machine.py follows Upstart 1.13's event queue and job
state machine; model.py says what the outside world does at boot (the models)
and holds a boot's result.
"""
