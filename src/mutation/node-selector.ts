/**
 * Node selection: a NAD's `k8s.v1.cni.cncf.io/nodeSelector` and its physical network both become
 * entries of `spec.nodeSelector`, so the scheduler only picks nodes that can carry every network.
 * NRI lets a later NAD, and itself, silently overwrite a value; two wishes for the same label with
 * different values cannot both hold, so we deny and name both sides instead.
 */
import { error, type Finding } from '../spec/finding.js'
import { ANNOTATIONS } from '../spec/types.js'
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

/** The label name part of a key (after the prefix): the Kubernetes qualified-name rule. */
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/

function parseSelector(raw: string): [string, string] | undefined {
  const parts = raw.split('=')
  if (parts.length > 2) return undefined
  const key = (parts[0] ?? '').trim()
  if (key === '') return undefined
  return [key, (parts[1] ?? '').trim()]
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
    const nadKey = `${a.namespace}/${a.name}`
    const first = !checked.has(nadKey)
    checked.add(nadKey)
    const selector = annotations[ANNOTATIONS.nodeSelector]
    if (selector !== undefined) {
      const kv = parseSelector(selector)
      if (kv) wish(kv[0], kv[1], a, 'node selector')
      else if (first) {
        findings.push(
          error(
            'nad.node-selector',
            a.origin,
            `NAD ${nadKey}: annotation ${ANNOTATIONS.nodeSelector} is ${JSON.stringify(selector)}; ` +
              'it must be "key" or "key=value" with one "=" at most',
          ),
        )
      }
    }
    const physnet = annotations[ANNOTATIONS.physicalNetwork]?.trim()
    if (physnet === undefined) continue
    if (physnet.length <= 63 && LABEL_NAME.test(physnet)) {
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
          `NAD ${nadKey}: physical network ${JSON.stringify(physnet)} (annotation ` +
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
