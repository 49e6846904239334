// DataTransfer (OCPP 1.6 section 5.6): no vendor extensions are implemented, so every vendorId is unknown.

import type { DataTransferRequest, DataTransferResponse } from 'ocpp-ts';

export function DataTransfer() {
  return (_req: DataTransferRequest): DataTransferResponse => ({ status: 'UnknownVendorId' });
}
