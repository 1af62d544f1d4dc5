"""Operations on records and queries; see :mod:`sf_toolkit.io.api`."""
