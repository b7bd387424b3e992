/**
 * `multinet networks`: each NetworkAttachmentDefinition with its plugin chain, device resource,
 * physical network and node selector, who may use it under the live policy, and how many pods
 * select it (and how many report it attached).
 */
import type { NadInfo } from '../../admission/state.js'
import { field, metadataOf, stringField } from '../../spec/object.js'
import { selectedNads } from '../../spec/selected-nads.js'
import { parseNetworkStatus } from '../../spec/network-status.js'
import { ANNOTATIONS, nadKey } from '../../spec/types.js'
import { EXIT, type CliIo } from '../io.js'
import type { CommandSpec } from './args.js'
import { accessOf, type AccessSummary, type PodSubject } from './network-access.js'
import {
  compileConfigMaps,
  forEachListed,
  listNads,
  listNamespaceLabels,
  listPolicyConfigMaps,
} from './live-state.js'
import { printView, viewOutput } from './output.js'
import { isForbidden } from './connect.js'
import { ACCESS_USAGE, runCommand, type Session } from './session.js'
import { joined, type Column } from './table.js'

const SPEC: CommandSpec = {
  name: 'networks',
  usage: `multinet networks ${ACCESS_USAGE} [-o wide|json|yaml] [--no-headers]`,
  intro:
    'Each NetworkAttachmentDefinition: plugin chain, device resource, physical network, node selector; ACCESS: what allows a plain pod of each namespace, or a pod attached now, to use it under the live policy (own-namespace, global, rule/NAME, tenant/NAME); PODS: unfinished pods that select it; ATTACHED (wide): pods whose network-status reports it. Short forms: -n, -A, -l, -o.',
  keys: ['output', 'noHeaders'],
  positionals: 0,
}

export interface NetworkRow {
  readonly namespace: string
  readonly name: string
  readonly plugins: readonly string[]
  readonly resource: string | undefined
  readonly physicalNetwork: string | undefined
  readonly nodeSelector: string | undefined
  readonly access: AccessSummary
  readonly pods: number
  readonly attached: number
}

export function networkColumns(allNamespaces: boolean): Column<NetworkRow>[] {
  return [
    ...(allNamespaces ? [{ header: 'NAMESPACE', value: (r: NetworkRow) => r.namespace }] : []),
    { header: 'NAME', value: (r) => r.name },
    { header: 'PLUGINS', value: (r) => joined(r.plugins) },
    { header: 'RESOURCE', value: (r) => r.resource ?? '' },
    { header: 'PHYSNET', value: (r) => r.physicalNetwork ?? '' },
    { header: 'NODE-SELECTOR', value: (r) => r.nodeSelector ?? '' },
    { header: 'ACCESS', value: (r) => joined(r.access.allowedBy) },
    { header: 'PODS', value: (r) => String(r.pods) },
    { header: 'ATTACHED', value: (r) => String(r.attached), wide: true },
    { header: 'REFUSED-BY', value: (r) => joined(r.access.refusedBy), wide: true },
  ]
}

/** Per NAD key: pods selecting it, pods reporting it, and the subjects of those pods. */
export class NadUse {
  readonly selecting = new Map<string, number>()
  readonly reporting = new Map<string, number>()
  readonly subjects = new Map<string, PodSubject[]>()
  readonly namespaces = new Set<string>()

  add(pod: unknown): void {
    const meta = metadataOf(pod)
    const ns = meta.namespace || 'default'
    this.namespaces.add(ns)
    const phase = stringField(field(pod, 'status'), 'phase')
    if (phase === 'Succeeded' || phase === 'Failed') return
    const subject: PodSubject = {
      namespace: ns,
      podLabels: meta.labels,
      serviceAccount: stringField(field(pod, 'spec'), 'serviceAccountName') || 'default',
    }
    for (const key of selectedNads(meta.annotations, ns)) {
      this.selecting.set(key, (this.selecting.get(key) ?? 0) + 1)
      const list = this.subjects.get(key) ?? []
      // The subjects decide ACCESS; a few distinct ones per NAD say as much as thousands.
      if (list.length < 50) list.push(subject)
      this.subjects.set(key, list)
    }
    const status = meta.annotations[ANNOTATIONS.networkStatus]
    if (status === undefined) return
    const names = new Set(parseNetworkStatus(status).entries.map((e) => e.name))
    for (const name of names) this.reporting.set(name, (this.reporting.get(name) ?? 0) + 1)
  }
}

