import { ERROR_CODES, type ErrorCode } from './error-codes';

export interface ErrorDetail {
  field: string;
  message: string;
}

export interface ErrorBody {
  success: false;
  error: string;
  code: ErrorCode;
  details?: ErrorDetail[];
}

/** An error meant for the client: a stable code, a sentence for a person, and its status. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Seconds for the Retry-After header. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.status = ERROR_CODES[code].status;
  }

  toBody(): ErrorBody {
    return { success: false, error: this.message, code: this.code, ...(this.details ? { details: this.details } : {}) };
  }
}
