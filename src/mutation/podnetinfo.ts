/**
 * The podnetinfo volume: a downward-API view of the pod's labels and annotations (where the agent
 * publishes network-status and device info) at /etc/podnetinfo in every app container, as NRI
 * does. Fixed from NRI (#43, #224): a container that already mounts something at that path, or
 * a volume of that name, is left alone instead of getting a second mount the API server rejects;
 * and the labels and annotations files are always there (NRI adds them only when the pod has
 * labels or annotations at admission, though both may be set later).
 */
import type { Overlay } from './overlay.js'
import { containersOf, member, type ContainerView } from './pod-view.js'
import { parseWholeQuantity } from './quantity.js'
import type { MutationOptions } from './types.js'

export const PODNETINFO_VOLUME = 'podnetinfo'
export const PODNETINFO_PATH = '/etc/podnetinfo'

const normalize = (path: unknown): unknown =>
  typeof path === 'string' ? path.replace(/\/+$/, '') : path

function hasMount(container: unknown): boolean {
  const mounts = member(container, 'volumeMounts')
  if (!Array.isArray(mounts)) return false
  return mounts.some(
    (m: unknown) =>
      member(m, 'name') === PODNETINFO_VOLUME ||
      normalize(member(m, 'mountPath')) === PODNETINFO_PATH,
  )
}

function hasVolume(pod: unknown): boolean {
  const volumes = member(member(pod, 'spec'), 'volumes')
  return (
    Array.isArray(volumes) && volumes.some((v: unknown) => member(v, 'name') === PODNETINFO_VOLUME)
  )
}

/** NRI's hugepage items: one file per non-zero hugepages-<size> request and limit. */
function hugepageItems(c: ContainerView): unknown[] {
  const items: unknown[] = []
  if (c.name === undefined) return items
  for (const kind of ['requests', 'limits'] as const) {
    const values = member(member(c.raw, 'resources'), kind)
    if (typeof values !== 'object' || values === null || Array.isArray(values)) continue
    for (const resource of Object.keys(values).sort()) {
      if (!resource.startsWith('hugepages-') || !parseWholeQuantity(member(values, resource)))
        continue
      const size = resource.slice('hugepages-'.length)
      items.push({
        path: `hugepages_${size.replaceAll('i', '')}_${kind.slice(0, -1)}_${c.name}`,
        resourceFieldRef: {
          containerName: c.name,
          resource: `${kind}.${resource}`,
          divisor: '1Mi',
        },
      })
    }
  }
  return items
}

function hasEnv(container: unknown, name: string): boolean {
  const env = member(container, 'env')
  return Array.isArray(env) && env.some((e: unknown) => member(e, 'name') === name)
}

export function planPodnetinfo(pod: unknown, options: MutationOptions, overlay: Overlay): string[] {
  if (!options.podnetinfo) return []
  const containers = containersOf(pod) ?? []
  const mounted: string[] = []
  for (const c of containers) {
    if (hasMount(c.raw)) continue
    overlay.append(
      ['spec', 'containers', c.index, 'volumeMounts'],
      [{ name: PODNETINFO_VOLUME, mountPath: PODNETINFO_PATH, readOnly: true }],
    )
    mounted.push(JSON.stringify(c.name ?? String(c.index)))
  }
  if (mounted.length === 0) {
    return containers.length === 0 ? ['podnetinfo: the pod has no containers; nothing mounted'] : []
  }
  const summary = [
    `podnetinfo: mounted at ${PODNETINFO_PATH} in container(s) ${mounted.join(', ')}`,
  ]
  if (hasVolume(pod)) {
    summary.push(`podnetinfo: the pod already has a volume named ${PODNETINFO_VOLUME}; kept as is`)
    return summary
  }
  const items: unknown[] = [
    { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
    { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
  ]
  for (const c of containers) {
    const huge = options.hugepages ? hugepageItems(c) : []
    items.push(...huge)
    // Lets the application find its own hugepage files (NRI sets the same variable).
    if (huge.length > 0 && !hasEnv(c.raw, 'CONTAINER_NAME')) {
      overlay.append(
        ['spec', 'containers', c.index, 'env'],
        [{ name: 'CONTAINER_NAME', value: c.name }],
      )
    }
  }
  overlay.append(['spec', 'volumes'], [{ name: PODNETINFO_VOLUME, downwardAPI: { items } }])
  summary.push(`podnetinfo: volume ${PODNETINFO_VOLUME} added (${items.length} downward-API items)`)
  return summary
}
