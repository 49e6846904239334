// The one error class HAL I/O failures reject with: which device failed, and why.
// Must not: be used for business refusals or persistent conditions (those are faults).

export class HalError extends Error {
  constructor(
    readonly device: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${device}: ${message}`, options);
    this.name = 'HalError';
  }
}
