/**
 * What a pod asked for (its selections) next to what happened (network-status, as the agent
 * wrote it), one entry per attachment. A selection without a status entry is flagged: still
 * waiting while the pod is Pending, missing once it runs (the attachment failed or the agent
 * has not reported). Pure: a pod object in, entries out.
 */
import { errorsOf, formatFinding } from '../../spec/finding.js'
import { parseNetworkStatus } from '../../spec/network-status.js'
import { field, metadataOf, stringField } from '../../spec/object.js'
import { parseDefaultNetwork, parseSelections } from '../../spec/selection.js'
import {
  ANNOTATIONS,
  networkKey,
  type NetworkStatusEntry,
  type SelectionElement,
} from '../../spec/types.js'

export type AttachmentState =
  /** Selected, and network-status reports it. */
  | 'attached'
  /** Selected, no status yet, the pod is Pending. */
  | 'waiting'
  /** Selected, no status, yet the pod runs (or ran): failed, or not reported. */
  | 'no-status'
  /** Reported, not selected: the cluster's default network. */
  | 'cluster-default'
  /** Reported, not selected, not the default: written by someone else. */
  | 'unselected'
  /** An annotation does not parse; `problem` says how. */
  | 'invalid'

export interface Attachment {
  /** `namespace/name` of the NAD, or the name network-status gives. */
  readonly network: string
  /** `networks[0]`, `default-network` or `network-status`. */
  readonly origin: string
  readonly interface?: string
  readonly ips: readonly string[]
  readonly mac?: string
  /** `default` for the default network, the gateways of a `default-route`, else empty. */
  readonly route: string
  readonly state: AttachmentState
  readonly problem?: string
}

export interface PodAttachments {
  readonly namespace: string
  readonly name: string
  readonly node: string
  readonly phase: string
  readonly attachments: readonly Attachment[]
}

interface Wanted {
  readonly element: SelectionElement
  readonly origin: string
}

/** The pod's attachments; undefined for a pod that neither selects nor reports any network. */
export function podAttachments(pod: unknown): PodAttachments | undefined {
  const meta = metadataOf(pod)
  const namespace = meta.namespace || 'default'
  const a = meta.annotations
  const networks = a[ANNOTATIONS.networks]
  const defaultNetwork = a[ANNOTATIONS.defaultNetwork]
  const status = a[ANNOTATIONS.networkStatus]
  if (networks === undefined && defaultNetwork === undefined && status === undefined) {
    return undefined
  }
  const phase = stringField(field(pod, 'status'), 'phase') ?? 'Pending'
  const node = stringField(field(pod, 'spec'), 'nodeName') ?? ''
  const out: Attachment[] = []
  const wanted: Wanted[] = []
  const invalid = (origin: string, problem: string): void => {
    out.push({ network: '', origin, ips: [], route: '', state: 'invalid', problem })
  }
  if (defaultNetwork !== undefined) {
    const parsed = parseDefaultNetwork(defaultNetwork, namespace)
    if (parsed.element) wanted.push({ element: parsed.element, origin: 'default-network' })
    else invalid('default-network', problemOf(parsed.findings))
  }
  if (networks !== undefined) {
    const parsed = parseSelections(networks, namespace)
    if (errorsOf(parsed.findings).length > 0) invalid('networks', problemOf(parsed.findings))
    else parsed.elements.forEach((e, i) => wanted.push({ element: e, origin: `networks[${i}]` }))
  }
  let entries: NetworkStatusEntry[] = []
  if (status !== undefined) {
    const parsed = parseNetworkStatus(status)
    if (errorsOf(parsed.findings).length > 0) invalid('network-status', problemOf(parsed.findings))
    entries = parsed.entries
  }
  const used = new Set<number>()
  for (const w of wanted) {
    const i = entries.findIndex((e, j) => !used.has(j) && reports(e, w.element, namespace))
    if (i === -1) {
      out.push({
        network: networkKey(w.element),
        origin: w.origin,
        ...(w.element.interface ? { interface: w.element.interface } : {}),
        ips: [],
        route: '',
        state: phase === 'Pending' ? 'waiting' : 'no-status',
      })
      continue
    }
    used.add(i)
    out.push({
      ...fromEntry(entries[i] as NetworkStatusEntry),
      origin: w.origin,
      state: 'attached',
    })
  }
  entries.forEach((e, j) => {
    if (used.has(j)) return
    const state = e.default === true ? 'cluster-default' : 'unselected'
    out.push({ ...fromEntry(e), origin: 'network-status', state })
  })
  return { namespace, name: meta.name, node, phase, attachments: out }
}

/** Multus writes `namespace/name`; some writers give the bare name for the pod's namespace. */
function reports(e: NetworkStatusEntry, s: SelectionElement, podNamespace: string): boolean {
  const named = e.name === networkKey(s) || (e.name === s.name && s.namespace === podNamespace)
  return named && (s.interface === undefined || s.interface === e.interface)
}

function fromEntry(e: NetworkStatusEntry): Omit<Attachment, 'origin' | 'state'> {
  const gateways = e['default-route'] ?? []
  return {
    network: e.name,
    ...(e.interface ? { interface: e.interface } : {}),
    ips: e.ips ?? [],
    ...(e.mac ? { mac: e.mac } : {}),
    route: e.default === true ? 'default' : gateways.length > 0 ? `via ${gateways.join(',')}` : '',
  }
}

function problemOf(findings: Parameters<typeof errorsOf>[0]): string {
  return errorsOf(findings).map(formatFinding).join('; ')
}
