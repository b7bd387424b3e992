/**
 * `k8s.v1.cni.cncf.io/networks` and `v1.multus-cni.io/default-network`: parse, validate and
 * format network selections (multi-net-spec v1.3 §4, with the Multus `@ifname` extension).
 * The rules, and where they deliberately differ from the anchors, are in the design notes
 * ("Decisions where the anchors disagree"). Parsers collect every problem and never throw.
 */
import { error, errorsOf, warning, type Finding, type RuleCode } from './finding.js'
import { isObject, jsonTypeOf, parseJson, pathKey, showValue as show } from './json.js'
import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  infinibandGuidProblem,
  interfaceNameProblem,
  ipOrCidrProblem,
  ipProblem,
  macProblem,
} from './names.js'
import {
  bandwidth,
  BANDWIDTH_KEYS,
  ipList,
  portMappings,
  type Mutable,
} from './selection-values.js'
import type { SelectionElement } from './types.js'
import { MAX_ANNOTATION_BYTES, MAX_ECHO_CHARS, MAX_SELECTIONS, truncate } from './limits.js'

export interface SelectionResult {
  /** The selections in order; empty whenever `findings` holds an error. */
  readonly elements: SelectionElement[]
  readonly findings: Finding[]
}

export interface DefaultNetworkResult {
  /** The one selected network; absent whenever `findings` holds an error. */
  readonly element?: SelectionElement
  readonly findings: Finding[]
}

/** What one item yields: the element, or nothing when it is broken beyond use. */
interface Parsed {
  readonly element?: SelectionElement
  /** An interface was asked for but is invalid: leave it out of the duplicate check. */
  readonly badInterface: boolean
}

const SPEC_KEYS = [
  'name',
  'namespace',
  'interface',
  'ips',
  'mac',
  'cni-args',
  'portMappings',
  'bandwidth',
  'default-route',
  'infiniband-guid',
  'ipam-claim-reference',
] as const
/** Keys older Multus releases and the NAD client used (multus #360), and what replaced them. */
const LEGACY_KEYS: Readonly<Record<string, string>> = {
  interfaceRequest: 'interface',
  ipRequest: 'ips',
  macRequest: 'mac',
  infinibandGUID: 'infiniband-guid',
}

/** Parse `k8s.v1.cni.cncf.io/networks`. A blank value selects nothing. */
export function parseSelections(value: string, podNamespace: string): SelectionResult {
  return parseAnnotation(value, podNamespace, 'networks')
}

/** Parse `v1.multus-cni.io/default-network`: exactly one element, in either form. */
export function parseDefaultNetwork(value: string, podNamespace: string): DefaultNetworkResult {
  const root = 'default-network'
  const { elements, findings } = parseAnnotation(value, podNamespace, root)
  if (errorsOf(findings).length > 0) return { findings }
  if (elements.length !== 1) {
    findings.push(
      error(
        'selection.default-network',
        root,
        `must select exactly one network, got ${elements.length}`,
      ),
    )
    return { findings }
  }
  return { element: elements[0]!, findings }
}

/**
 * Canonical JSON text for selections: always the JSON form, `namespace` filled in, spec keys
 * in a fixed order, then the reverse-DNS keys sorted. It parses back to the same elements.
 */
export function formatSelections(elements: readonly SelectionElement[]): string {
  return JSON.stringify(elements.map(canonical))
}

function canonical(el: SelectionElement): Record<string, unknown> {
  const out: [string, unknown][] = [
    ['name', el.name],
    ['namespace', el.namespace],
  ]
  const add = (key: string, value: unknown): void => {
    if (value !== undefined) out.push([key, value])
  }
  add('interface', el.interface)
  add('ips', el.ips)
  add('mac', el.mac)
  add('cni-args', el['cni-args'])
  add(
    'portMappings',
    el.portMappings?.map((pm) => {
      const entry: Record<string, unknown> = {
        hostPort: pm.hostPort,
        containerPort: pm.containerPort,
        protocol: pm.protocol,
      }
      if (pm.hostIP !== undefined) entry.hostIP = pm.hostIP
      return entry
    }),
  )
  const bw = el.bandwidth
  add(
    'bandwidth',
    bw &&
      Object.fromEntries(BANDWIDTH_KEYS.filter((k) => bw[k] !== undefined).map((k) => [k, bw[k]])),
  )
  add('default-route', el['default-route'])
  add('infiniband-guid', el['infiniband-guid'])
  add('ipam-claim-reference', el['ipam-claim-reference'])
  for (const key of Object.keys(el.extra ?? {}).sort()) out.push([key, el.extra![key]])
  return Object.fromEntries(out)
}

