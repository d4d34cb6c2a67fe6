"""Answers: one module per verb, each returning one typed report.

Each module's `answer(ctx)` takes the command's Context (options, job set,
Knowledge) and returns a report whose `render_as` names how it prints; the
renderers in upgraph/render only format it.
"""
