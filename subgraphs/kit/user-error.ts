/** A business-rule failure returned in a mutation payload, never thrown. */
export interface UserError {
  code: string;
  field: string[] | null;
  message: string;
}

export function userError(code: string, message: string, field?: string | string[]): UserError {
  return { code, message, field: field === undefined ? null : Array.isArray(field) ? field : [field] };
}
