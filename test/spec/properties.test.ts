import fc from 'fast-check'
import t from 'tap'
import { validateCniConfig } from '../../src/spec/cni-config.js'
import { RULES, type Finding } from '../../src/spec/finding.js'
import { parseNodeSelectorAnnotation, toNadInfo, validateNad } from '../../src/spec/nad.js'
import { formatNetworkStatus, parseNetworkStatus } from '../../src/spec/network-status.js'
import { formatSelections, parseDefaultNetwork, parseSelections } from '../../src/spec/selection.js'
import type { SelectionElement } from '../../src/spec/types.js'

const RUNS = { numRuns: 300 }

/** Findings are well formed whatever the input: a known rule, a severity, a path, a message. */
function wellFormed(findings: readonly Finding[]): boolean {
  return findings.every(
    (f) =>
      Object.hasOwn(RULES, f.rule) &&
      (f.severity === 'error' || f.severity === 'warning') &&
      f.path.length > 0 &&
      f.message.length > 0,
  )
}
const hasError = (findings: readonly Finding[]) => findings.some((f) => f.severity === 'error')

/** Strings that look like annotations often enough to reach deep into the parsers. */
const annotationText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.stringMatching(/^[a-z0-9@/, [\]{}":.\-_]{0,40}$/),
  fc.jsonValue().map((v) => JSON.stringify(v)),
)

const SELECTION_KEYS = [
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
  'NAME',
  'org.example.x',
  '__proto__',
]
/** JSON lists of objects whose keys are spec keys and whose values are anything. */
const selectionJson = fc
  .array(fc.dictionary(fc.constantFrom(...SELECTION_KEYS), fc.jsonValue(), { maxKeys: 6 }), {
    maxLength: 4,
  })
  .map((v) => JSON.stringify(v))

t.test('selection parsers never throw and report well-formed findings', async (t) => {
  fc.assert(
    fc.property(fc.oneof(annotationText, selectionJson), fc.string(), (value, ns) => {
      const r = parseSelections(value, ns)
      const d = parseDefaultNetwork(value, ns)
      return (
        wellFormed(r.findings) &&
        wellFormed(d.findings) &&
        (!hasError(r.findings) || r.elements.length === 0) &&
        (!hasError(d.findings) || d.element === undefined)
      )
    }),
    RUNS,
  )
  t.pass('no input made a parser throw')
})

t.test('whatever parses cleanly formats and parses back to the same elements', async (t) => {
  fc.assert(
    fc.property(fc.oneof(annotationText, selectionJson), (value) => {
      const first = parseSelections(value, 'pod-ns')
      if (hasError(first.findings)) return true
      const again = parseSelections(formatSelections(first.elements), 'elsewhere')
      t.same(again.elements, first.elements)
      return !hasError(again.findings)
    }),
    RUNS,
  )
})

// Generators of valid selection elements, for the round-trip property.
const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,12}[a-z0-9])?$/)
const ifname = fc
  .stringMatching(/^[A-Za-z0-9_.@-]{1,15}$/)
  .filter((s) => s !== '.' && s !== '..' && !/^net[0-9]+$/.test(s))
