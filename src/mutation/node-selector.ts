/**
 * Node selection: a NAD's `k8s.v1.cni.cncf.io/nodeSelector` and its physical network both become
 * entries of `spec.nodeSelector`, so the scheduler only picks nodes that can carry every network.
 * NRI lets a later NAD, and itself, silently overwrite a value; two wishes for the same label with
 * different values cannot both hold, so we deny and name both sides instead.
 */
import { error, type Finding } from '../spec/finding.js'
import { parseNodeSelectorAnnotation } from '../spec/nad.js'
import { labelKeyProblem } from '../spec/names.js'
import { ANNOTATIONS, networkKey } from '../spec/types.js'
import type { Attachment } from './attachments.js'
import { displayPath } from './json-pointer.js'
import type { Overlay } from './overlay.js'
import { member, stringMap } from './pod-view.js'
import type { MutationOptions } from './types.js'

interface Wish {
  readonly value: string
  /** `NAD ns/name (networks[0])`, for messages. */
  readonly by: string
}

export interface NodeSelectorResult {
  readonly findings: Finding[]
  readonly summary: string[]
}

export function planNodeSelector(
  pod: unknown,
  attachments: readonly Attachment[],
  options: MutationOptions,
  overlay: Overlay,
): NodeSelectorResult {
  const findings: Finding[] = []
  const summary: string[] = []
  const wishes = new Map<string, Wish>()
  const reported = new Set<string>()
  const wish = (key: string, value: string, a: Attachment, why: string): void => {
    const by = `NAD ${a.namespace}/${a.name} (${a.origin})`
    const prior = wishes.get(key)
    if (!prior) {
      wishes.set(key, { value, by })
      summary.push(`nodeSelector ${key}=${JSON.stringify(value)}: ${why} of ${by}`)
    } else if (prior.value !== value && !reported.has(`${key}=${value}`)) {
      reported.add(`${key}=${value}`)
      findings.push(
        error(
          'pod.node-selector-conflict',
          a.origin,
          `${by} needs node label ${key}=${JSON.stringify(value)} but ${prior.by} needs ` +
            `${key}=${JSON.stringify(prior.value)}; no node can satisfy both`,
        ),
      )
    }
  }
  const checked = new Set<string>()
  for (const a of attachments) {
    const annotations = a.nad?.annotations ?? {}
    const key = networkKey(a)
    const first = !checked.has(key)
    checked.add(key)
    const selector = annotations[ANNOTATIONS.nodeSelector]
    if (selector !== undefined) {
      // The same rule the NAD validation applies, so a NAD stored before the webhook ran (or
      // edited while it was down) cannot inject a label the API server would refuse.
      const parsed = parseNodeSelectorAnnotation(selector)
      for (const [key, value] of Object.entries(parsed.selector ?? {})) {
        wish(key, value, a, 'node selector')
      }
      if (!parsed.selector && first) {
        const why = parsed.findings.map((f) => f.message).join('; ')
        findings.push(
          error(
            'nad.node-selector',
            a.origin,
            `NAD ${key}: annotation ${ANNOTATIONS.nodeSelector} is ${JSON.stringify(selector)}: ${why}`,
          ),
        )
      }
    }
    const physnet = annotations[ANNOTATIONS.physicalNetwork]?.trim()
    if (physnet === undefined) continue
    if (labelKeyProblem(`${options.physicalNetworkLabelPrefix}${physnet}`) === undefined) {
      wish(
        `${options.physicalNetworkLabelPrefix}${physnet}`,
        'true',
        a,
        `physical network ${physnet}`,
      )
    } else if (first) {
      findings.push(
        error(
          'nad.physical-network',
          a.origin,
          `NAD ${key}: physical network ${JSON.stringify(physnet)} (annotation ` +
            `${ANNOTATIONS.physicalNetwork}) cannot be part of a node label: use 1-63 letters, ` +
            'digits, "-", "_" or ".", starting and ending with a letter or digit',
        ),
      )
    }
  }
  const existing = stringMap(member(member(pod, 'spec'), 'nodeSelector'))
  for (const key of [...wishes.keys()].sort()) {
    const w = wishes.get(key) as Wish
    const have = existing[key]
    if (have !== undefined && have !== w.value) {
      findings.push(
        error(
          'pod.node-selector-conflict',
          displayPath(['spec', 'nodeSelector', key]),
          `the pod selects nodes with ${key}=${JSON.stringify(have)} but ${w.by} needs ` +
            `${key}=${JSON.stringify(w.value)}; no node can satisfy both`,
        ),
      )
    } else overlay.set(['spec', 'nodeSelector', key], w.value)
  }
  return { findings, summary }
}
