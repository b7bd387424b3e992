/**
 * `multinet nodes`: each node with the physical networks its agent published and, for every
 * device resource a NAD names, capacity / allocatable / requested.
 */
import { EXIT, type CliIo } from '../io.js'
import type { CommandSpec } from './args.js'
import { forEachListed, listNads } from './live-state.js'
import { NodeRequests, nodeRow, type NodeRow } from './node-resources.js'
import { printView, viewOutput } from './output.js'
import { runCommand } from './session.js'
import { joined, type Column } from './table.js'

const SPEC: CommandSpec = {
  name: 'nodes',
  usage:
    'multinet nodes [-l SELECTOR] [--context NAME] [--kubeconfig FILE] [-o wide|json|yaml] [--no-headers]',
  intro:
    'Each node: PHYSICAL-NETWORKS from the labels the agent publishes (<prefix><name>=true), and DEVICES: for every resource a NetworkAttachmentDefinition names (k8s.v1.cni.cncf.io/resourceName), capacity/allocatable/requested, where requested sums the pods bound to the node. -l selects nodes by label.',
  keys: ['output', 'noHeaders'],
  positionals: 0,
}

export const NODE_COLUMNS: Column<NodeRow>[] = [
  { header: 'NAME', value: (r) => r.name },
  { header: 'STATUS', value: (r) => r.ready },
  { header: 'PHYSICAL-NETWORKS', value: (r) => joined(r.physicalNetworks) },
  {
    header: 'DEVICES(CAPACITY/ALLOCATABLE/REQUESTED)',
    value: (r) =>
      joined(r.resources.map((u) => `${u.name}=${u.capacity}/${u.allocatable}/${u.requested}`)),
  },
]

export function nodesCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand(SPEC, argv, io, async (s) => {
    const output = viewOutput(s.settings.output)
    const keys = s.options.mutation.resourceNameKeys
    const nads = await listNads(s, s.options, undefined)
    const resources = [
      ...new Set(nads.flatMap((n) => keys.flatMap((k) => n.annotations[k] ?? []))),
    ].sort()
    const requests = new NodeRequests(new Set(resources))
    if (resources.length > 0) {
      await forEachListed(
        s,
        { path: '/api/v1/pods', resource: 'pods' },
        { fieldSelector: 'spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed' },
        (pod) => requests.add(pod),
      )
    }
    const prefix = s.options.mutation.physicalNetworkLabelPrefix
    const rows: NodeRow[] = []
    await forEachListed(
      s,
      { path: '/api/v1/nodes', resource: 'nodes' },
      { labelSelector: s.settings.selector },
      (node) => void rows.push(nodeRow(node, prefix, resources, requests)),
    )
    rows.sort((a, b) => a.name.localeCompare(b.name))
    printView(
      s.io,
      rows,
      { kind: 'NodeNetworkList', columns: NODE_COLUMNS, empty: 'No nodes found.' },
      output,
      s.settings.noHeaders,
    )
    return EXIT.ok
  })
}
