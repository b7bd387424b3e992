/**
 * Tenant networks (issue 3): the policy's networks that the pod does not select are appended to
 * `k8s.v1.cni.cncf.io/networks`, rewritten in the canonical JSON form. Appending keeps the
 * position, and so the implicit `net<N>` name, of every network the user selected; an explicit
 * tenant interface that collides with one of those names is a denial rather than a pod that
 * fails at CNI ADD. A tenant network without an interface takes its positional name `net<N>`
 * unless a selection already uses that name (`own@net2`): then it takes the next free `net<N>`,
 * written into its element, since the agent would otherwise name it by position.
 */
import { error, type Finding } from '../spec/finding.js'
import { formatSelections } from '../spec/selection.js'
import { ANNOTATIONS, type SelectionElement } from '../spec/types.js'
import type { NetworkName } from './attachments.js'
import type { Overlay } from './overlay.js'

export interface TenantResult {
  readonly findings: Finding[]
  readonly summary: string[]
}

export function planTenantNetworks(
  selections: readonly SelectionElement[],
  added: readonly NetworkName[],
  overlay: Overlay,
): TenantResult {
  if (added.length === 0) return { findings: [], summary: [] }
  const findings: Finding[] = []
  const summary: string[] = []
  const elements: SelectionElement[] = [...selections]
  const used = new Map<string, string>()
  selections.forEach((s, i) => used.set(s.interface ?? `net${i + 1}`, `networks[${i}]`))
  // Names the tenant itself gives: an automatic name must not take one of them either.
  const explicit = new Set(added.flatMap((n) => n.interface ?? []))
  added.forEach((n, k) => {
    const position = elements.length
    const ifname = n.interface ?? freeName(used, explicit, position + 1)
    // Only a name that differs from the positional one needs writing down.
    const named = n.interface !== undefined || ifname !== `net${position + 1}`
    const element: SelectionElement = {
      name: n.name,
      namespace: n.namespace,
      ...(named ? { interface: ifname } : {}),
    }
    elements.push(element)
    const holder = used.get(ifname)
    if (holder !== undefined) {
      findings.push(
        error(
          'selection.duplicate-interface',
          `tenantNetworks[${k}]`,
          `tenant network ${n.namespace}/${n.name} uses interface ${ifname}, which ${holder} ` +
            'already uses; rename the interface in the pod or in the tenant policy',
        ),
      )
    } else used.set(ifname, `tenant network ${n.namespace}/${n.name}`)
    summary.push(tenantSummary(`${n.namespace}/${n.name}`, ifname))
  })
  overlay.set(['metadata', 'annotations', ANNOTATIONS.networks], formatSelections(elements))
  return { findings, summary }
}

/** The summary line of one injected network; `injectedAs` reads it back. */
export function tenantSummary(network: string, ifname: string): string {
  return `tenant network ${network} added as ${ifname} (tenant policy)`
}

const SUMMARY = /^tenant network (\S+) added as (\S+) \(tenant policy\)$/

/** The network and interface of a summary line of `tenantSummary`, else undefined. */
export function injectedAs(line: string): { network: string; ifname: string } | undefined {
  const m = SUMMARY.exec(line)
  return m ? { network: m[1]!, ifname: m[2]! } : undefined
}

/** The first `net<N>`, N from `from` up, that no selection and no tenant interface uses. */
function freeName(
  used: ReadonlyMap<string, string>,
  explicit: ReadonlySet<string>,
  from: number,
): string {
  let n = from
  while (used.has(`net${n}`) || explicit.has(`net${n}`)) n++
  return `net${n}`
}