function parseAnnotation(value: string, podNamespace: string, root: string): SelectionResult {
  const findings: Finding[] = []
  // Bounds first, before any parsing: the cost of everything below grows with the input.
  const bytes = value.length > MAX_ANNOTATION_BYTES / 4 ? Buffer.byteLength(value, 'utf8') : 0
  if (bytes > MAX_ANNOTATION_BYTES) {
    findings.push(
      error(
        'selection.limit',
        root,
        `is ${bytes} bytes long; at most ${MAX_ANNOTATION_BYTES} are read (Kubernetes refuses annotations over 256 KiB in all)`,
      ),
    )
    return { elements: [], findings }
  }
  const text = value.trim()
  let parsed: Parsed[] = [] // a blank value selects nothing
  if (text.startsWith('[')) {
    const json = parseJson(text)
    if (!json.ok) {
      findings.push(error('selection.syntax', root, json.message))
    } else if ((json.value as unknown[]).length > MAX_SELECTIONS) {
      findings.push(tooMany(root, (json.value as unknown[]).length))
    } else {
      // A valid JSON text that starts with '[' is a list.
      parsed = (json.value as unknown[]).map((item, i) =>
        fromJson(item, `${root}[${i}]`, podNamespace, findings),
      )
    }
  } else if (text.startsWith('{') || text.startsWith('"') || text === 'null') {
    findings.push(error('selection.not-list', root, notListMessage(text)))
  } else if (text !== '') {
    const items = countOf(text, ',') + 1
    if (items > MAX_SELECTIONS) findings.push(tooMany(root, items))
    else {
      parsed = text
        .split(',')
        .map((item, i) => fromComma(item, `${root}[${i}]`, podNamespace, findings))
    }
  }
  checkAcrossElements(parsed, root, text.startsWith('['), findings)
  const elements = parsed.flatMap((p) => (p.element ? [p.element] : []))
  return { elements: errorsOf(findings).length > 0 ? [] : elements, findings }
}

function tooMany(root: string, count: number): Finding {
  return error(
    'selection.limit',
    root,
    `selects ${count} networks; at most ${MAX_SELECTIONS} are allowed per pod (each is one CNI ADD inside the kubelet's sandbox timeout)`,
  )
}

function countOf(text: string, char: string): number {
  let n = 0
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) n++
  return n
}

/** A user's text quoted in a message, cut when long. */
function quote(text: string): string {
  return JSON.stringify(truncate(text, MAX_ECHO_CHARS))
}

function notListMessage(text: string): string {
  if (text === 'null') {
    return 'is JSON null, not a list: write [] or remove the annotation to select no network (a network named "null" is written <namespace>/null)'
  }
  const json = parseJson(text)
  const got = json.ok ? jsonTypeOf(json.value) : `text starting with ${text[0]}`
  return `must be a JSON list ([{"name": ...}, ...]) or comma-separated network names, got ${got}`
}

