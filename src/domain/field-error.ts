/**
 * One offending field of a validated input: `field` is its dotted path, `message` says what is wrong.
 * The same shape as `FieldError` in src/errors.ts, declared here because the domain imports nothing
 * outside src/domain; app code hands these straight to `validationError(fields)`.
 */
export type FieldError = { field: string; message: string };