export function networkRow(
  nad: NadInfo,
  access: AccessSummary,
  use: NadUse,
  physicalNetworkAnnotation = ANNOTATIONS.physicalNetwork,
  resourceNameKeys: readonly string[] = [ANNOTATIONS.resourceName],
): NetworkRow {
  const key = nadKey(nad.namespace, nad.name)
  const resourceKey = resourceNameKeys.find((k) => nad.annotations[k] !== undefined)
  return {
    namespace: nad.namespace,
    name: nad.name,
    plugins: nad.cniTypes,
    resource: resourceKey === undefined ? undefined : nad.annotations[resourceKey],
    physicalNetwork: nad.annotations[physicalNetworkAnnotation],
    nodeSelector: nad.annotations[ANNOTATIONS.nodeSelector],
    access,
    pods: use.selecting.get(key) ?? 0,
    attached: use.reporting.get(key) ?? 0,
  }
}

export function networksCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand(SPEC, argv, io, async (s) => {
    const output = viewOutput(s.settings.output)
    const ns = s.conn.namespace
    const nads = await listNads(s, s.options, ns, s.settings.selector)
    const namespaces = await listNamespaceLabels(s)
    if (namespaces === undefined) warnNamespaces(s)
    const compiled = compileConfigMaps(await listPolicyConfigMaps(s, s.options), s.options)
    for (const p of compiled.problems) s.warn(`live policy: ${p}`)
    const use = await countUse(s, ns)
    const asked = new Map<string, Readonly<Record<string, string>> | undefined>(
      namespaces ?? [...use.namespaces, ...nads.map((n) => n.namespace)].map((n) => [n, undefined]),
    )
    const rows = nads
      .map((nad) => {
        const subjects = use.subjects.get(nadKey(nad.namespace, nad.name)) ?? []
        const access = accessOf(nad, compiled.policy, asked, subjects)
        return networkRow(nad, access, use, undefined, s.options.mutation.resourceNameKeys)
      })
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
    printView(
      s.io,
      rows,
      {
        kind: 'NetworkList',
        columns: networkColumns(ns === undefined),
        empty: ns === undefined ? 'No networks found.' : `No networks found in ${ns} namespace.`,
      },
      output,
      s.settings.noHeaders,
    )
    return EXIT.ok
  })
}

/**
 * Pods of every namespace may use a NAD; a user whose RBAC stops at one namespace still gets
 * the table, with the counts of that namespace and a warning that says so.
 */
async function countUse(s: Session, ns: string | undefined): Promise<NadUse> {
  const query = { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }
  const all = new NadUse()
  try {
    await forEachListed(s, { path: '/api/v1/pods', resource: 'pods' }, query, (p) => all.add(p))
    return all
  } catch (err) {
    if (ns === undefined || !isForbidden(err)) throw err
  }
  s.warn(
    `${s.api.user} may not list pods in all namespaces: PODS and ACCESS count the pods of namespace ${ns} only`,
  )
  const mine = new NadUse()
  await forEachListed(
    s,
    { path: `/api/v1/namespaces/${ns}/pods`, resource: 'pods', namespace: ns },
    query,
    (p) => mine.add(p),
  )
  return mine
}

export function warnNamespaces(s: Session): void {
  s.warn(
    `${s.api.user} may not list namespaces: policy rules that select namespaces by label are decided on the namespace name alone (grant [get, list] on namespaces for exact answers)`,
  )
}