/** One comma-form item: `[<namespace>/]<name>[@<interface>]`, each part trimmed. */
function fromComma(raw: string, path: string, podNamespace: string, findings: Finding[]): Parsed {
  const item = raw.trim()
  const quoted = quote(item)
  /** How to name a part in a message: the item alone when the part is all of it. */
  const part = (what: string, text: string): string =>
    text === item ? `${what} ${quoted}` : `${quoted}: ${what} ${quote(text)}`
  const fail = (rule: RuleCode, message: string): Parsed => {
    findings.push(error(rule, path, message))
    return { badInterface: false }
  }
  if (item === '') return fail('selection.syntax', 'empty item: remove the extra ","')
  const slashParts = item.split('/')
  if (slashParts.length > 2) {
    return fail(
      'selection.syntax',
      `${quoted} has more than one "/": write [<namespace>/]<name>[@<interface>]`,
    )
  }
  const atParts = slashParts[slashParts.length - 1]!.split('@')
  if (atParts.length > 2) {
    return fail(
      'selection.syntax',
      `${quoted} has more than one "@": write [<namespace>/]<name>[@<interface>]`,
    )
  }
  const namespace = slashParts.length === 2 ? slashParts[0]!.trim() : undefined
  const name = atParts[0]!.trim()
  const iface = atParts.length === 2 ? atParts[1]!.trim() : undefined

  const before = findings.length
  if (namespace === '') {
    fail(
      'selection.namespace',
      `${quoted}: the namespace before "/" is empty; leave out "/" to use the pod's namespace`,
    )
  } else if (namespace !== undefined) {
    const problem = dns1123LabelProblem(namespace)
    if (problem) fail('selection.namespace', `${part('namespace', namespace)} ${problem}`)
  }
  if (name === '') {
    fail('selection.name', `${quoted}: the network name is empty`)
  } else {
    const problem = dns1123LabelProblem(name)
    if (problem)
      fail('selection.name', `${part('network name', name)} ${problem}${commaHint(name)}`)
  }
  let badInterface = false
  if (iface === '') {
    badInterface = true
    fail(
      'selection.interface',
      `${quoted}: the interface name after "@" is empty; leave out "@" to get net<N>`,
    )
  } else if (iface !== undefined) {
    const problem = interfaceNameProblem(iface)
    if (problem) {
      badInterface = true
      fail('selection.interface', `${part('interface name', iface)} ${problem}`)
    }
  }
  if (findings.length > before) return { badInterface }
  const element: Mutable<SelectionElement> = { name, namespace: namespace ?? podNamespace }
  if (iface !== undefined) element.interface = iface
  return { element, badInterface }
}

/** One JSON-form element: every spec key checked by type and value. */
function fromJson(item: unknown, path: string, podNamespace: string, findings: Finding[]): Parsed {
  if (!isObject(item)) {
    findings.push(
      error(
        'selection.element-type',
        path,
        `must be an object such as {"name": "net1"}, got ${jsonTypeOf(item)}`,
      ),
    )
    return { badInterface: false }
  }
  const before = findings.length
  const el: Mutable<SelectionElement> = { name: '', namespace: podNamespace }
  const extra: [string, unknown][] = []
  let badInterface = false
  for (const [key, value] of Object.entries(item)) {
    const p = pathKey(path, key)
    const fail = (rule: RuleCode, message: string): undefined => {
      findings.push(error(rule, p, message))
      return undefined
    }
    const text = (rule: RuleCode): string | undefined =>
      typeof value === 'string' ? value : fail(rule, `must be a string, got ${jsonTypeOf(value)}`)
    switch (key) {
      case 'name': {
        const v = text('selection.name')
        if (v === undefined) break
        const problem = dns1123LabelProblem(v)
        if (v === '') fail('selection.name', 'must not be empty')
        else if (problem) fail('selection.name', `${show(v)} ${problem}${nameHint(v)}`)
        else el.name = v
        break
      }
      case 'namespace': {
        const v = text('selection.namespace')
        if (v === undefined || v === '') break // empty: the pod's namespace (spec §4.1.2)
        const problem = dns1123LabelProblem(v)
        if (problem) fail('selection.namespace', `${show(v)} ${problem}`)
        else el.namespace = v
        break
      }
      case 'interface': {
        const v = text('selection.interface')
        const problem = v === undefined ? 'invalid' : interfaceNameProblem(v)
        if (problem) {
          badInterface = true
          if (v !== undefined) fail('selection.interface', `${show(v)} ${problem}`)
        } else el.interface = v
        break
      }
      case 'ips':
        el.ips = ipList(value, p, 'selection.ips', ipOrCidrProblem, false, findings)
        break
      case 'mac': {
        const v = text('selection.mac')
        const problem = v === undefined ? 'invalid' : macProblem(v)
        if (!problem) el.mac = v
        else if (v !== undefined) fail('selection.mac', `${show(v)} ${problem}`)
        break
      }
      case 'cni-args':
        if (isObject(value)) el['cni-args'] = value
        else fail('selection.cni-args', `must be an object, got ${jsonTypeOf(value)}`)
        break
      case 'portMappings':
        el.portMappings = portMappings(value, p, findings)
        break
      case 'bandwidth':
        el.bandwidth = bandwidth(value, p, findings)
        break
      case 'default-route':
        el['default-route'] = ipList(value, p, 'selection.default-route', ipProblem, true, findings)
        break
      case 'infiniband-guid': {
        const v = text('selection.infiniband-guid')
        const problem = v === undefined ? 'invalid' : infinibandGuidProblem(v)
        if (!problem) el['infiniband-guid'] = v
        else if (v !== undefined) fail('selection.infiniband-guid', `${show(v)} ${problem}`)
        break
      }
      case 'ipam-claim-reference': {
        const v = text('selection.ipam-claim-reference')
        if (v === undefined) break
        const problem = dns1123SubdomainProblem(v)
        if (problem)
          fail('selection.ipam-claim-reference', `${show(v)} ${problem} (the name of an IPAMClaim)`)
        else el['ipam-claim-reference'] = v
        break
      }
      default:
        if (key.includes('.')) extra.push([key, value])
        else findings.push(warning('selection.unknown-key', p, unknownKeyMessage(key)))
    }
  }
  if (!('name' in item)) {
    findings.push(
      error(
        'selection.name',
        pathKey(path, 'name'),
        'is required: the name of a NetworkAttachmentDefinition',
      ),
    )
  }
  if ('ips' in item && 'ipam-claim-reference' in item) {
    findings.push(
      error(
        'selection.ipam-claim-reference',
        pathKey(path, 'ipam-claim-reference'),
        'cannot be combined with "ips": the IPAMClaim decides the addresses (spec §4.1.2.1.11)',
      ),
    )
  }
  if (extra.length > 0) el.extra = Object.fromEntries(extra)
  return errorsOf(findings.slice(before)).length > 0
    ? { badInterface }
    : { element: el, badInterface }
}

