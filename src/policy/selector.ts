/**
 * Kubernetes label selectors: the checks Kubernetes applies to them (so a selector that the API
 * server would refuse elsewhere is refused here too), and matching.
 */
import type { LabelSelector, LabelSelectorRequirement } from './document.js'
import { labelKeyProblem, labelValueProblem } from '../spec/names.js'
import { problem, type Path, type Problem } from './path.js'

type Labels = Readonly<Record<string, string>>
export type LabelPredicate = (labels: Labels) => boolean

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * What the schema cannot say about a selector: key and value syntax, and which operators take
 * values. Reads `value` defensively: shapes the schema refuses are skipped, not reported twice.
 */
export function checkSelector(value: unknown, at: Path): Problem[] {
  const problems: Problem[] = []
  if (!isRecord(value)) return problems
  const { matchLabels, matchExpressions } = value
  if (isRecord(matchLabels)) {
    for (const [key, v] of Object.entries(matchLabels)) {
      const keyProblem = labelKeyProblem(key)
      if (keyProblem) problems.push(problem([...at, 'matchLabels', key], `label key ${keyProblem}`))
      if (typeof v === 'string') {
        const valueProblem = labelValueProblem(v)
        if (valueProblem) {
          problems.push(problem([...at, 'matchLabels', key], `label value ${valueProblem}`))
        }
      }
    }
  }
  if (Array.isArray(matchExpressions)) {
    matchExpressions.forEach((req: unknown, i) => {
      problems.push(...checkRequirement(req, [...at, 'matchExpressions', i]))
    })
  }
  return problems
}

function checkRequirement(req: unknown, at: Path): Problem[] {
  if (!isRecord(req)) return []
  const problems: Problem[] = []
  const { key, operator, values } = req
  if (typeof key === 'string') {
    const keyProblem = labelKeyProblem(key)
    if (keyProblem) problems.push(problem([...at, 'key'], `label key ${keyProblem}`))
  }
  const list = Array.isArray(values) ? values : undefined
  if (operator === 'In' || operator === 'NotIn') {
    if (!list || list.length === 0) {
      problems.push(
        problem([...at, 'values'], `must list at least one value for operator ${operator}`),
      )
    }
  } else if ((operator === 'Exists' || operator === 'DoesNotExist') && list && list.length > 0) {
    problems.push(problem([...at, 'values'], `must be empty for operator ${operator}`))
  }
  list?.forEach((v: unknown, i) => {
    const valueProblem = typeof v === 'string' ? labelValueProblem(v) : undefined
    if (valueProblem) problems.push(problem([...at, 'values', i], `label value ${valueProblem}`))
  })
  return problems
}

function requirementPredicate(req: LabelSelectorRequirement): LabelPredicate {
  const { key } = req
  const values = new Set(req.values ?? [])
  // Own properties only: `constructor` is a valid label key and must not match every object.
  const has = (labels: Labels): boolean => Object.hasOwn(labels, key)
  switch (req.operator) {
    case 'In':
      return (labels) => has(labels) && values.has(labels[key]!)
    case 'NotIn':
      // As in Kubernetes: a missing key satisfies NotIn.
      return (labels) => !has(labels) || !values.has(labels[key]!)
    case 'Exists':
      return has
    case 'DoesNotExist':
      return (labels) => !has(labels)
  }
}

/** A predicate over labels; every requirement must hold, and `{}` matches everything. */
export function compileSelector(selector: LabelSelector): LabelPredicate {
  const checks: LabelPredicate[] = Object.entries(selector.matchLabels ?? {}).map(
    ([key, value]) =>
      (labels: Labels) =>
        Object.hasOwn(labels, key) && labels[key] === value,
  )
  for (const req of selector.matchExpressions ?? []) checks.push(requirementPredicate(req))
  return (labels) => checks.every((check) => check(labels))
}

/**
 * Label pairs that every matching object must carry (`key=value`), so an index can find the
 * selector from an object's labels instead of trying it against every object. Empty when the
 * selector requires no particular value (only NotIn, Exists or DoesNotExist).
 */
export function requiredPairs(
  selector: LabelSelector,
): { key: string; values: string[] } | undefined {
  // Keys of a map are distinct: the order only has to be stable.
  const labels = Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))
  const first = labels[0]
  if (first) return { key: first[0], values: [first[1]] }
  const inReq = selector.matchExpressions?.find((r) => r.operator === 'In')
  if (inReq) return { key: inReq.key, values: [...new Set(inReq.values ?? [])] }
  return undefined
}
