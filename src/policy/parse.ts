/**
 * Policy ConfigMap -> PolicyDocument. Decides whether a ConfigMap is policy at all (label and
 * namespace), parses its YAML, and validates it (schema, then the checks of validate.ts). Every
 * problem becomes a finding with the exact path and, where the YAML has it, the line. Never
 * throws: a ConfigMap is user input.
 */
import { LineCounter, parseDocument, visit, type Document } from 'yaml'
import { error, errorsOf, warning, type Finding } from '../spec/finding.js'
import { POLICY_DATA_KEY, type PolicyDocument } from './document.js'
import { rememberLines } from './lines.js'
import { formatPath, type Problem } from './path.js'
import { closest, describe, schemaProblems } from './schema-validate.js'
import { documentProblems } from './validate.js'
import { lineOf } from './yaml-lines.js'
import { policyTextProblem } from '../spec/yaml-limits.js'

export { POLICY_DATA_KEY }

export interface ParsedPolicyConfigMap {
  name: string
  /** False when the ConfigMap is not policy here (label or namespace); findings say why. */
  applies: boolean
  /** Present only when the policy has no error findings. */
  document?: PolicyDocument
  findings: Finding[]
}

export interface ParsedPolicyText {
  document?: PolicyDocument
  findings: Finding[]
}

type Obj = Record<string, unknown>

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Validates a ConfigMap object: `applies` is false (with a `policy.ignored` warning) when it
 * lacks label `<label>: "true"` or lives outside `namespace`; errors use rule `policy.invalid`
 * with paths like `policy.yaml: rules[2].from.namespaces.selector.matchLabels`.
 */
export function parsePolicyConfigMap(
  cm: unknown,
  opts: { namespace: string; label: string },
): ParsedPolicyConfigMap {
  if (!isObj(cm)) {
    return {
      name: '',
      applies: false,
      findings: [error('policy.invalid', 'ConfigMap', `must be a map, not ${describe(cm)}`)],
    }
  }
  const meta = isObj(cm.metadata) ? cm.metadata : {}
  const name = typeof meta.name === 'string' ? meta.name : ''
  if (cm.kind !== undefined && cm.kind !== 'ConfigMap') {
    return {
      name,
      applies: false,
      findings: [error('policy.invalid', 'kind', `must be ConfigMap, not ${describe(cm.kind)}`)],
    }
  }
  const ignored = whyIgnored(meta, opts)
  if (ignored.length > 0) return { name, applies: false, findings: ignored }

  const data = cm.data
  const findings: Finding[] = []
  if (!isObj(data) || !(POLICY_DATA_KEY in data)) {
    const keys = isObj(data) ? Object.keys(data) : []
    const guess = closest(POLICY_DATA_KEY, keys)
    const hint = guess ? ` (found "${guess}": rename it)` : ''
    return {
      name,
      applies: true,
      findings: [
        error(
          'policy.invalid',
          'data',
          `must hold the policy under key "${POLICY_DATA_KEY}"${hint}`,
        ),
      ],
    }
  }
  for (const key of Object.keys(data)) {
    if (key !== POLICY_DATA_KEY) {
      findings.push(
        warning(
          'policy.invalid',
          `data[${JSON.stringify(key)}]`,
          `is not read: the policy is read from key "${POLICY_DATA_KEY}" only`,
        ),
      )
    }
  }
  const text = data[POLICY_DATA_KEY]
  if (typeof text !== 'string') {
    findings.push(
      error('policy.invalid', POLICY_DATA_KEY, `must be a string, not ${describe(text)}`),
    )
    return { name, applies: true, findings }
  }
  const parsed = parsePolicyText(text)
  findings.push(...parsed.findings)
  return parsed.document
    ? { name, applies: true, document: parsed.document, findings }
    : { name, applies: true, findings }
}

