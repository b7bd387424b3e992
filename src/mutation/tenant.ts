/**
 * Tenant networks (issue 3): the policy's networks that the pod does not select are appended to
 * `k8s.v1.cni.cncf.io/networks`, rewritten in the canonical JSON form. Appending keeps the
 * position, and so the implicit `net<N>` name, of every network the user selected; an explicit
 * tenant interface that collides with one of those names is a denial rather than a pod that
 * fails at CNI ADD.
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
  added.forEach((n, k) => {
    const position = elements.length
    const element: SelectionElement = {
      name: n.name,
      namespace: n.namespace,
      ...(n.interface !== undefined ? { interface: n.interface } : {}),
    }
    elements.push(element)
    const ifname = n.interface ?? `net${position + 1}`
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
    summary.push(`tenant network ${n.namespace}/${n.name} added as ${ifname} (tenant policy)`)
  })
  overlay.set(['metadata', 'annotations', ANNOTATIONS.networks], formatSelections(elements))
  return { findings, summary }
}
