/** The failure envelope of every JSON endpoint (DESIGN §8). */
import { Type, type TSchema } from 'typebox';

export const FieldErrorSchema = Type.Object({
  field: Type.String({ description: 'Dotted path of the offending body or query field' }),
  message: Type.String(),
});

export const ErrorBody = Type.Object(
  {
    ok: Type.Literal(false),
    error: Type.Object({
      code: Type.String({ description: 'Machine-readable error code, e.g. validation_failed, unauthorized, rate_limited' }),
      message: Type.String(),
      fields: Type.Optional(Type.Array(FieldErrorSchema)),
    }),
  },
  { title: 'Error' },
);

/** Nullable without repeating the union at every column. */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** Responses every authenticated JSON route can give besides its success. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  404: ErrorBody,
  '5xx': ErrorBody,
};
