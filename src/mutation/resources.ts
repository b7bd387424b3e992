/**
 * Where the counted units go. Default mode (NRI kept): requests = limits = count on one container,
 * and a resource that any container already declares is left exactly as the user wrote it (NRI
 * #4). Honour mode (NRI #30): the count is added to what the target container already has.
 * Fixed from NRI: the target may be any app container (NRI #99: `multinet.io/resource-container`),
 * not only the first; and every pass records what it added (`multinet.io/injected-resources`),
 * so a reinvocation, or a pod template copied from a mutated pod, subtracts its own earlier
 * units instead of adding them again.
 */
import { error, type Finding } from '../spec/finding.js'
import { ANNOTATIONS } from '../spec/types.js'
import type { Attachment } from './attachments.js'
import { displayPath } from './json-pointer.js'
import type { Overlay } from './overlay.js'
import {
  containersOf,
  initContainerNames,
  member,
  podAnnotations,
  type ContainerView,
} from './pod-view.js'
import { formatQuantity, parseWholeQuantity } from './quantity.js'
import { countResources, formatRecord, readRecord } from './resource-count.js'
import type { MutationOptions } from './types.js'

export interface ResourceResult {
  readonly findings: Finding[]
  readonly summary: string[]
}

const TARGET_PATH = `metadata.annotations[${JSON.stringify(ANNOTATIONS.resourceContainer)}]`

/** The container that receives the units, or a finding saying why there is none. */
function targetContainer(
  pod: unknown,
  containers: ContainerView[] | undefined,
): ContainerView | Finding {
  if (!containers || containers.length === 0) {
    return error(
      'pod.shape',
      'spec.containers',
      'the pod has no containers to receive network devices',
    )
  }
  const wanted = podAnnotations(pod)[ANNOTATIONS.resourceContainer]
  if (wanted === undefined) return containers[0] as ContainerView
  const found = containers.find((c) => c.name === wanted)
  if (found) return found
  const names = containers.map((c) => JSON.stringify(c.name ?? '')).join(', ')
  const why = initContainerNames(pod).includes(wanted)
    ? `names init container ${JSON.stringify(wanted)}; network devices go to an app container`
    : `names container ${JSON.stringify(wanted)}, which the pod does not have`
  return error('pod.resource-container', TARGET_PATH, `${why} (containers: ${names})`)
}

/** What one container declares for one resource: raw values as written, and as numbers. */
interface Declared {
  readonly reqRaw: unknown
  readonly limRaw: unknown
  readonly req: number | undefined
  readonly lim: number | undefined
}

function declaredBy(container: unknown, name: string): Declared {
  const res = member(container, 'resources')
  const reqRaw = member(member(res, 'requests'), name)
  const limRaw = member(member(res, 'limits'), name)
  return { reqRaw, limRaw, req: parseWholeQuantity(reqRaw), lim: parseWholeQuantity(limRaw) }
}

const isDeclared = (d: Declared): boolean => d.reqRaw !== undefined || d.limRaw !== undefined

/** Units an earlier pass wrote (and recorded) are ours to update; anything else is the user's. */
function isOurs(d: Declared, earlier: number | undefined): boolean {
  if (!isDeclared(d) || earlier === undefined) return false
  return [d.reqRaw, d.limRaw].every((v) => v === undefined || parseWholeQuantity(v) === earlier)
}

/** Honour mode: [requests, limits] after adding `need` to what the container has. */
function honoured(d: Declared, need: number, earlier: number | undefined): [number, number] {
  const req = d.req ?? d.lim ?? 0
  const lim = d.lim ?? d.req ?? 0
  // A record larger than what is there means the user lowered it since: trust the pod.
  const minus = earlier !== undefined && req >= earlier && lim >= earlier ? earlier : 0
  return [req - minus + need, lim - minus + need]
}

export function planResources(
  pod: unknown,
  attachments: readonly Attachment[],
  options: MutationOptions,
  overlay: Overlay,
): ResourceResult {
  const { needs, findings } = countResources(attachments, options.resourceNameKeys)
  const annotations = podAnnotations(pod)
  const read = readRecord(annotations)
  findings.push(...read.findings)
  const summary: string[] = []
  const names = [...new Set([...needs.keys(), ...Object.keys(read.record)])].sort()
  const named = annotations[ANNOTATIONS.resourceContainer] !== undefined
  if (read.findings.length > 0 || (names.length === 0 && !named)) return { findings, summary }
  const containers = containersOf(pod)
  const target = targetContainer(pod, containers)
  if ('rule' in target) {
    if (names.length > 0 || target.rule === 'pod.resource-container') findings.push(target)
    return { findings, summary }
  }
  const label = `container ${JSON.stringify(target.name ?? '')}`
  const base = ['spec', 'containers', target.index, 'resources']
  const record: Record<string, number> = {}
  for (const name of names) {
    const need = needs.get(name)?.count ?? 0
    const why = needs.get(name)?.origins.join(', ')
    const d = declaredBy(target.raw, name)
    const other = containers?.find(
      (c) => c.index !== target.index && isDeclared(declaredBy(c.raw, name)),
    )
    const put = (kind: 'requests' | 'limits', have: number | undefined, want: number): void => {
      if (have === want) return
      if (want === 0) overlay.remove([...base, kind, name])
      else overlay.set([...base, kind, name], formatQuantity(want))
    }
    const ours = isOurs(d, read.record[name])
    if (!options.honorExistingResources) {
      const owner = other ?? (isDeclared(d) && !ours ? target : undefined)
      if (owner) {
        const holder = `container ${JSON.stringify(owner.name ?? '')}`
        if (need > 0)
          summary.push(`resource ${name}: ${holder} already declares it; left as written (${why})`)
        // Our earlier units give way to a declaration that appeared elsewhere since.
        if (ours) put('requests', d.req, 0)
        if (ours) put('limits', d.lim, 0)
        continue
      }
      put('requests', d.req, need)
      put('limits', d.lim, need)
    } else if (
      [d.reqRaw, d.limRaw].some((v) => v !== undefined && parseWholeQuantity(v) === undefined)
    ) {
      findings.push(
        error(
          'pod.shape',
          displayPath([...base, 'requests', name]),
          `${label} declares ${name} as something other than a whole number; honour mode cannot add to it`,
        ),
      )
      continue
    } else {
      const [req, lim] = honoured(d, need, read.record[name])
      put('requests', d.req, req)
      put('limits', d.lim, lim)
    }
    if (need > 0) {
      record[name] = need
      const how = options.honorExistingResources ? ' (added to what it declares)' : ''
      summary.push(`resource ${name}: ${need} for ${why} -> requests and limits of ${label}${how}`)
    }
  }
  const key = ['metadata', 'annotations', ANNOTATIONS.injectedResources]
  if (Object.keys(record).length > 0) {
    if (formatRecord(record) !== formatRecord(read.record)) overlay.set(key, formatRecord(record))
  } else if (annotations[ANNOTATIONS.injectedResources] !== undefined) overlay.remove(key)
  return { findings, summary }
}
