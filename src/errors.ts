/**
 * The error catalogue: every error the app raises on purpose has a code, an HTTP status and a
 * retryability. Domain and app code throw AppError; only http/error-handler.ts turns it into a
 * response (and hides the details of 5xx errors).
 */
export const errorCatalogue = {
  validation_failed: { status: 400, retryable: false },
  invalid_json: { status: 400, retryable: false },
  unauthorized: { status: 401, retryable: false },
  forbidden: { status: 403, retryable: false },
  not_found: { status: 404, retryable: false },
  method_not_allowed: { status: 405, retryable: false },
  conflict: { status: 409, retryable: false },
  gone: { status: 410, retryable: false },
  payload_too_large: { status: 413, retryable: false },
  unsupported_media_type: { status: 415, retryable: false },
  invalid_state: { status: 409, retryable: false },
  rate_limited: { status: 429, retryable: true },
  internal: { status: 500, retryable: true },
  unavailable: { status: 503, retryable: true },
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

/** One offending field: `field` is a dotted path of the request body or query. */
export type FieldError = { field: string; message: string };

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly fields: FieldError[] | undefined;
  /** Seconds the caller should wait (429, 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    extra: { fields?: FieldError[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.retryable = errorCatalogue[code].retryable;
    this.fields = extra.fields;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

export function validationError(fields: FieldError[]): AppError {
  const names = fields.map((f) => f.field).join(', ');
  return new AppError('validation_failed', `Invalid or missing fields: ${names}`, { fields });
}

export function notFound(what: string): AppError {
  return new AppError('not_found', `${what} not found`);
}
