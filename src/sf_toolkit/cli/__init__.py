"""
The ``sf-toolkit`` command line (``python -m sf_toolkit``): the demo, and data in and out of a
real org.

It needs the ``cli`` extra (``pip install 'sf-toolkit[cli]'``: click and rich); the library
itself never imports this package. Each module has one job: :mod:`.app` (the command group,
errors and exit codes), :mod:`.login` (login options), :mod:`.formats` (rows and writers),
:mod:`.columns` (a query's columns), :mod:`.progress` (progress bars on stderr),
:mod:`.commands` (the org commands) and :mod:`.demo`.
"""
