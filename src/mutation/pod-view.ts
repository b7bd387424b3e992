/**
 * Read-only accessors over the pod as untrusted JSON. The API server normally sends a decoded,
 * defaulted Pod, but `multinet review` feeds files from disk, so every read checks its type and
 * none of them throws.
 */
import { isObject } from '../spec/object.js'

export { isObject, type JsonObject } from '../spec/object.js'

/** The member at `key`, or undefined when the holder is not an object. */
export function member(holder: unknown, key: string): unknown {
  return isObject(holder) && Object.hasOwn(holder, key) ? holder[key] : undefined
}

/** Absent and JSON `null` both mean "not there" for a field we may create. */
export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null
}

/** A string map such as labels, annotations or nodeSelector; non-string values are skipped. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!isObject(value)) return out
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v
  return out
}

export function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

export interface ContainerView {
  readonly index: number
  /** The raw element (may be anything in a malformed pod). */
  readonly raw: unknown
  readonly name: string | undefined
}

export function podAnnotations(pod: unknown): Record<string, string> {
  return stringMap(member(member(pod, 'metadata'), 'annotations'))
}

/** `spec.containers` as a list; undefined when missing or not a list. */
export function containersOf(pod: unknown): ContainerView[] | undefined {
  const list = member(member(pod, 'spec'), 'containers')
  if (!Array.isArray(list)) return undefined
  return list.map((raw: unknown, index) => {
    const name = member(raw, 'name')
    return { index, raw, name: typeof name === 'string' ? name : undefined }
  })
}

export function initContainerNames(pod: unknown): string[] {
  const list = member(member(pod, 'spec'), 'initContainers')
  if (!Array.isArray(list)) return []
  return list.map((c: unknown) => member(c, 'name')).filter((n) => typeof n === 'string')
}
