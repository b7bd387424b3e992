/**
 * `multinet pods` (`kubectl multinet pods`): each pod that selects or reports a network, one
 * row per attachment: what it asked for and what network-status says happened.
 */
import type { CliIo } from '../io.js'
import { EXIT } from '../io.js'
import type { CommandSpec } from './args.js'
import { forEachListed } from './live-state.js'
import { printView, viewOutput, type ViewOutput } from './output.js'
import { podAttachments, type Attachment, type PodAttachments } from './pod-attachments.js'
import { ACCESS_USAGE, runCommand } from './session.js'
import { joined, NONE, type Column } from './table.js'

const SPEC: CommandSpec = {
  name: 'pods',
  usage: `multinet pods ${ACCESS_USAGE} [-o wide|json|yaml] [--no-headers]`,
  intro:
    'Each pod that selects a network or reports one in network-status, one row per attachment: the network, the interface, IPs, MAC and default route the agent reported, and STATUS: attached; waiting (Pending, no status yet); no-status (running without a status entry: failed or not reported); cluster-default; unselected; invalid (an annotation does not parse). Short forms: -n, -A, -l, -o.',
  keys: ['output', 'noHeaders'],
  positionals: 0,
}

export interface PodRow extends Attachment {
  readonly namespace: string
  readonly pod: string
  readonly node: string
  readonly phase: string
}

export function podRows(pods: readonly PodAttachments[]): PodRow[] {
  return pods.flatMap((p) =>
    p.attachments.map((a) => ({
      namespace: p.namespace,
      pod: p.name,
      node: p.node,
      phase: p.phase,
      ...a,
    })),
  )
}

export function podColumns(allNamespaces: boolean): Column<PodRow>[] {
  return [
    ...(allNamespaces ? [{ header: 'NAMESPACE', value: (r: PodRow) => r.namespace }] : []),
    { header: 'POD', value: (r) => r.pod },
    { header: 'NETWORK', value: (r) => r.network },
    { header: 'INTERFACE', value: (r) => r.interface ?? '' },
    { header: 'IPS', value: (r) => joined(r.ips) },
    { header: 'MAC', value: (r) => r.mac ?? '' },
    { header: 'ROUTE', value: (r) => r.route },
    { header: 'STATUS', value: (r) => r.state },
    { header: 'ORIGIN', value: (r) => r.origin, wide: true },
    { header: 'NODE', value: (r) => r.node, wide: true },
    { header: 'PHASE', value: (r) => r.phase, wide: true },
    { header: 'PROBLEM', value: (r) => r.problem ?? NONE, wide: true },
  ]
}

export function podsCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand(SPEC, argv, io, async (s) => {
    const ns = s.conn.namespace
    const path = ns === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${ns}/pods`
    const pods: PodAttachments[] = []
    await forEachListed(
      s,
      { path, resource: 'pods', namespace: ns },
      { labelSelector: s.settings.selector },
      (obj) => {
        const p = podAttachments(obj)
        if (p) pods.push(p)
      },
    )
    const view: ViewOutput<PodRow> = {
      kind: 'PodNetworkList',
      columns: podColumns(ns === undefined),
      empty:
        ns === undefined
          ? 'No pods with networks found.'
          : `No pods with networks found in ${ns} namespace.`,
    }
    printView(s.io, podRows(pods), view, viewOutput(s.settings.output), s.settings.noHeaders)
    return EXIT.ok
  })
}
