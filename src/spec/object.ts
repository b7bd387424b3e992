/**
 * Helpers for reading untrusted JSON (objects inside an AdmissionReview). Nothing here throws:
 * a wrong type reads as absent, and the callers decide whether absence is a finding.
 */
export type JsonObject = Record<string, unknown>

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function field(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined
}

export function stringField(value: unknown, key: string): string | undefined {
  const v = field(value, key)
  return typeof v === 'string' ? v : undefined
}

/** A string map such as labels or annotations; non-string values are dropped. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!isObject(value)) return out
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v
  return out
}

export function metadataOf(obj: unknown): {
  name: string
  namespace: string
  labels: Record<string, string>
  annotations: Record<string, string>
} {
  const meta = field(obj, 'metadata')
  return {
    name: stringField(meta, 'name') ?? stringField(meta, 'generateName') ?? '',
    namespace: stringField(meta, 'namespace') ?? '',
    labels: stringMap(field(meta, 'labels')),
    annotations: stringMap(field(meta, 'annotations')),
  }
}
