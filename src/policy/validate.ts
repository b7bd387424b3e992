/**
 * Checks of a policy document beyond its schema: label selector syntax and operators, and names
 * that must be unique within the document. Reads the raw value defensively, so it can run next
 * to the schema and report everything at once; shapes the schema refuses are skipped here.
 */
import { interfaceNameProblem } from '../spec/names.js'
import { problem, type Path, type Problem } from './path.js'
import { PATTERNS } from './schema.js'
import { checkSelector } from './selector.js'

// The schema's pattern counts characters; the kernel counts bytes (a non-ASCII name can pass
// the first and fail the second). Only names the schema accepts are checked here.
const INTERFACE = new RegExp(PATTERNS.interface, 'u')

type Obj = Record<string, unknown>

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function listAt(value: unknown, key: string): unknown[] {
  const list = isObj(value) ? value[key] : undefined
  return Array.isArray(list) ? list : []
}

function at(value: unknown, ...keys: string[]): unknown {
  let node = value
  for (const key of keys) node = isObj(node) ? node[key] : undefined
  return node
}

export function documentProblems(doc: unknown): Problem[] {
  const problems: Problem[] = []
  const rules = listAt(doc, 'rules')
  rules.forEach((rule, i) => {
    const base: Path = ['rules', i]
    problems.push(
      ...checkSelector(at(rule, 'networks', 'selector'), [...base, 'networks', 'selector']),
    )
    problems.push(
      ...checkSelector(at(rule, 'from', 'namespaces', 'selector'), [
        ...base,
        'from',
        'namespaces',
        'selector',
      ]),
    )
    problems.push(
      ...checkSelector(at(rule, 'from', 'pods', 'selector'), [...base, 'from', 'pods', 'selector']),
    )
    const mode = at(rule, 'mode')
    if (at(rule, 'action') === 'grant' && (mode === 'warn' || mode === 'audit')) {
      problems.push(
        problem(
          [...base, 'mode'],
          `a grant only adds access and is always in force; warn and audit apply to refusals (not "${mode}"): remove it`,
        ),
      )
    }
  })
  problems.push(...duplicateNames(rules, 'rules', 'rule'))
  const tenants = listAt(doc, 'tenants')
  tenants.forEach((tenant, i) => {
    const base: Path = ['tenants', i]
    problems.push(
      ...checkSelector(at(tenant, 'namespaces', 'selector'), [...base, 'namespaces', 'selector']),
    )
    problems.push(...checkInterfaces(listAt(tenant, 'networks'), [...base, 'networks']))
    listAt(tenant, 'joins').forEach((joined, j) => {
      if (joined === at(tenant, 'name')) {
        problems.push(problem([...base, 'joins', j], 'a tenant cannot join itself'))
      }
    })
  })
  problems.push(...duplicateNames(tenants, 'tenants', 'tenant'))
  const admins = listAt(doc, 'admins')
  admins.forEach((admin, i) => {
    const base: Path = ['admins', i]
    if (isObj(admin) && admin.namespaces === undefined && admin.networks === undefined) {
      problems.push(
        problem(
          base,
          'must set at least one of namespaces (admin namespaces) or networks (open to every pod)',
        ),
      )
    }
    problems.push(
      ...checkSelector(at(admin, 'namespaces', 'selector'), [...base, 'namespaces', 'selector']),
    )
    problems.push(
      ...checkSelector(at(admin, 'networks', 'selector'), [...base, 'networks', 'selector']),
    )
  })
  problems.push(...duplicateNames(admins, 'admins', 'admin'))
  return problems
}

/** Names identify rules in decisions (`rule/<name>`): two with one name would be ambiguous. */
function duplicateNames(items: unknown[], key: string, what: string): Problem[] {
  const first = new Map<string, number>()
  const problems: Problem[] = []
  items.forEach((item, i) => {
    const name = at(item, 'name')
    if (typeof name !== 'string') return
    const earlier = first.get(name)
    if (earlier === undefined) first.set(name, i)
    else {
      problems.push(
        problem(
          [key, i, 'name'],
          `duplicate ${what} name "${name}" (also ${key}[${earlier}]); names must be unique`,
        ),
      )
    }
  })
  return problems
}

/** Injected networks become pod interfaces: two with one interface name could never attach. */
function checkInterfaces(networks: unknown[], base: Path): Problem[] {
  const first = new Map<string, number>()
  const problems: Problem[] = []
  networks.forEach((n, i) => {
    const name = at(n, 'interface')
    if (typeof name !== 'string') return
    const kernel = INTERFACE.test(name) ? interfaceNameProblem(name) : undefined
    if (kernel) problems.push(problem([...base, i, 'interface'], kernel))
    const earlier = first.get(name)
    if (earlier === undefined) first.set(name, i)
    else {
      problems.push(
        problem(
          [...base, i, 'interface'],
          `interface "${name}" is already used by networks[${earlier}]`,
        ),
      )
    }
  })
  return problems
}
