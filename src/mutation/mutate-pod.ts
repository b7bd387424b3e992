/**
 * The mutating side of pod admission: network-aware scheduling (network-resources-injector
 * parity, without its bugs). Each part writes what it wants into one overlay; one diff against
 * the pod turns that into the patch. That is why the patch has a fixed order, creates a parent
 * only when it is absent, and is empty when the pod already is as we want it (reinvocation).
 */
import type { PatchOp } from '../admission/review.js'
import type { NadInfo } from '../spec/types.js'
import { error, errorsOf, type Finding } from '../spec/finding.js'
import type { SelectionElement } from '../spec/types.js'
import { attachmentsOf, tenantAdditions, type NetworkName } from './attachments.js'
import { displayPath } from './json-pointer.js'
import { diff, Overlay, type ShapeProblem } from './overlay.js'
import { planNodeSelector } from './node-selector.js'
import { typeName } from './pod-view.js'
import { planPodnetinfo } from './podnetinfo.js'
import { planResources } from './resources.js'
import { planTenantNetworks } from './tenant.js'
import type { MutationOptions } from './types.js'

export interface MutationInput {
  /** The Pod object from the AdmissionRequest (treated as untrusted JSON). */
  pod: unknown
  /** Parsed, validated selections of k8s.v1.cni.cncf.io/networks, namespaces filled in. */
  selections: readonly SelectionElement[]
  defaultNetwork?: SelectionElement
  /** Networks the tenant policy injects; already-selected ones are not added again. */
  tenantNetworks: readonly NetworkName[]
  nad(namespace: string, name: string): NadInfo | undefined
  options: MutationOptions
}

export interface MutationResult {
  /** Empty when nothing changes, and whenever `findings` holds an error. */
  patch: PatchOp[]
  /** Errors deny the pod (e.g. `pod.node-selector-conflict`). */
  findings: Finding[]
  /** Human lines: what was injected and why. */
  summary: string[]
}

function shapeFinding(p: ShapeProblem): Finding {
  const found = p.found === undefined ? 'nothing' : typeName(p.found)
  return error(
    'pod.shape',
    displayPath(p.path),
    `expected ${p.expected} to add network settings to, found ${found}`,
  )
}

export function mutatePod(input: MutationInput): MutationResult {
  const { pod, selections, defaultNetwork, options } = input
  const added = tenantAdditions(selections, defaultNetwork, input.tenantNetworks)
  const attachments = attachmentsOf(selections, defaultNetwork, added, input.nad)
  const overlay = new Overlay()
  const findings: Finding[] = []
  const summary: string[] = []
  for (const a of attachments) {
    if (!a.nad)
      summary.push(
        `${a.origin}: NAD ${a.namespace}/${a.name} is not known; nothing injected for it`,
      )
  }
  const parts = [
    planTenantNetworks(selections, added, overlay),
    planResources(pod, attachments, options, overlay),
    planNodeSelector(pod, attachments, options, overlay),
  ]
  for (const part of parts) {
    findings.push(...part.findings)
    summary.push(...part.summary)
  }
  if (attachments.length > 0) summary.push(...planPodnetinfo(pod, options, overlay))
  const { ops, problems } = diff(pod, overlay)
  findings.push(...problems.map(shapeFinding))
  if (errorsOf(findings).length > 0) return { patch: [], findings, summary }
  if (ops.length === 0)
    summary.push('nothing to change: the pod already has what its networks need')
  return { patch: ops, findings, summary }
}
