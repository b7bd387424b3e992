/**
 * How much memory the NAD cache costs and how fast it answers, through the informer's own code
 * path: the NAD reflector spec of kube-state.ts, fed paged lists of apiserver-shaped JSON
 * (managedFields, last-applied annotation and all), parsed as the client parses them.
 *
 *   node --expose-gc --import tsx bench/state-cache.ts [sizes...]    (default 1000 10000 50000)
 *
 * For contrast it also reports what keeping the whole objects costs, which is what
 * client-node's stock ListWatch cache does.
 */
import { randomUUID } from 'node:crypto'
import { pino } from 'pino'
import { DEFAULT_ADMISSION_OPTIONS } from '../src/admission/options.js'
import type { NadInfo } from '../src/admission/state.js'
import { nadKey } from '../src/spec/types.js'
import { nadResource } from '../src/cluster/kube-resources.js'
import type { ListFn, Watcher } from '../src/cluster/list-watch.js'
import { Reflector } from '../src/cluster/reflector.js'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) {
  console.error('run with: node --expose-gc --import tsx bench/state-cache.ts')
  process.exit(2)
}

const NAMESPACES = 500
const PAGE = 500
const LOOKUPS = 2_000_000

/** One NAD as `kubectl apply` leaves it in the API server. */
function apiserverNad(i: number): unknown {
  const name = `net-${i}`
  const namespace = `team-${i % NAMESPACES}`
  const config = JSON.stringify({
    cniVersion: '1.0.0',
    name,
    type: i % 3 === 0 ? 'sriov' : 'macvlan',
    master: 'eth1',
    mode: 'bridge',
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: `10.${(i >> 8) & 255}.${i & 255}.0/24` }]],
      routes: [{ dst: '0.0.0.0/0' }],
    },
  })
  const body = {
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'helm', plane: i % 2 ? 'data' : 'control' },
      annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_netdevice' },
    },
    spec: { config },
  }
  return {
    ...body,
    metadata: {
      ...body.metadata,
      uid: randomUUID(),
      resourceVersion: String(1000 + i),
      generation: 1,
      creationTimestamp: '2026-11-23T10:00:00Z',
      annotations: {
        ...body.metadata.annotations,
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(body),
      },
      managedFields: [
        {
          manager: 'kubectl-client-side-apply',
          operation: 'Update',
          apiVersion: 'k8s.cni.cncf.io/v1',
          time: '2026-11-23T10:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': {
              'f:annotations': { '.': {}, 'f:k8s.v1.cni.cncf.io/resourceName': {} },
              'f:labels': { '.': {}, 'f:app.kubernetes.io/managed-by': {}, 'f:plane': {} },
            },
            'f:spec': { '.': {}, 'f:config': {} },
          },
        },
      ],
    },
  }
}

/** Pages built on demand and parsed from JSON text, so only what the cache keeps survives. */
function pagedList(total: number): ListFn {
  return async (page) => {
    const start = Number(page.continueToken ?? 0)
    const end = Math.min(total, start + page.limit)
    const items = []
    for (let i = start; i < end; i++) items.push(apiserverNad(i))
    const text = JSON.stringify({
      metadata: {
        resourceVersion: String(1000 + total),
        continue: end < total ? String(end) : undefined,
      },
      items,
    })
    const parsed = JSON.parse(text) as {
      items: unknown[]
      metadata: { resourceVersion: string; continue?: string }
    }
    return {
      items: parsed.items,
      resourceVersion: parsed.metadata.resourceVersion,
      continueToken: parsed.metadata.continue,
    }
  }
}

/** Connects and stays quiet; `emit` plays a watch event into the reflector. */
class QuietWatcher implements Watcher {
  emit: (type: string, obj: unknown) => void = () => {}
  async watch(_p: string, _q: unknown, onEvent: (type: string, obj: unknown) => void) {
    this.emit = onEvent
    return { abort: () => {} }
  }
}

function heapMiB(): number {
  gc!()
  gc!()
  return process.memoryUsage().heapUsed / 2 ** 20
}

async function measure(total: number): Promise<Record<string, string | number>> {
  const logger = pino({ level: 'silent' })
  const watcher = new QuietWatcher()
  const before = heapMiB()
  const t0 = performance.now()
  const reflector = new Reflector<NadInfo>(
    nadResource(pagedList(total), DEFAULT_ADMISSION_OPTIONS, logger),
    { watcher, logger, pageSize: PAGE },
  )
  reflector.start()
  while (!reflector.isSynced()) await new Promise((r) => setImmediate(r))
  const listMs = performance.now() - t0
  const after = heapMiB()

  // Lookups as admission makes them: getNad(ns, name) -> nadKey -> Map.get.
  const probes: [string, string][] = []
  for (let i = 0; i < 4096; i++) {
    const n = (i * 7919) % total
    probes.push([`team-${n % NAMESPACES}`, `net-${n}`])
  }
  let hits = 0
  const t1 = performance.now()
  for (let i = 0; i < LOOKUPS; i++) {
    const [ns, name] = probes[i & 4095]!
    if (reflector.get(nadKey(ns, name)) !== undefined) hits++
  }
  const lookupNs = ((performance.now() - t1) * 1e6) / LOOKUPS
  if (hits !== LOOKUPS) throw new Error(`lookups missed: ${LOOKUPS - hits}`)

  // A burst of MODIFIED events, as after a mass relabel.
  const events = Math.min(total, 10_000)
  const updates = Array.from({ length: events }, (_, i) => apiserverNad(i))
  const t2 = performance.now()
  for (const obj of updates) watcher.emit('MODIFIED', obj)
  const eventUs = ((performance.now() - t2) * 1000) / events
  reflector.stop()

  // What keeping whole objects (client-node's ListWatch cache) would cost for the same list.
  const wholeBefore = heapMiB()
  const whole = new Map<string, unknown>()
  const list = pagedList(total)
  for (let token: string | undefined = '0'; token !== undefined;) {
    const page = await list({ limit: PAGE, continueToken: token }, new AbortController().signal)
    for (const obj of page.items) whole.set(String(whole.size), obj)
    token = page.continueToken
  }
  const wholeMiB = heapMiB() - wholeBefore
  if (whole.size !== total || reflector.size !== total) throw new Error('sizes differ')

  const growth = after - before
  return {
    nads: total,
    'heap growth MiB': growth.toFixed(1),
    'bytes/NAD': Math.round((growth * 2 ** 20) / total),
    'whole objects MiB': wholeMiB.toFixed(1),
    'list+convert ms': Math.round(listMs),
    'lookup ns/op': lookupNs.toFixed(0),
    'event µs/op': eventUs.toFixed(1),
  }
}

const sizes = process.argv.slice(2).map(Number)
const rows = []
for (const n of sizes.length > 0 ? sizes : [1_000, 10_000, 50_000]) rows.push(await measure(n))
console.table(rows)
console.log(`node ${process.version}, ${LOOKUPS} lookups per size over 4096 distinct keys`)