/** Checks that look at all elements: interface names and the one default-route. */
function checkAcrossElements(
  parsed: readonly Parsed[],
  root: string,
  jsonForm: boolean,
  findings: Finding[],
): void {
  const interfaces = new Map<string, number>()
  let defaultRoute: number | undefined
  parsed.forEach(({ element, badInterface }, i) => {
    if (!element) return
    const path = `${root}[${i}]`
    if (!badInterface) {
      // Multus names a secondary network without an interface net<N>, N its 1-based position.
      const name = element.interface ?? `net${i + 1}`
      const first = interfaces.get(name)
      if (first === undefined) interfaces.set(name, i)
      else {
        const how =
          element.interface === undefined ? ` (its implicit name: net<N> by position)` : ''
        findings.push(
          error(
            'selection.duplicate-interface',
            element.interface !== undefined && jsonForm ? `${path}.interface` : path,
            `interface "${name}"${how} is already used by ${root}[${first}] (${describe(parsed[first]!.element!)}); give one of them another interface`,
          ),
        )
      }
    }
    if (element['default-route'] !== undefined) {
      if (defaultRoute === undefined) defaultRoute = i
      else {
        findings.push(
          error(
            'selection.default-route',
            `${path}.default-route`,
            `only one selection may carry default-route, and ${root}[${defaultRoute}] already does`,
          ),
        )
      }
    }
  })
}

function describe(el: SelectionElement): string {
  return `${el.namespace}/${el.name}${el.interface ? `@${el.interface}` : ''}`
}

function commaHint(name: string): string {
  return /["{}[\]]/.test(name)
    ? ' (the comma form takes bare names; the JSON form starts with "[")'
    : ''
}

function nameHint(name: string): string {
  if (name.includes('/')) return ' (put the namespace in "namespace")'
  if (name.includes('@')) return ' (put the interface name in "interface")'
  return ''
}

function unknownKeyMessage(fullKey: string): string {
  const key = truncate(fullKey, MAX_ECHO_CHARS)
  const base = `"${key}" is not a multi-net-spec key and is ignored; keys without a "." are reserved by the spec, so put your own data under a reverse-DNS key such as "org.example.${key}"`
  const legacy = Object.hasOwn(LEGACY_KEYS, key) ? LEGACY_KEYS[key] : undefined
  if (legacy) return `${base} ("${key}" is an old Multus key: use "${legacy}")`
  const sameButCase = SPEC_KEYS.find((k) => k.toLowerCase() === key.toLowerCase())
  if (sameButCase) return `${base} (keys are case-sensitive: did you mean "${sameButCase}"?)`
  return base
}
