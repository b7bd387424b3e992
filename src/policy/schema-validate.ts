/**
 * Runs the JSON schema with ajv and rewrites ajv's errors into problems an admin can act on:
 * the exact path of the offending value and what it must be instead ("must be a map, not a
 * list"), with a suggestion for misspelt field names.
 */
import { Ajv, type ErrorObject } from 'ajv'
import { problem, type Path, type PathSegment, type Problem } from './path.js'
import { PATTERN_MESSAGES, POLICY_SCHEMA } from './schema.js'

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true })
const validate = ajv.compile(POLICY_SCHEMA)

/** Schema problems of a parsed `policy.yaml` value; empty when it conforms. */
export function schemaProblems(value: unknown): Problem[] {
  if (validate(value)) return []
  const seen = new Set<string>()
  const problems: Problem[] = []
  for (const err of validate.errors ?? []) {
    const p = translate(err, value)
    const key = `${JSON.stringify(p.path)} ${p.message}`
    if (seen.has(key)) continue
    seen.add(key)
    problems.push(p)
  }
  return problems
}

function translate(err: ErrorObject, root: unknown): Problem {
  const at = segmentsOf(err.instancePath, root)
  const params = err.params as Record<string, unknown>
  switch (err.keyword) {
    case 'type':
      return problem(at, typeMessage(String(params.type), err.data))
    case 'required':
      return problem([...at, String(params.missingProperty)], 'is required')
    case 'additionalProperties': {
      const field = String(params.additionalProperty)
      const known = Object.keys(propertiesOf(err.parentSchema))
      return problem([...at, field], unknownFieldMessage(field, known))
    }
    case 'enum':
      return problem(
        at,
        `must be one of ${listOf(params.allowedValues)} (not ${describe(err.data)})`,
      )
    case 'const':
      return problem(
        at,
        `must be ${JSON.stringify(params.allowedValue)} (not ${describe(err.data)})`,
      )
    case 'pattern': {
      const meaning =
        PATTERN_MESSAGES[String(params.pattern)] ?? `must match ${String(params.pattern)}`
      return problem(at, `${meaning} (not ${describe(err.data)})`)
    }
    case 'minItems':
      return problem(at, 'must not be empty')
    case 'minProperties':
      return problem(
        at,
        `must set at least one of ${listOf(Object.keys(propertiesOf(err.parentSchema)))}`,
      )
    case 'maxLength':
      return problem(at, `must be at most ${String(params.limit)} characters`)
    default:
      return problem(at, err.message ?? `fails the ${err.keyword} check`)
  }
}

/** JSON pointer to path; a segment is an index only where the document holds a list. */
function segmentsOf(pointer: string, root: unknown): Path {
  const out: PathSegment[] = []
  let node: unknown = root
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(node)) {
      out.push(Number(key))
      node = node[Number(key)]
    } else {
      out.push(key)
      node = (node as Record<string, unknown> | undefined)?.[key]
    }
  }
  return out
}

function propertiesOf(schema: unknown): Record<string, unknown> {
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties
  return props ?? {}
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a map',
  array: 'a list',
  string: 'a string',
  boolean: 'true or false',
}

function typeMessage(expected: string, data: unknown): string {
  const message = `must be ${TYPE_NAMES[expected] ?? expected}, not ${describe(data)}`
  // YAML reads `true`, `1.0` or `yes`-like values unquoted as non-strings: say how to fix it.
  if (expected === 'string' && (typeof data === 'number' || typeof data === 'boolean')) {
    return `${message} (quote it: "${String(data)}")`
  }
  return message
}

/** A value as a message shows it: `a list`, `the number 3`, `"Allow"`. */
export function describe(data: unknown): string {
  if (data === null || data === undefined) return 'empty'
  if (Array.isArray(data)) return 'a list'
  if (typeof data === 'object') return 'a map'
  if (typeof data === 'string') return JSON.stringify(data)
  if (typeof data === 'number') return `the number ${data}`
  return String(data)
}

function listOf(values: unknown): string {
  return (Array.isArray(values) ? values : []).map((v) => String(v)).join(', ')
}

function unknownFieldMessage(field: string, known: readonly string[]): string {
  const guess = closest(field, known)
  const hint = guess ? `did you mean "${guess}"? ` : ''
  return `is not a known field: ${hint}expected one of ${known.join(', ')}`
}

/** The known field a misspelt one most likely meant: same letters in another case, or close. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase()
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(word.length / 4)) + 1
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : distance(lower, c.toLowerCase())
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  return best
}

/** Levenshtein distance (small strings only: field names). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost))
    }
    prev = row
  }
  return prev[b.length]!
}