function whyIgnored(meta: Obj, opts: { namespace: string; label: string }): Finding[] {
  const findings: Finding[] = []
  const labels = isObj(meta.labels) ? meta.labels : {}
  const value = Object.hasOwn(labels, opts.label) ? labels[opts.label] : undefined
  if (value !== 'true') {
    const was = value === undefined ? 'is not set' : `is ${describe(value)}`
    findings.push(
      warning(
        'policy.ignored',
        `metadata.labels[${JSON.stringify(opts.label)}]`,
        `${was}, not "true": this ConfigMap is not access policy and is ignored`,
      ),
    )
  }
  if (meta.namespace !== opts.namespace) {
    const where =
      typeof meta.namespace === 'string'
        ? `is in namespace "${meta.namespace}"`
        : 'has no namespace'
    findings.push(
      warning(
        'policy.ignored',
        'metadata.namespace',
        `policy ConfigMaps count only in namespace "${opts.namespace}"; this one ${where} and is ignored`,
      ),
    )
  }
  return findings
}

const YAML_MESSAGES: Record<string, string> = {
  DUPLICATE_KEY: 'a key appears twice in one map; each key may appear once',
  MULTIPLE_DOCS:
    'holds more than one YAML document ("---"); put all rules and tenants in one document',
}

/** Parses and validates the text of `policy.yaml`. */
export function parsePolicyText(text: string): ParsedPolicyText {
  const deep = policyTextProblem(text) // size, aliases, depth: before parsing (issue 11 #5, #10)
  if (deep) return { findings: [error('policy.invalid', POLICY_DATA_KEY, deep)] }
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const findings: Finding[] = []
  const syntax = (e: { code: string; message: string; pos: [number, number] }): string => {
    const { line, col } = lines.linePos(e.pos[0])
    return `${POLICY_DATA_KEY}:${line}:${col}`
  }
  for (const e of doc.errors)
    findings.push(error('policy.invalid', syntax(e), YAML_MESSAGES[e.code] ?? e.message))
  for (const e of doc.warnings) findings.push(warning('policy.invalid', syntax(e), e.message))
  if (errorsOf(findings).length > 0) return { findings }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    // Unresolved or runaway aliases are only found here, without a position: name the line of
    // the alias that does not resolve, else of the first alias (where the expansion starts).
    const message = err instanceof Error ? err.message : String(err)
    const line = aliasLine(doc, lines)
    const located = line === undefined ? message : `${message} (line ${line})`
    return { findings: [...findings, error('policy.invalid', POLICY_DATA_KEY, located)] }
  }
  // Schema and semantic problems interleave in document order, as an admin reads the file.
  const located = [...schemaProblems(value), ...documentProblems(value)]
    .map((p) => ({ p, line: lineOf(p.path, doc, lines) }))
    .sort((a, b) => a.line - b.line)
  findings.push(...located.map(({ p, line }) => toFinding(p, line)))
  if (errorsOf(findings).length > 0) return { findings }
  const document = value as PolicyDocument
  // Checks after parsing (names clashing across ConfigMaps) name their line too.
  rememberLines(document, (path) => lineOf(path, doc, lines))
  return { document, findings }
}

function aliasLine(doc: Document, lines: LineCounter): number | undefined {
  let first: number | undefined
  let unresolved: number | undefined
  visit(doc, {
    Alias(_, node) {
      const start = node.range?.[0]
      if (start === undefined) return undefined
      first ??= start
      if (node.resolve(doc) === undefined) {
        unresolved = start
        return visit.BREAK
      }
      return undefined
    },
  })
  const at = unresolved ?? first
  return at === undefined ? undefined : lines.linePos(at).line
}

function toFinding(p: Problem, line: number): Finding {
  const where = formatPath(p.path)
  const path = where === '' ? POLICY_DATA_KEY : `${POLICY_DATA_KEY}: ${where}`
  const message = `${p.message} (line ${line})`
  return p.severity === 'error'
    ? error('policy.invalid', path, message)
    : warning('policy.invalid', path, message)
}
