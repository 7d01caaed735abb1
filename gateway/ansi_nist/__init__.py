"""ANSI/NIST-ITL transactions (traditional encoding): reader, writer and the Printrak mapping.

`read_transaction` / `write_transaction` work on records and fields;
`read_printrak` / `write_printrak` map a Printrak station's transaction to
and from the canonical model; `biometric_set_to_transaction` writes the
biometric payload of a Eurodac message.
"""

from gateway.ansi_nist.model import FingerImageRecord, Record, TextRecord, Transaction
from gateway.ansi_nist.printrak import (
    Header,
    biometric_set_to_transaction,
    read_biometric_set,
    read_printrak,
    write_printrak,
)
from gateway.ansi_nist.reader import DEFAULT_LIMITS, Limits, read_transaction
from gateway.ansi_nist.writer import write_transaction

__all__ = [
    "DEFAULT_LIMITS",
    "FingerImageRecord",
    "Header",
    "Limits",
    "Record",
    "TextRecord",
    "Transaction",
    "biometric_set_to_transaction",
    "read_biometric_set",
    "read_printrak",
    "read_transaction",
    "write_printrak",
    "write_transaction",
]
