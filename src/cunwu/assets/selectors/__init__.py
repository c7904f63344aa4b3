"""Reads of 三资 in the actor's scope, a module per part (``registers``, ``journal``,
``contracts``)."""
