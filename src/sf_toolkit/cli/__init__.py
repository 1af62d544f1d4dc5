"""
The ``sf-toolkit`` command line (``python -m sf_toolkit``): the demo, and data in and out of a
real org.

It needs the ``cli`` extra (``pip install 'sf-toolkit[cli]'``: click and rich); the library
itself never imports this package. Each module has one job:

* :mod:`.app`: the command group; :mod:`.errors`: exit codes and one-line messages;
* :mod:`.login`: login options; :mod:`.org`: the client and describe by name;
* :mod:`.commands`: query, export, describe, models, limits; :mod:`.importing`: import;
* :mod:`.columns`, :mod:`.formats`, :mod:`.rows`: rows out and in (sans I/O);
* :mod:`.files`: output files; :mod:`.progress`: progress bars on stderr;
* :mod:`.demo`: the demo command; :mod:`.walkthrough`: its steps.
"""