const ip = fc.oneof(fc.ipV4(), fc.ipV6())
const cidr = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`),
)
const hex = (n: number) =>
  fc
    .array(fc.integer({ min: 0, max: 255 }), { minLength: n, maxLength: n })
    .map((bytes) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(':'))
/** Any JSON data, normalised the way JSON.parse would return it (no -0). */
const jsonData = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown)
const jsonObject = fc
  .dictionary(fc.string(), jsonData, { maxKeys: 4 })
  .map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>)
const port = fc.integer({ min: 1, max: 65535 })
const rate = fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { nil: undefined })

const element = fc
  .record(
    {
      name: label,
      namespace: label,
      interface: ifname,
      ips: fc.array(fc.oneof(ip, cidr), { minLength: 1, maxLength: 3 }),
      mac: hex(6),
      'cni-args': jsonObject,
      portMappings: fc.array(
        fc.record(
          {
            hostPort: port,
            containerPort: port,
            protocol: fc.constantFrom('TCP' as const, 'UDP' as const, 'SCTP' as const),
            hostIP: ip,
          },
          { requiredKeys: ['hostPort', 'containerPort', 'protocol'] },
        ),
        { minLength: 1, maxLength: 3 },
      ),
      bandwidth: fc
        .tuple(rate, rate, rate, rate)
        .map(([ingressRate, ingressBurst, egressRate, egressBurst]) =>
          JSON.parse(
            JSON.stringify({
              ingressRate,
              ingressBurst: ingressRate && ingressBurst,
              egressRate,
              egressBurst: egressRate && egressBurst,
            }),
          ),
        ),
      'default-route': fc.array(ip, { maxLength: 2 }),
      'infiniband-guid': hex(8),
      'ipam-claim-reference': label,
      extra: fc
        .dictionary(
          fc.tuple(fc.string(), fc.string()).map(([a, b]) => `${a}.${b}`),
          jsonData,
          { minKeys: 1, maxKeys: 3 },
        )
        .map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>),
    },
    { requiredKeys: ['name', 'namespace'] },
  )
  .map((e) => e as SelectionElement)

/** Make a list valid as a whole: unique interfaces, one default-route, ips xor a claim. */
function coherent(elements: SelectionElement[]): SelectionElement[] {
  const seen = new Set<string>()
  let route = false
  return elements.map((e) => {
    const out: Record<string, unknown> = { ...e }
    if (e.interface !== undefined) {
      if (seen.has(e.interface)) delete out.interface
      seen.add(e.interface)
    }
    if (e['default-route'] !== undefined) {
      if (route) delete out['default-route']
      route = true
    }
    if (e.ips !== undefined) delete out['ipam-claim-reference']
    return out as unknown as SelectionElement
  })
}

t.test('formatSelections(generated valid elements) parses back to the same elements', async (t) => {
  fc.assert(
    fc.property(fc.array(element, { maxLength: 5 }).map(coherent), (elements) => {
      const text = formatSelections(elements)
      const parsed = parseSelections(text, 'irrelevant')
      t.same(parsed.findings, [], text)
      t.same(parsed.elements, elements)
      return parsed.findings.length === 0
    }),
    { numRuns: 200 },
  )
})

const STATUS_KEYS = [
  'name',
  'interface',
  'ips',
  'mac',
  'mtu',
  'default',
  'dns',
  'default-route',
  'gateway',
  'device-info',
  'infiniband-guid',
]
const statusJson = fc
  .array(fc.dictionary(fc.constantFrom(...STATUS_KEYS), fc.jsonValue(), { maxKeys: 6 }), {
    maxLength: 3,
  })
  .map((v) => JSON.stringify(v))

t.test('network-status never throws; what parses formats back to itself', async (t) => {
  fc.assert(
    fc.property(fc.oneof(annotationText, statusJson), (value) => {
      const r = parseNetworkStatus(value)
      if (!wellFormed(r.findings)) return false
      if (hasError(r.findings)) return r.entries.length === 0
      t.same(parseNetworkStatus(formatNetworkStatus(r.entries)).entries, r.entries)
      return true
    }),
    RUNS,
  )
})

const CNI_KEYS = [
  'name',
  'type',
  'cniVersion',
  'cniVersions',
  'disableCheck',
  'disableGC',
  'loadOnlyInlinedPlugins',
  'ipam',
  'dns',
  'capabilities',
  'args',
  'prevResult',
]
const pluginLike = fc.dictionary(fc.constantFrom(...CNI_KEYS), fc.jsonValue(), { maxKeys: 5 })
const cniJson = fc
  .tuple(pluginLike, fc.option(fc.oneof(fc.array(pluginLike, { maxLength: 3 }), fc.jsonValue())))
  .map(([top, plugins]) => JSON.stringify(plugins === null ? top : { ...top, plugins }))

t.test('validateCniConfig never throws', async (t) => {
  fc.assert(
    fc.property(fc.oneof(annotationText, cniJson), fc.string(), (text, nadName) => {
      const r = validateCniConfig(text, nadName)
      return wellFormed(r.findings) && (hasError(r.findings) ? r.config === undefined : true)
    }),
    RUNS,
  )
  t.pass()
})

const nadLike = fc.record({
  apiVersion: fc.oneof(fc.constant('k8s.cni.cncf.io/v1'), fc.jsonValue()),
  kind: fc.oneof(fc.constant('NetworkAttachmentDefinition'), fc.jsonValue()),
  metadata: fc.oneof(
    fc.record({
      name: fc.oneof(label, fc.jsonValue()),
      namespace: fc.oneof(label, fc.jsonValue()),
      labels: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
      annotations: fc.oneof(
        fc.dictionary(
          fc.constantFrom(
            'k8s.v1.cni.cncf.io/resourceName',
            'k8s.v1.cni.cncf.io/nodeSelector',
            'multinet.io/physical-network',
            'other',
          ),
          fc.oneof(fc.string(), fc.jsonValue()),
        ),
        fc.jsonValue(),
      ),
    }),
    fc.jsonValue(),
  ),
  spec: fc.oneof(
    fc.record({ config: fc.oneof(cniJson, fc.string(), fc.jsonValue()) }),
    fc.jsonValue(),
  ),
})

t.test('validateNad, toNadInfo and parseNodeSelectorAnnotation never throw', async (t) => {
  fc.assert(
    fc.property(fc.oneof(nadLike, fc.anything()), (obj) => {
      const r = validateNad(obj)
      toNadInfo(obj)
      return (
        wellFormed(r.findings) && (hasError(r.findings) ? r.nad === undefined : r.nad !== undefined)
      )
    }),
    RUNS,
  )
  fc.assert(
    fc.property(annotationText, (v) => wellFormed(parseNodeSelectorAnnotation(v).findings)),
    RUNS,
  )
  t.pass()
})
