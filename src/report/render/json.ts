/** JSON value types shared by the template and spec code. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isJsonObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep copy of plain JSON data (structuredClone keeps key order). */
export function cloneJson<T>(v: T): T {
  return structuredClone(v);
}
